import type { Logger } from 'pino';
import { SdkErr } from '../../protocol/index.js';
import type { ServerLimits } from '../config.js';
import type { Session } from '../Session.js';
import { LoginThrottle } from './LoginThrottle.js';
import { memoryBackend, type RateLimit, type RateLimitBackend } from './RateLimit.js';
import { RequestBudget } from './RequestBudget.js';
import { refusal } from './refusal.js';
import { SampledLog } from './SampledLog.js';

const userKey = (appID: string, UID: string) => `${appID}\u0000${UID}`;

/**
 * The per-user and per-session limits of the signaling requests (logins are `login`). Each check
 * throws CRVideoError 904 with a message naming the limit, and logs one line.
 */
export class Limits {
  readonly login: LoginThrottle;
  readonly requests: RequestBudget;
  readonly #l: ServerLimits;
  readonly #log: Logger;
  readonly #meetings: RateLimit;
  readonly #enter: RateLimit;
  readonly #dnd: RateLimit;
  readonly #dndBurst: RateLimit;
  readonly #rejects: RateLimit;
  readonly #cooldown: RateLimit;
  readonly #failedCalls: RateLimit;
  readonly #failedCallsBurst: RateLimit;
  /** Refusals logged once per key per 10 s (a flood of them is one line, with a count). */
  readonly #refusals = new SampledLog();

