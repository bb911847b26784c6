/** Keeps the app's cookies in the page while only their numeric refs travel to main and back. */
export class CookieJar {
  #next = 1;
  readonly #cookies = new Map<number, unknown>();

  /** Stores a cookie and returns its ref. */
  put(cookie: unknown): number {
    const ref = this.#next++;
    this.#cookies.set(ref, cookie);
    return ref;
  }

  /** The cookie of `ref`, forgotten afterwards (a result callback hands a cookie back once). */
  take(ref: number): unknown {
    const cookie = this.#cookies.get(ref);
    this.#cookies.delete(ref);
    return cookie;
  }

  get size(): number {
    return this.#cookies.size;
  }
}
