import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** `points` per `durationMs` per key. */
export interface RateRule {
  points: number;
  durationMs: number;
}

/** The state of one key after a look-up or a take. */
export interface RateState {
  /** False when this take went over the rule (or the key is blocked). */
  allowed: boolean;
  /** Points used in the current window (a blocked key reports more than the rule's points). */
  consumed: number;
  /** Until the window resets or the block ends. */
  msBeforeNext: number;
}

/**
 * A named limit over string keys. The project's only view of rate-limiter-flexible: the memory
 * backend today, a Redis one later (several server processes) behind the same interface.
 */
export interface RateLimit {
  readonly rule: RateRule;
  /** Uses `points` (default 1); `allowed` false once the key is over the rule. */
  take(key: string, points?: number): Promise<RateState>;
  /** The key's state without using anything; null when the key is unknown (never used or expired). */
  peek(key: string): Promise<RateState | null>;
  /** Refuses the key for `ms` whatever its points. */
  block(key: string, ms: number): Promise<void>;
  /** Gives points back (an attempt that turned out fine). */
  giveBack(key: string, points?: number): Promise<void>;
  /** Forgets the key. */
  forget(key: string): Promise<void>;
}

/** Makes the limits; one backend per server. */
export interface RateLimitBackend {
  create(name: string, rule: RateRule): RateLimit;
}

const toState = (r: RateLimiterRes, allowed: boolean): RateState => ({
  allowed,
  consumed: r.consumedPoints,
  msBeforeNext: Math.max(0, r.msBeforeNext),
});

class MemoryRateLimit implements RateLimit {
  readonly rule: RateRule;
  readonly #rl: RateLimiterMemory;

  constructor(name: string, rule: RateRule) {
    this.rule = rule;
    // rate-limiter-flexible counts in seconds; fractions work in its memory store.
    this.#rl = new RateLimiterMemory({ keyPrefix: name, points: rule.points, duration: rule.durationMs / 1000 });
  }

  async take(key: string, points = 1): Promise<RateState> {
    try {
      return toState(await this.#rl.consume(key, points), true);
    } catch (err) {
      if (err instanceof RateLimiterRes) return toState(err, false);
      throw err;
    }
  }

  async peek(key: string): Promise<RateState | null> {
    const r = await this.#rl.get(key);
    return r ? toState(r, r.consumedPoints <= this.rule.points) : null;
  }

  async block(key: string, ms: number): Promise<void> {
    await this.#rl.block(key, ms / 1000);
  }

  async giveBack(key: string, points = 1): Promise<void> {
    await this.#rl.reward(key, points);
  }

  async forget(key: string): Promise<void> {
    await this.#rl.delete(key);
  }
}

/** In-process limits (one server process). */
export const memoryBackend: RateLimitBackend = {
  create: (name, rule) => new MemoryRateLimit(name, rule),
};
