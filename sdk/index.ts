import WebSocket from 'ws';
import { type CRVideoClient, type CRVideoCoreOptions, createCRVideoCore } from './CRVideoClient.js';
import type { WebSocketCtor } from './Line.js';

export * from '../protocol/errors.js';
export type { CallOutcome, CallRecord, MeetObj, UserStatus } from '../protocol/schemas.js';
export * from './api.js';
export {
  type CRVideoClient,
  type CRVideoCore,
  type CRVideoCoreOptions,
  createCRVideoCore,
  newCallID,
} from './CRVideoClient.js';
export type { WebSocketCtor, WebSocketLike } from './Line.js';
export { md5Hex } from './md5.js';
export type { MediaContext, MediaEngine, MediaEngineFactory } from './media/MediaEngine.js';
export { type OnlineEventSource, reconnectNow, watchOnlineEvents } from './networkHints.js';
export { exponentialBackoff, type ReconnectPolicy, steadyRetry } from './ReconnectPolicy.js';
export { signalingUrl } from './serverAddr.js';

/**
 * A CRVideo client for Node (bots, tests, the Electron main process): every `CRVideo_*` function and
 * callback holder as properties. Several independent clients can live in one process.
 */
export function createCRVideo(
  options: Omit<CRVideoCoreOptions, 'WebSocket'> & { WebSocket?: WebSocketCtor } = {},
): CRVideoClient {
  return createCRVideoCore({ ...options, WebSocket: options.WebSocket ?? (WebSocket as unknown as WebSocketCtor) });
}
