import { type CRVideoClient, type CRVideoCoreOptions, createCRVideoCore } from './CRVideoClient.js';
import type { WebSocketCtor } from './Line.js';
import { tlsAwareWebSocket } from './nodeWebSocket.js';

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

/** How a Node client checks a `wss://` / `https://` server's certificate. */
export interface TlsClientOptions {
  /** PEM of the CA(s) to trust instead of the system's (a company CA). */
  ca?: string;
  /** false accepts any certificate (never in production; default true). */
  rejectUnauthorized?: boolean;
}

/**
 * A CRVideo client for Node (bots, tests, the Electron main process): every `CRVideo_*` function and
 * callback holder as properties. Several independent clients can live in one process. A server
 * whose certificate is not trusted fails the login with 209 (CRVIDEOSDK_SSL_ERR).
 */
export function createCRVideo(
  options: Omit<CRVideoCoreOptions, 'WebSocket'> & {
    WebSocket?: WebSocketCtor;
    /** The TLS trust, or a function asked at every connect (trust that changes while the client lives). */
    tls?: TlsClientOptions | (() => TlsClientOptions);
  } = {},
): CRVideoClient {
  const { tls, ...rest } = options;
  return createCRVideoCore({ ...rest, WebSocket: options.WebSocket ?? tlsAwareWebSocket(tls ?? {}) });
}
