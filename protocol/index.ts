export * from './auth.js';
export * from './errors.js';
export { type Checked, check, issueText } from './issues.js';
export * from './media.js';
export * from './messages.js';
export * from './reconnect.js';
export * from './schemas.js';
