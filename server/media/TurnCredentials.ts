import { createHmac } from 'node:crypto';

/** TURN relays handed to clients (`--turn-url` repeatable, `--turn-secret`). */
export interface TurnOptions {
  /** `turn:host:3478?transport=udp`, `turns:host:443?transport=tcp`, … */
  urls: string[];
  /** coturn's `static-auth-secret` (`use-auth-secret`). */
  secret: string;
  /** Lifetime of a credential (default 1 h); a new one comes with every transport and ICE restart. */
  ttlSec?: number;
}

export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

/**
 * Short-lived TURN credentials of coturn's REST scheme ("TURN REST API", use-auth-secret):
 * username = `expiry:UID` (expiry in Unix seconds), credential = base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(o: TurnOptions, UID: string, nowMs = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + (o.ttlSec ?? 3600);
  const username = `${expiry}:${UID}`;
  const credential = createHmac('sha1', o.secret).update(username).digest('base64');
  return { urls: [...o.urls], username, credential };
}
