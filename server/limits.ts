/**
 * Transport bounds: what one socket, one session or one remote address may cost the server.
 * Each has a default stated in the README ("Limits and protections"); `startServer({ limits })`
 * overrides any of them.
 */
export interface TransportLimits {
  /** A socket whose unsent bytes pass this is closed with close code 4008; its session is kept for the grace period. */
  sendBufferBytes: number;
  /** Requests of one socket received but not yet answered; more get sdkErr 429 at once. */
  requestsInFlight: number;
  /** Bytes of notifications a session keeps for replay after a resume (oldest dropped first). */
  replayBytes: number;
  /** Bytes of answers a session keeps to answer a retried request id (oldest dropped first). */
  answeredBytes: number;
  /** A socket that has not logged in (or resumed) within this is closed with close code 4001. */
  loginDeadlineMs: number;
  /** Open WebSockets per remote address; more are refused at the upgrade with HTTP 429. */
  socketsPerAddress: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  sendBufferBytes: 4 * 1024 * 1024,
  requestsInFlight: 32,
  replayBytes: 512 * 1024,
  answeredBytes: 256 * 1024,
  loginDeadlineMs: 10_000,
  socketsPerAddress: 100,
};

/** WebSocket close codes the server uses (4000 is "session over, do not resume"; the others allow a resume). */
export const CloseCode = {
  SESSION_ENDED: 4000,
  LOGIN_DEADLINE: 4001,
  SEND_BUFFER_FULL: 4008,
} as const;

/** Defaults overlaid with whatever the caller set (other keys are left to the parts of the server that own them). */
export function resolveTransportLimits(given: Partial<TransportLimits> | undefined): TransportLimits {
  const out = { ...DEFAULT_TRANSPORT_LIMITS };
  for (const key of Object.keys(DEFAULT_TRANSPORT_LIMITS) as (keyof TransportLimits)[]) {
    const v = given?.[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0) throw new Error(`limits.${key} must be a positive number`);
    out[key] = v;
  }
  return out;
}
