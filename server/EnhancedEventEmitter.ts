import type { Logger } from 'pino';

/** Event name → listener arguments. */
export type Events = Record<string, unknown[]>;

/**
 * A typed event emitter after mediasoup's `EnhancedEventEmitter`: event names and their arguments come
 * from one type, so a misspelled event or a wrong argument does not compile, and `safeEmit` survives a
 * throwing listener (logged; the other listeners still run). Listeners run synchronously, in the order
 * they subscribed. `on` returns the unsubscribe.
 */
export class EnhancedEventEmitter<E extends Events> {
  #listeners: { [K in keyof E]?: Set<(...args: E[K]) => void> } = {};
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Listens to `event`; returns the unsubscribe. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    const set = this.#listeners[event] ?? new Set();
    this.#listeners[event] = set;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Tells every listener of `event`; a listener that throws is logged and the others still run. */
  protected safeEmit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of [...(this.#listeners[event] ?? [])]) {
      try {
        listener(...args);
      } catch (err) {
        this.#log.error({ event: String(event), err }, 'event listener threw');
      }
    }
  }

  /** Drops every listener (the owner closed). */
  protected removeAllListeners(): void {
    this.#listeners = {};
  }
}
