import type { RateLimit, RateLimitBackend, RateRule } from './RateLimit.js';

/**
 * `perSecond` metered in tenths of a second (a tenth of the budget per 100 ms, or one request per
 * 1000 / perSecond ms for budgets under 10), the same rate as per second. With whole-second windows
 * every paused socket of an address came back at the same instant when the second turned and spent
 * the address's whole second in one go: in the presence storm of `npm run bench:hostile` the server
 * was busy for 100 ms at each turn of the second and the calls dialled then waited behind it.
 */
export function meteredRule(perSecond: number): RateRule {
  const points = Math.max(1, Math.ceil(perSecond / 10));
  return { points, durationMs: (1000 * points) / Math.max(1, perSecond) };
}

export interface RequestBudgetOptions {
  /** Requests one socket may send per second before the server stops reading it for a while. */
  perSocket: number;
  /** Requests all sockets of one address may send per second together. */
  perAddress: number;
  /** Addresses without an address budget (a local reverse proxy, the machine's own tools). */
  exemptAddresses: readonly string[];
  /** Requests a socket that has not logged in yet may send per second (sign-in needs one or two). */
  unauthenticatedPerSocket?: number;
  /** Requests all not-logged-in sockets of one address may send per second together. */
  unauthenticatedPerAddress?: number;
}

/** How a request is charged: its cost in points, and whether its socket has a session. */
export interface Charge {
  points?: number;
  signedIn?: boolean;
  /** More frames of this socket wait behind this one (default true). */
  queued?: boolean;
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
  readonly #guestSocket: RateLimit;
  readonly #guestAddress: RateLimit;
  readonly #exempt: ReadonlySet<string>;
  /** Sockets not read now (over budget): a test and the logs can see the pacing. */
  #paused = 0;

  constructor(backend: RateLimitBackend, opts: RequestBudgetOptions) {
    this.#socket = backend.create('budget-socket', meteredRule(opts.perSocket));
    this.#address = backend.create('budget-address', meteredRule(opts.perAddress));
    this.#guestSocket = backend.create(
      'budget-guest-socket',
      meteredRule(opts.unauthenticatedPerSocket ?? opts.perSocket),
    );
    this.#guestAddress = backend.create(
      'budget-guest-address',
      meteredRule(opts.unauthenticatedPerAddress ?? opts.perAddress),
    );
    this.#exempt = new Set(opts.exemptAddresses);
  }

  /** Sockets the budget is not reading at this moment. */
  get pausedSockets(): number {
    return this.#paused;
  }

  /**
   * Spends one request (`charge.points`, default 1; a socket without a session spends from the much
   * smaller guest budgets); resolves at once within budget, otherwise after the wait the budget needs.
   * `pause` / `resume` stop and restart reading the socket meanwhile: its next frames wait in the
   * kernel, costing the server nothing.
   */
  async spend(
    socketKey: string,
    address: string,
    pause: () => void,
    resume: () => void,
    charge: Charge = {},
  ): Promise<void> {
    const points = charge.points ?? 1;
    const signedIn = charge.signedIn ?? true;
    const socketLimit = signedIn ? this.#socket : this.#guestSocket;
    const addressLimit = signedIn ? this.#address : this.#guestAddress;
    const s = await socketLimit.take(socketKey, points);
    const a = this.#exempt.has(address) ? null : await addressLimit.take(address, points);
    if (s.allowed && (a === null || a.allowed)) {
      // One frame per socket per turn of the event loop: a socket with a backlog cannot run it all
      // in one go of promise callbacks while every other socket (and HTTP) waits. A socket with
      // nothing queued behind (a person's client: one request, then its answer) goes at once, so its
      // frame is never queued behind a pipelining client's.
      if (charge.queued ?? true) await new Promise<void>((r) => setImmediate(r));
      return;
    }
    // Over budget: stop reading until the window turns (a tenth of a second at most). Frames already
    // read wait their turn here.
    pause();
    this.#paused++;
    const ms = Math.max(s.allowed ? 0 : s.msBeforeNext, a && !a.allowed ? a.msBeforeNext : 0, 5);
    await new Promise((r) => setTimeout(r, ms));
    this.#paused--;
    resume();
  }

  /** Forgets a closed socket's budget. */
  forget(socketKey: string): void {
    void this.#socket.forget(socketKey);
    void this.#guestSocket.forget(socketKey);
  }
}
