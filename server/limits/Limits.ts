import type { Logger } from 'pino';
import { CRVideoError, SdkErr } from '../../protocol/index.js';
import type { ServerLimits } from '../config.js';
import type { Session } from '../Session.js';
import { LoginThrottle } from './LoginThrottle.js';
import { memoryBackend, type RateLimit, type RateLimitBackend } from './RateLimit.js';
import { RequestBudget } from './RequestBudget.js';

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
  readonly #rejects: RateLimit;
  readonly #cooldown: RateLimit;

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
    s.log.info({ limit: what, points: limit.rule.points, windowMs: limit.rule.durationMs }, 'over a limit');
    throw new CRVideoError(
      SdkErr.CFG_RESTRICTED,
      `${what}: over ${limit.rule.points} per ${limit.rule.durationMs / 1000} s, retry in ${secs} s`,
    );
  }

  /** Before `createMeeting`. */
  meetingCreate(s: Session): Promise<void> {
    return this.#take(this.#meetings, userKey(s.appID, s.UID), s, 'rooms created');
  }

  /** Before `enterMeeting`: counts every attempt of this session, so room IDs cannot be swept. */
  enterMeeting(s: Session): Promise<void> {
    return this.#take(this.#enter, s.id, s, 'enterMeeting attempts');
  }

  /** Before `setDND`. */
  dndChange(s: Session): Promise<void> {
    return this.#take(this.#dnd, userKey(s.appID, s.UID), s, 'DND changes');
  }

  /** Before `call`: the callee's cool-down after rejections, then the caller's live outgoing calls. */
  async call(s: Session, calleeUID: string, outgoingNow: () => number): Promise<void> {
    const cool = await this.#cooldown.peek(`${userKey(s.appID, s.UID)}\u0000${calleeUID}`);
    if (cool && !cool.allowed) {
      const secs = Math.max(1, Math.ceil(cool.msBeforeNext / 1000));
      s.log.info({ limit: 'calls after rejections', callee: calleeUID }, 'over a limit');
      throw new CRVideoError(
        SdkErr.CFG_RESTRICTED,
        `calls to ${calleeUID.slice(0, 64)}: rejected ${this.#l.rejectsBeforeCooldown} times, retry in ${secs} s`,
      );
    }
    const outgoing = outgoingNow();
    if (outgoing >= this.#l.outgoingCallsPerUser) {
      s.log.info({ limit: 'outgoing calls', outgoing }, 'over a limit');
      throw new CRVideoError(
        SdkErr.CFG_RESTRICTED,
        `outgoing calls: at most ${this.#l.outgoingCallsPerUser} at once, hang one up first`,
      );
    }
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
