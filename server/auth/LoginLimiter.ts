import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { CRVideoError, SdkErr } from '../../protocol/index.js';

export interface LoginLimits {
  /** Failed attempts per user (appID + UID) within `windowSec` before the user is locked. */
  perUser: number;
  /** Failed attempts per client address within `windowSec` before the address is locked. */
  perAddress: number;
  windowSec: number;
  /** How long a lock lasts. */
  blockSec: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 30, windowSec: 15 * 60, blockSec: 15 * 60 };

/**
 * Brute-force protection for password checks: failures are counted per user and per address
 * (rate-limiter-flexible, in memory); once either is over its limit, attempts are refused
 * (17) without checking the password until the lock ends. A success clears the user's count.
 */
export class LoginLimiter {
  readonly #user: RateLimiterMemory;
  readonly #addr: RateLimiterMemory;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.#user = new RateLimiterMemory({
      keyPrefix: 'login-user',
      points: limits.perUser,
      duration: limits.windowSec,
      blockDuration: limits.blockSec,
    });
    this.#addr = new RateLimiterMemory({
      keyPrefix: 'login-addr',
      points: limits.perAddress,
      duration: limits.windowSec,
      blockDuration: limits.blockSec,
    });
  }

  /** Throws 17 when the user or the address is locked. */
  async check(userKey: string, address: string): Promise<void> {
    const [u, a] = await Promise.all([this.#user.get(userKey), this.#addr.get(address)]);
    const locked = [u, a].find((r) => r !== null && r.remainingPoints <= 0 && r.msBeforeNext > 0);
    if (locked) {
      throw new CRVideoError(
        SdkErr.CUSTOMAUTH_FAILED,
        `too many failed sign-in attempts; try again in ${Math.ceil(locked.msBeforeNext / 1000)} s`,
      );
    }
  }

  async failed(userKey: string, address: string): Promise<void> {
    await Promise.all([
      this.#user.consume(userKey).catch((r: unknown) => swallowLimit(r)),
      this.#addr.consume(address).catch((r: unknown) => swallowLimit(r)),
    ]);
  }

  async succeeded(userKey: string): Promise<void> {
    await this.#user.delete(userKey);
  }
}

function swallowLimit(r: unknown): void {
  if (!(r instanceof RateLimiterRes)) throw r;
}
