import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { type CRVideoError, SdkErr } from '../../protocol/index.js';
import type { RateLimit, RateLimitBackend } from './RateLimit.js';
import { refusal } from './refusal.js';

export interface LoginThrottleOptions {
  /** Failures before back-off starts, per account and per address. */
  freeFailures: { account: number; address: number };
  /** First back-off; doubles with each further failure up to `backoffMaxMs`. */
  backoffMs: number;
  backoffMaxMs: number;
  /** Failures within `windowMs` that lock the account / the address out for `lockoutMs`. */
  lockoutFailures: { account: number; address: number };
  windowMs: number;
  lockoutMs: number;
}

/** Who is trying: the remote address and the account (for app-secret logins `appID` + UID). */
export interface LoginKeys {
  address: string;
  account: string;
}

/** One login attempt let through by `begin()`: report how it ended. */
export interface LoginAttempt {
  /** The credentials were right: the account's failures are forgotten. */
  succeeded(): Promise<void>;
  /** Wrong credentials: counts against the account and the address (back-off, then lockout). */
  failed(): Promise<void>;
}

type Kind = 'account' | 'address';

/** The part of an address that identifies one client: IPv4 as is, IPv6 by its /64 (one subscriber's prefix). */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (v4?.[1]) return v4[1];
  if (!isIPv6(remote)) return remote;
  const [head = '', tail = ''] = remote.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = remote.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Brute-force protection for any login: after a few failures per account or per address each
 * further try waits a doubling back-off (904 while it runs), and too many failures within the
 * window lock the account or address out (806). Reusable for any credential check.
 */
export class LoginThrottle {
  readonly #opts: LoginThrottleOptions;
  readonly #failures: Record<Kind, RateLimit>;
  readonly #backoff: Record<Kind, RateLimit>;
  readonly #log: Logger;

  constructor(backend: RateLimitBackend, opts: LoginThrottleOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log.child({ mod: 'LoginThrottle' });
    const failures = (kind: Kind) =>
      backend.create(`login-fail-${kind}`, {
        // The failure that reaches the count locks: over `points` means locked.
        points: Math.max(0, opts.lockoutFailures[kind] - 1),
        durationMs: opts.windowMs,
      });
    // A back-off is a block on a one-point limit: `peek` reports it until it ends.
    const backoff = (kind: Kind) =>
      backend.create(`login-backoff-${kind}`, { points: 1, durationMs: opts.backoffMaxMs });
    this.#failures = { account: failures('account'), address: failures('address') };
    this.#backoff = { account: backoff('account'), address: backoff('address') };
  }

  /**
   * Call before checking the credentials: throws 806 while the account or address is locked out and
   * 904 while it must back off. Failures are counted when reported, not up front, so many users
   * signing in at once from one address (an office, a benchmark) are never slowed down.
   */
  async begin(keys: LoginKeys): Promise<LoginAttempt> {
    const parts: [Kind, string][] = [
      ['address', keys.address],
      ['account', keys.account],
    ];
    for (const [kind, key] of parts) {
      const lock = await this.#failures[kind].peek(key);
      if (lock && !lock.allowed) throw this.#refuse(SdkErr.SEVICE_NOTENABLED, kind, keys, lock.msBeforeNext);
    }
    for (const [kind, key] of parts) {
      const wait = await this.#backoff[kind].peek(key);
      if (wait && !wait.allowed) throw this.#refuse(SdkErr.CFG_RESTRICTED, kind, keys, wait.msBeforeNext);
    }
    return {
      succeeded: async () => {
        await this.#failures.account.forget(keys.account);
        await this.#backoff.account.forget(keys.account);
      },
      failed: async () => {
        for (const [kind, key] of parts) await this.#count(kind, key, keys);
      },
    };
  }

  async #count(kind: Kind, key: string, keys: LoginKeys): Promise<void> {
    const r = await this.#failures[kind].take(key);
    if (!r.allowed) {
      await this.#failures[kind].block(key, this.#opts.lockoutMs);
      this.#log.warn({ kind, ...keys, failures: r.consumed, ms: this.#opts.lockoutMs }, 'login lockout');
      return;
    }
    const over = r.consumed - this.#opts.freeFailures[kind];
    if (over > 0) {
      const ms = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffMs * 2 ** Math.min(30, over - 1));
      await this.#backoff[kind].block(key, ms);
      if (over === 1) this.#log.info({ kind, ...keys, ms }, 'login back-off starts');
    }
  }

  #refuse(code: number, kind: Kind, keys: LoginKeys, ms: number): CRVideoError {
    const secs = Math.max(1, Math.ceil(ms / 1000));
    this.#log.debug({ kind, ...keys, code, retryInS: secs }, 'login throttled');
    return refusal(
      code,
      code === SdkErr.SEVICE_NOTENABLED
        ? `too many failed logins for this ${kind}: locked out, retry in ${secs} s`
        : `too many failed logins for this ${kind}: retry in ${secs} s`,
    );
  }
}
