import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { CRVideoError, type ResponseData, SdkErr } from '../../protocol/index.js';
import type { TokenClaims } from '../Auth.js';
import { addressKey, type LoginAttempt, type LoginThrottle } from '../limits/LoginThrottle.js';
import { isUnavailable } from '../store/PgStore.js';
import type { AccountBackend } from './AccountBackend.js';
import type { AccountRow } from './AccountStore.js';
import { CODE_MINUTES, newOneTimeCode, normalizeOneTimeCode } from './OneTimeCode.js';
import { dummyHash, hashPassword, verifyPassword } from './PasswordHash.js';
import { askWebhook, type WebhookOptions } from './Webhook.js';

/** How users prove who they are: built-in accounts, the customer's webhook, or not at all (trusted setups, tests). */
export type UserAuthMode = 'accounts' | 'webhook' | 'none';

export interface UserAuthOptions {
  mode: UserAuthMode;
  webhook?: WebhookOptions;
  /** Lifetime of a token issued to a user (default 15 min). */
  tokenTtlMs?: number;
  /** Lifetime of a refresh credential (default 30 days). */
  refreshTtlMs?: number;
}

export const MIN_PASSWORD = 8;
const ISSUER = 'crvideo-phone';

export interface UserAuthEvents {
  /** A user was disabled: end their sessions. */
  disabled(appID: string, UID: string): void;
}

/**
 * Per-user authentication: checks `userAuthCode` on `CRVideo_Login`, issues short-lived user tokens
 * (signed with the server's own key, so knowing the app secret is not enough to mint one) and
 * refresh credentials, and manages built-in accounts.
 */
export class UserAuth {
  readonly mode: UserAuthMode;
  readonly #store: AccountBackend;
  readonly #o: UserAuthOptions;
  /** The server's one brute-force guard (server/limits/); null where nothing signs in (the admin CLI). */
  readonly #throttle: LoginThrottle | null;
  /** The token signing key; null where no token is signed (the admin CLI). */
  readonly #key: Uint8Array | null;
  readonly #log: Logger;
  readonly #listeners = new Set<UserAuthEvents['disabled']>();
  #pollTimer: NodeJS.Timeout | null = null;
  #pollFrom = Date.now();
  #polling = false;
  /** Disables the watch has already reported (key → updatedAt), kept while a poll may see them again. */
  readonly #seen = new Map<string, number>();
  #pollFailures = 0;
  /**
   * Users this node saw enabled (key → when), forgotten when the watch reports them disabled: while the
   * store is unreachable their user tokens are still taken (a signed-in user renewing keeps going).
   */
  readonly #knownEnabled = new Map<string, number>();

  /**
   * `store`: this node's SQLite (`sqliteAccounts`) or PostgreSQL shared by the cluster (`PgAccounts`);
   * `key`: the token signing key (`AccountStore.signingKey`, the cluster's one in cluster mode).
   */
  constructor(
    store: AccountBackend,
    key: Uint8Array | null,
    o: UserAuthOptions,
    log: Logger,
    throttle: LoginThrottle | null = null,
  ) {
    if (o.mode === 'webhook' && !o.webhook?.url) throw new Error("userAuth 'webhook' needs webhook.url");
    this.mode = o.mode;
    this.#store = store;
    this.#o = o;
    this.#throttle = throttle;
    this.#key = key;
    this.#log = log.child({ mod: 'UserAuth' });
  }

  get tokenTtlMs(): number {
    return this.#o.tokenTtlMs ?? 15 * 60_000;
  }

  onDisabled(fn: UserAuthEvents['disabled']): void {
    this.#listeners.add(fn);
  }

