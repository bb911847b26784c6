/** Decides how long to wait before reconnect attempt `attempt` (0-based); null gives up. */
export interface ReconnectPolicy {
  nextDelayMs(attempt: number, elapsedMs: number): number | null;
}

/** Exponential backoff with jitter: 200 ms, 400 ms, … capped at `maxMs`; gives up after `giveUpMs`. */
export function exponentialBackoff(opts: { baseMs?: number; maxMs?: number; giveUpMs: number }): ReconnectPolicy {
  const base = opts.baseMs ?? 200;
  const max = opts.maxMs ?? 4000;
  return {
    nextDelayMs(attempt, elapsedMs) {
      if (elapsedMs >= opts.giveUpMs) return null;
      const d = Math.min(max, base * 2 ** attempt);
      return Math.round(d / 2 + (Math.random() * d) / 2);
    },
  };
}
