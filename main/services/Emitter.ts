type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A small typed event emitter: `safeEmit` survives a throwing listener (it is logged), `on` returns its
 * unsubscribe. Events are declared as `{ name: [args] }`.
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #listeners = new Map<keyof Events, Set<unknown>>();

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  protected safeEmit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(...args);
      } catch (err) {
        console.error(`[Emitter] listener of ${String(name)} threw`, err);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
