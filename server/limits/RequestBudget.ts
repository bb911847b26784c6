import type { RateLimit, RateLimitBackend } from './RateLimit.js';

export interface RequestBudgetOptions {
  /** Requests one socket may send per second before the server stops reading it for a while. */
  perSocket: number;
  /** Requests all sockets of one address may send per second together. */
  perAddress: number;
  /** Addresses without an address budget (a local reverse proxy, the machine's own tools). */
  exemptAddresses: readonly string[];
}

/**
 * Paces what a client sends instead of answering every excess frame: a socket over its budget (or
 * whose address is over its budget) is not read until the budget refills, so TCP pushes the cost
 * back to the sender and a pipelining client cannot queue work ahead of everyone else. A normal
 * client never notices; nothing is refused.
 */
export class RequestBudget {
  readonly #socket: RateLimit;
  readonly #address: RateLimit;
  readonly #exempt: ReadonlySet<string>;

  constructor(backend: RateLimitBackend, opts: RequestBudgetOptions) {
    this.#socket = backend.create('budget-socket', { points: opts.perSocket, durationMs: 1000 });
    this.#address = backend.create('budget-address', { points: opts.perAddress, durationMs: 1000 });
    this.#exempt = new Set(opts.exemptAddresses);
  }

  /**
   * Spends one request; resolves at once within budget, otherwise after the wait the budget needs.
   * `pause` / `resume` stop and restart reading the socket meanwhile.
   */
  async spend(socketKey: string, address: string, pause: () => void, resume: () => void): Promise<void> {
    const s = await this.#socket.take(socketKey);
    const a = this.#exempt.has(address) ? null : await this.#address.take(address);
    if (s.allowed && (a === null || a.allowed)) {
      // One frame per socket per turn of the event loop: a socket with a backlog cannot run it all
      // in one go of promise callbacks while every other socket (and HTTP) waits.
      await new Promise<void>((r) => setImmediate(r));
      return;
    }
    // Over budget: stop reading until the window turns. Frames already read wait their turn here.
    pause();
    const ms = Math.max(s.allowed ? 0 : s.msBeforeNext, a && !a.allowed ? a.msBeforeNext : 0, 5);
    await new Promise((r) => setTimeout(r, ms));
    resume();
  }

  /** Forgets a closed socket's budget. */
  forget(socketKey: string): void {
    void this.#socket.forget(socketKey);
  }
}
