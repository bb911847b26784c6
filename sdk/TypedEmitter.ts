type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A small typed event emitter (mediasoup's `EnhancedEventEmitter` idea): events are declared as
 * `{ name: [args] }`, `on` returns its unsubscribe, and `safeEmit` survives a throwing listener (it is
 * reported to `onError`). Environment-neutral, so the SDK core can use it in Node and in browsers.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onError: (name: string, err: unknown) => void;

  constructor(onError: (name: string, err: unknown) => void = (name, err) => console.error(`[${name}]`, err)) {
    this.#onError = onError;
  }

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      this.#listeners.get(name)?.delete(listener as Listener<never>);
    };
  }

  protected safeEmit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(...args);
      } catch (err) {
        this.#onError(`listener of ${String(name)} threw`, err);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
