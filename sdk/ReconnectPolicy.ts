import { RECONNECT_MAX_INTERVAL_MS } from '../protocol/index.js';

/**
 * Decides how long to wait before reconnect attempt `attempt` (0-based; attempt 0 is made at once,
 * this gives the wait after it failed); null gives up. The Line itself stops at the server's
 * advertised grace period, whatever the policy says.
 */
export interface ReconnectPolicy {
  nextDelayMs(attempt: number, elapsedMs: number): number | null;
}

/**
 * The default: 100 ms, 200 ms, 400 ms, 800 ms, then every `maxMs` (1 s), each drawn in [¾·d, d]
 * so many clients dropped together do not reconnect in lock-step. A link back at time t is thus
 * used by an attempt starting no later than t + `maxMs`.
 */
export function steadyRetry(opts: { baseMs?: number; maxMs?: number } = {}): ReconnectPolicy {
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? RECONNECT_MAX_INTERVAL_MS;
  return {
    nextDelayMs(attempt) {
      const d = Math.min(max, base * 2 ** Math.min(attempt, 20));
      return Math.round(d * (0.75 + Math.random() * 0.25));
    },
  };
}

/**
 * Exponential backoff with jitter: 200 ms, 400 ms, … capped at `maxMs`; gives up after `giveUpMs`.
 * Kept for apps that want fewer attempts; note a cap above 1 s widens the reconnect bound.
 */
export function exponentialBackoff(opts: { baseMs?: number; maxMs?: number; giveUpMs: number }): ReconnectPolicy {
  const base = opts.baseMs ?? 200;
  const max = opts.maxMs ?? RECONNECT_MAX_INTERVAL_MS;
  return {
    nextDelayMs(attempt, elapsedMs) {
      if (elapsedMs >= opts.giveUpMs) return null;
      const d = Math.min(max, base * 2 ** Math.min(attempt, 20));
      return Math.round(d / 2 + (Math.random() * d) / 2);
    },
  };
}