  /**
   * Watches the store for users disabled by the admin CLI (another process) or, with PostgreSQL,
   * through any node, every `everyMs`. A poll that fails (store unreachable) is logged and the next
   * one starts from where it did, so no disable is missed.
   */
  watch(everyMs = 2000): void {
    this.#pollTimer = setInterval(() => void this.#poll(), everyMs);
    this.#pollTimer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const { rows, now } = await this.#store.disabledSince(this.#pollFrom);
      if (this.#pollFailures > 0) this.#log.info({ failures: this.#pollFailures }, 'disabled-user watch back');
      this.#pollFailures = 0;
      for (const row of rows) {
        const key = `${row.appID}\u0000${row.UID}`;
        if (this.#seen.get(key) === row.updatedAt) continue;
        this.#seen.set(key, row.updatedAt);
        this.#emitDisabled(row.appID, row.UID);
      }
      for (const [key, at] of this.#seen) if (at < this.#pollFrom - 60_000) this.#seen.delete(key);
      this.#pollFrom = now;
    } catch (err) {
      // Logged once per outage, then every 30 polls.
      if (this.#pollFailures++ % 30 === 0)
        this.#log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'disabled-user watch: store unreachable',
        );
    } finally {
      this.#polling = false;
    }
  }

  close(): void {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = null;
    this.#listeners.clear();
  }

  #emitDisabled(appID: string, UID: string): void {
    this.#knownEnabled.delete(`${appID}\u0000${UID}`);
    for (const fn of this.#listeners) fn(appID, UID);
  }

  /** Starts a throttled credential check (806 locked out, 904 backing off); a no-op guard without a throttle. */
  async #begin(appID: string, UID: string, address: string): Promise<LoginAttempt> {
    if (!this.#throttle) return { succeeded: async () => undefined, failed: async () => undefined };
    return this.#throttle.begin({ account: `${appID}\u0000${UID}`, address: addressKey(address) });
  }

  /**
   * Checks `userAuthCode` for `CRVideo_Login` / a token request / a password change: the user's
   * password or a one-time code the admin issued (used up by this check). 14 when missing, 17 when
   * wrong or the user is disabled, 16 when the webhook failed; 806 / 904 from the login throttle
   * after too many failures (which count per UID and per address).
   */
  async verifyCode(appID: string, UID: string, userAuthCode: string, address: string): Promise<void> {
    if (this.mode === 'none') return;
    if (!userAuthCode) {
      this.#log.info({ appID, UID, address }, 'sign-in refused: no userAuthCode');
      throw new CRVideoError(SdkErr.CUSTOMAUTH_NOINFO, 'this server needs the user password (userAuthCode)');
    }
    const attempt = await this.#begin(appID, UID, address);
    try {
      if (this.mode === 'webhook') {
        await askWebhook(this.#o.webhook as WebhookOptions, { appID, UID, userAuthCode });
      } else {
        const acct = await this.#store.get(appID, UID);
        let ok = await verifyPassword(userAuthCode, acct?.hash ?? (await dummyHash()));
        let byCode = false;
        if (!ok && acct && !acct.disabled) {
          const code = normalizeOneTimeCode(userAuthCode);
          ok = byCode = code !== null && (await this.#store.takeCode(appID, UID, code));
        }
        if (!acct || !ok) throw new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, 'wrong user ID or password');
        if (acct.disabled) throw new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, 'this user is disabled');
        this.#knownEnabled.set(`${appID}\u0000${UID}`, Date.now());
        if (byCode) this.#log.info({ appID, UID, address }, 'one-time code used');
      }
    } catch (err) {
      const code = CRVideoError.codeOf(err);
      if (code === SdkErr.CUSTOMAUTH_FAILED) await attempt.failed();
      this.#log.info({ appID, UID, address, sdkErr: code }, 'sign-in refused');
      throw err;
    }
    await attempt.succeeded();
  }

  /** Answers `issueUserToken`: proves the user by code or refresh credential, then signs a token. */
  async issue(
    appID: string,
    UID: string,
    proof: { userAuthCode?: string | undefined; refreshToken?: string | undefined },
    address: string,
  ): Promise<ResponseData<'issueUserToken'>> {
    if (proof.refreshToken) {
      const attempt = await this.#begin(appID, UID, address);
      let owner: Awaited<ReturnType<AccountBackend['refreshOwner']>>;
      try {
        owner = await this.#store.refreshOwner(proof.refreshToken);
        if (owner) await this.#assertEnabled(appID, UID);
      } catch (err) {
        this.#log.info({ appID, UID, address, sdkErr: CRVideoError.codeOf(err) }, 'refresh refused');
        throw err;
      }
      if (!owner || owner.appID !== appID || owner.UID !== UID) {
        await attempt.failed();
        this.#log.info({ appID, UID, address }, 'refresh refused');
        throw new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, 'sign in again (the saved sign-in expired or was revoked)');
      }
      await attempt.succeeded();
    } else {
      await this.verifyCode(appID, UID, proof.userAuthCode ?? '', address);
    }
    if (!this.#key) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this process signs no user tokens');
    const tokenExp = Date.now() + this.tokenTtlMs;
    const token = await new SignJWT({ appID, UID })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(UID)
      .setIssuedAt()
      .setExpirationTime(Math.floor(tokenExp / 1000))
      .sign(this.#key);
    const refresh = proof.refreshToken
      ? {
          refreshToken: proof.refreshToken,
          refreshExp: (await this.#store.refreshOwner(proof.refreshToken))?.expiresAt ?? 0,
        }
      : await this.#store.newRefresh(appID, UID, this.#o.refreshTtlMs ?? 30 * 86_400_000);
    this.#log.info({ appID, UID, tokenExp, byRefresh: !!proof.refreshToken }, 'user token issued');
    return { appID, UID, token, tokenExp: Math.floor(tokenExp / 1000) * 1000, ...refresh };
  }

  async #assertEnabled(appID: string, UID: string, signedToken = false): Promise<void> {
    if (this.mode !== 'accounts') return;
    const key = `${appID}\u0000${UID}`;
    let acct: Awaited<ReturnType<AccountBackend['get']>>;
    try {
      acct = await this.#store.get(appID, UID);
    } catch (err) {
      // Store unreachable: a token this cluster signed, for a user seen enabled here, is taken.
      const unreachable = CRVideoError.codeOf(err) === SdkErr.SERVER_EXCEPTION && isUnavailable(err);
      if (!signedToken || !unreachable || !this.#knownEnabled.has(key)) throw err;
      this.#log.warn({ appID, UID }, 'user token taken without the disabled check: account store unreachable');
      return;
    }
    if (!acct || acct.disabled) {
      this.#knownEnabled.delete(key);
      throw new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, 'this user is disabled');
    }
    this.#knownEnabled.set(key, Date.now());
  }

  /** Whether `token` claims to be one this server issued (it is then verified by `verifyUserToken`). */
  static isUserToken(token: string): boolean {
    try {
      return decodeJwt(token).iss === ISSUER;
    } catch {
      return false;
    }
  }

  /** Verifies a token this server issued: 18 expired, 21 invalid or another UID, 17 user disabled. */
  async verifyUserToken(token: string, UID: string): Promise<TokenClaims> {
    let claims: TokenClaims;
    if (!this.#key) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this process verifies no user tokens');
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], issuer: ISSUER });
      if (payload.sub !== UID || typeof payload.appID !== 'string' || typeof payload.exp !== 'number')
        throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names another UID');
      claims = { appID: payload.appID, UID, expMs: payload.exp * 1000 };
    } catch (err) {
      if (err instanceof CRVideoError) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw new CRVideoError(SdkErr.TOKEN_TIMEOUT, 'token expired', { cause: err });
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token invalid', { cause: err });
    }
    try {
      await this.#assertEnabled(claims.appID, UID, true);
    } catch (err) {
      this.#log.info({ appID: claims.appID, UID, sdkErr: CRVideoError.codeOf(err) }, 'user token refused');
      throw err;
    }
    return claims;
  }

