// Small pieces the benchmarks share: a percentile, and SDK clients with one pending wait per callback.
import { type CRVideoClient, createCRVideo, type WebSocketCtor } from '../sdk/index.js';

/** The p-th percentile of xs (NaN when empty). */
export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** One pending wait per (client, callback): the benchmarks' own tiny dispatcher. */
type Waiter = (args: unknown[]) => void;
const waiters = new Map<CRVideoClient, Map<string, Waiter>>();

/** Resolves with the arguments of the next `name` callback of `c` (a client made by `client`). */
export function wait(c: CRVideoClient, name: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    waiters.get(c)?.set(name, resolve);
  });
}

/**
 * A quiet SDK client for benchmarks: long timeouts, no logs, its callbacks reachable through `wait`.
 * `WebSocket`: another socket implementation (the cluster bench's records which node it reached).
 */
export function client(url: string, o: { WebSocket?: WebSocketCtor } = {}): CRVideoClient {
  const c = createCRVideo({
    serverAddr: url,
    requestTimeoutMs: 30_000,
    heartbeatMs: 60_000,
    log: () => undefined,
    ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
  });
  const mine = new Map<string, Waiter>();
  waiters.set(c, mine);
  c.$core.onEmit((name, args) => {
    const w = mine.get(name);
    if (w) {
      mine.delete(name);
      w(args);
    }
  });
  return c;
}

/** Drops the pending wait for `name` of `c` (its callback did not come, or is no longer wanted). */
export function forget(c: CRVideoClient, name: string): void {
  waiters.get(c)?.delete(name);
}
