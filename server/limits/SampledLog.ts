/**
 * One log line per key per window instead of one per event: an attacker's ten thousand refused frames
 * cost the server one line every few seconds (with how many were left out), not ten thousand writes.
 */
export class SampledLog {
  readonly #everyMs: number;
  readonly #maxKeys: number;
  readonly #last = new Map<string, { at: number; left: number }>();

  /** `everyMs`: the window per key; `maxKeys`: keys remembered at most (older ones are forgotten first). */
  constructor(everyMs = 10_000, maxKeys = 10_000) {
    this.#everyMs = everyMs;
    this.#maxKeys = maxKeys;
  }

  /** Calls `write(leftOut)` for the first event of `key` in each window; the others are only counted. */
  event(key: string, write: (leftOut: number) => void): void {
    const now = Date.now();
    const e = this.#last.get(key);
    if (e && now - e.at < this.#everyMs) {
      e.left++;
      return;
    }
    if (!e && this.#last.size >= this.#maxKeys) this.#sweep(now);
    this.#last.set(key, { at: now, left: 0 });
    write(e?.left ?? 0);
  }

  #sweep(now: number): void {
    for (const [k, e] of this.#last) if (now - e.at >= this.#everyMs) this.#last.delete(k);
    // Still full: a burst of distinct keys; forget the oldest half (Map keeps insertion order).
    if (this.#last.size >= this.#maxKeys) {
      let drop = this.#last.size / 2;
      for (const k of this.#last.keys()) {
        if (drop-- <= 0) break;
        this.#last.delete(k);
      }
    }
  }
}