  /** The logged-in user changes their own password (accounts only; 15 otherwise). */
  async changePassword(appID: string, UID: string, oldPassword: string, newPassword: string, address: string) {
    if (this.mode !== 'accounts')
      throw new CRVideoError(SdkErr.CUSTOMAUTH_NOTSUPPORT, 'passwords are not kept by this server');
    await this.verifyCode(appID, UID, oldPassword, address);
    await this.setPassword(appID, UID, newPassword);
  }

  // ---- administration (startServer's `accounts` and `npm run users`) ----

  async add(a: { appID: string; UID: string; password: string; nickname?: string | undefined }): Promise<void> {
    checkPassword(a.password);
    await this.#store.upsert(a.appID, a.UID, a.nickname ?? a.UID, await hashPassword(a.password));
    this.#log.info({ appID: a.appID, UID: a.UID }, 'account added');
  }

  async setPassword(appID: string, UID: string, password: string): Promise<void> {
    checkPassword(password);
    if (!(await this.#store.setHash(appID, UID, await hashPassword(password))))
      throw new CRVideoError(SdkErr.ERR_USER_NOT_FOUND, `no account ${UID} in ${appID}`);
    this.#log.info({ appID, UID }, 'password set');
  }

  /**
   * A one-time code for the user (the admin hands it over, e.g. after a forgotten password): it signs
   * in once as `userAuthCode` within `minutes` (default 60, at most 7 days). Stored only hashed;
   * refused (17) for a disabled user, 605 for an unknown one, 15 when passwords are not kept here.
   */
  async issueCode(a: { appID: string; UID: string; minutes?: number | undefined }): Promise<string> {
    if (this.mode !== 'accounts')
      throw new CRVideoError(SdkErr.CUSTOMAUTH_NOTSUPPORT, 'one-time codes need userAuth accounts');
    const minutes = a.minutes ?? CODE_MINUTES.default;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > CODE_MINUTES.max)
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, `minutes: a whole number from 1 to ${CODE_MINUTES.max}`);
    const acct = await this.#store.get(a.appID, a.UID);
    if (!acct) throw new CRVideoError(SdkErr.ERR_USER_NOT_FOUND, `no account ${a.UID} in ${a.appID}`);
    if (acct.disabled) throw new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, `${a.UID} is disabled`);
    const code = newOneTimeCode();
    const expiresAt = Date.now() + minutes * 60_000;
    await this.#store.addCode(a.appID, a.UID, normalizeOneTimeCode(code) as string, expiresAt);
    this.#log.info({ appID: a.appID, UID: a.UID, expiresAt }, 'one-time code issued');
    return code;
  }

  async disable(appID: string, UID: string): Promise<void> {
    if (!(await this.#store.setDisabled(appID, UID, true)))
      throw new CRVideoError(SdkErr.ERR_USER_NOT_FOUND, `no account ${UID} in ${appID}`);
    this.#log.info({ appID, UID }, 'account disabled');
    this.#emitDisabled(appID, UID);
  }

  list(appID?: string): Promise<AccountRow[]> {
    return this.#store.list(appID);
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD)
    throw new CRVideoError(SdkErr.MEETPARAM_ERR, `a password has at least ${MIN_PASSWORD} characters`);
}
