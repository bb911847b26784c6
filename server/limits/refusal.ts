import { CRVideoError } from '../../protocol/index.js';

/**
 * The error of a request refused under a limit. Under attack these are thrown by the thousand per
 * second (the presence storm of `npm run bench:hostile` drew ~900 a second), and capturing a stack
 * trace for each took a tenth of the server's time there; a refusal's stack says nothing (the limit
 * and the session are in its message and log line), so it is made without one.
 */
export function refusal(code: number, message: string): CRVideoError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CRVideoError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