  constructor(limits: ServerLimits, log: Logger, backend: RateLimitBackend = memoryBackend) {
    this.#l = limits;
    this.#log = log.child({ mod: 'Limits' });
    this.login = new LoginThrottle(
      backend,
      {
        freeFailures: { account: limits.loginFreeFailuresPerUID, address: limits.loginFreeFailuresPerAddress },
        backoffMs: limits.loginBackoffMs,
        backoffMaxMs: limits.loginBackoffMaxMs,
        lockoutFailures: {
          account: limits.loginLockoutFailuresPerUID,
          address: limits.loginLockoutFailuresPerAddress,
        },
        windowMs: limits.loginFailureWindowMs,
        lockoutMs: limits.loginLockoutMs,
      },
      log,
    );
    this.requests = new RequestBudget(backend, {
      perSocket: limits.requestsPerSocketPerSecond,
      perAddress: limits.requestsPerAddressPerSecond,
      exemptAddresses: limits.budgetExemptAddresses,
      unauthenticatedPerSocket: limits.guestRequestsPerSocketPerSecond,
      unauthenticatedPerAddress: limits.guestRequestsPerAddressPerSecond,
    });
    this.#failedCalls = backend.create('failed-calls', {
      points: limits.failedCallsPerUser,
      durationMs: limits.failedCallWindowMs,
    });
    this.#failedCallsBurst = backend.create('failed-calls-burst', {
      points: limits.failedCallsBurst,
      durationMs: limits.failedCallBurstWindowMs,
    });
    this.#meetings = backend.create('meetings', {
      points: limits.meetingsPerUser,
      durationMs: limits.meetingsWindowMs,
    });
    this.#enter = backend.create('enter', {
      points: limits.enterMeetingPerSession,
      durationMs: limits.enterMeetingWindowMs,
    });
    this.#dnd = backend.create('dnd', { points: limits.dndChangesPerUser, durationMs: limits.dndWindowMs });
    this.#dndBurst = backend.create('dnd-burst', {
      points: limits.dndBurstChanges,
      durationMs: limits.dndBurstWindowMs,
    });
    this.#rejects = backend.create('rejects', {
      points: limits.rejectsBeforeCooldown,
      durationMs: limits.rejectWindowMs,
    });
    this.#cooldown = backend.create('reject-cooldown', { points: 1, durationMs: limits.rejectCooldownMs });
  }

  /** The settings these limits were made from. */
  get settings(): Readonly<ServerLimits> {
    return this.#l;
  }

  async #take(limit: RateLimit, key: string, s: Session, what: string): Promise<void> {
    const r = await limit.take(key);
    if (r.allowed) return;
    const secs = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
    this.#refused(s, what, { points: limit.rule.points, windowMs: limit.rule.durationMs });
    throw refusal(
      SdkErr.CFG_RESTRICTED,
      `${what}: over ${limit.rule.points} per ${limit.rule.durationMs / 1000} s, retry in ${secs} s`,
    );
  }

  #refused(s: Session, what: string, detail: Record<string, unknown>): void {
    this.#refusals.event(`${s.id}\u0000${what}`, (leftOut) =>
      s.log.info({ limit: what, ...detail, ...(leftOut > 0 ? { alsoRefused: leftOut } : {}) }, 'over a limit'),
    );
  }

  /** Before `createMeeting`. */
  meetingCreate(s: Session): Promise<void> {
    return this.#take(this.#meetings, userKey(s.appID, s.UID), s, 'rooms created');
  }

  /**
   * Before `enterMeeting`: counts every attempt of this session, so room IDs cannot be swept; an entry
   * that succeeds gives its point back (`enteredMeeting`), so only the failed ones use the allowance and
   * a user who takes many calls in a row is never refused a room they may enter.
   */
  enterMeeting(s: Session): Promise<void> {
    return this.#take(this.#enter, s.id, s, 'enterMeeting attempts');
  }

  /** After an `enterMeeting` that succeeded: its attempt no longer counts. */
  enteredMeeting(s: Session): Promise<void> {
    return this.#enter.giveBack(s.id);
  }

  /** Before `setDND`. */
  async dndChange(s: Session): Promise<void> {
    const key = userKey(s.appID, s.UID);
    await this.#take(this.#dndBurst, key, s, 'DND changes in a burst');
    return this.#take(this.#dnd, key, s, 'DND changes');
  }

  /** Before `call`: the callee's cool-down after rejections, then the caller's live outgoing calls. */
  async call(s: Session, calleeUID: string, outgoingNow: () => number): Promise<void> {
    // Before any look-up: a caller whose calls keep failing (a sweep of UIDs, ringing busy or offline
    // users in a loop) is refused without touching the store.
    for (const [limit, points, windowMs] of [
      [this.#failedCallsBurst, this.#l.failedCallsBurst, this.#l.failedCallBurstWindowMs],
      [this.#failedCalls, this.#l.failedCallsPerUser, this.#l.failedCallWindowMs],
    ] as const) {
      const failed = await limit.peek(userKey(s.appID, s.UID));
      if (failed && failed.consumed >= points) {
        const secs = Math.max(1, Math.ceil(failed.msBeforeNext / 1000));
        this.#refused(s, 'failed calls', { points, windowMs });
        throw refusal(
          SdkErr.CFG_RESTRICTED,
          `failed calls: over ${points} per ${windowMs / 1000} s, retry in ${secs} s`,
        );
      }
    }
    const cool = await this.#cooldown.peek(`${userKey(s.appID, s.UID)}\u0000${calleeUID}`);
    if (cool && !cool.allowed) {
      const secs = Math.max(1, Math.ceil(cool.msBeforeNext / 1000));
      this.#refused(s, 'calls after rejections', { callee: calleeUID });
      throw refusal(
        SdkErr.CFG_RESTRICTED,
        `calls to ${calleeUID.slice(0, 64)}: rejected ${this.#l.rejectsBeforeCooldown} times, retry in ${secs} s`,
      );
    }
    const outgoing = outgoingNow();
    if (outgoing >= this.#l.outgoingCallsPerUser) {
      this.#refused(s, 'outgoing calls', { outgoing });
      throw refusal(
        SdkErr.CFG_RESTRICTED,
        `outgoing calls: at most ${this.#l.outgoingCallsPerUser} at once, hang one up first`,
      );
    }
  }

  /** A call of `s` failed at once (no such user, offline, busy…): counts towards `failedCallsPerUser`. */
  async callFailed(s: Session): Promise<void> {
    await this.#failedCalls.take(userKey(s.appID, s.UID));
    await this.#failedCallsBurst.take(userKey(s.appID, s.UID));
  }

  /** The callee rejected a call of the caller's: enough of them start a cool-down for that pair. */
  async rejected(appID: string, callerUID: string, calleeUID: string): Promise<void> {
    const key = `${userKey(appID, callerUID)}\u0000${calleeUID}`;
    const r = await this.#rejects.take(key);
    if (r.consumed < this.#l.rejectsBeforeCooldown) return;
    await this.#rejects.forget(key);
    await this.#cooldown.block(key, this.#l.rejectCooldownMs);
    this.#log.info({ appID, caller: callerUID, callee: calleeUID, ms: this.#l.rejectCooldownMs }, 'call cool-down');
  }
}
