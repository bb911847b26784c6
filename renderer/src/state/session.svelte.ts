import { md5Hex } from '../../../sdk/md5.js';
import { cookie, crv, on } from '../lib/crvideo.js';
import { type SavedLogin, settings } from './settings.svelte.js';

/** Codes after which trying again later may work (network trouble, not bad credentials). */
const TRANSIENT = new Set([202, 204, 205, 207]);
const RETRY_DELAYS_S = [2, 4, 8, 15, 30];

export type SessionPhase = 'signedOut' | 'signingIn' | 'signedIn';

/** Why the user is looking at the sign-in form, if not by choice. */
export type SignInNotice = { kind: 'loginFail'; code: number } | { kind: 'lineOff'; code: number } | null;

/**
 * What the sign-in form hands over: `secret` is the plain secret typed now ('' = keep the saved MD5);
 * `password` the user's password typed now ('' = use the remembered sign-in).
 */
export interface SignInForm extends Omit<SavedLogin, 'secretMd5' | 'refreshToken'> {
  secret: string;
  password: string;
  autoSignIn: boolean;
}

type Hook = () => void;

/**
 * Login state: signing in and out, line-off, reconnecting, and the user's own do-not-disturb switch.
 * Other stores hook `onSignedIn` / `onSignedOut` to load and clear their own state.
 */
export class Session {
  phase = $state<SessionPhase>('signedOut');
  UID = $state('');
  nickname = $state('');
  notice = $state<SignInNotice>(null);
  /** True between CRVideo_NotifyReconnecting(true) and (false). */
  reconnecting = $state(false);
  dnd = $state(false);
  dndError = $state<number | null>(null);
  /** Seconds until the next automatic sign-in attempt, or null when none is planned. */
  retryIn = $state<number | null>(null);

  #cookie = '';
  #tokenCookie = '';
  #renewCookie = '';
  /** The refresh credential of this sign-in (password method): renews tokens; kept on disk only with "remember me". */
  #refresh = '';
  #dndCookie = '';
  #dndBefore = false;
  #retryTimer: ReturnType<typeof setInterval> | null = null;
  #retryAttempt = 0;
  #automatic = false;
  #signedIn: Hook[] = [];
  #signedOut: Hook[] = [];

  constructor() {
    on('CRVideo_LoginSuccess', (UID, c) => {
      if (c !== this.#cookie) return;
      this.#cancelRetry();
      this.#retryAttempt = 0;
      this.phase = 'signedIn';
      this.UID = UID;
      this.notice = null;
      this.reconnecting = false;
      console.info(`[ui] signed in UID=${UID}`);
      for (const fn of this.#signedIn) fn();
    });
    // Desktop: the page reloaded under main's live session (no sign-in of its own was asked for).
    on('CRVideo_NotifySessionRestored', (UID, dnd) => {
      if (this.phase === 'signedIn') return;
      this.#cancelRetry();
      this.phase = 'signedIn';
      this.UID = UID;
      this.nickname = settings.login.UID === UID ? settings.login.nickname || UID : UID;
      this.notice = null;
      this.dnd = dnd !== 0;
      console.info(`[ui] session of UID=${UID} kept across a reload`);
      for (const fn of this.#signedIn) fn();
    });
    on('CRVideo_LoginFail', (code, c) => {
      if (c !== this.#cookie) return;
      console.warn(`[ui] sign-in failed sdkErr=${code}`);
      this.phase = 'signedOut';
      this.notice = { kind: 'loginFail', code };
      if (this.#automatic && TRANSIENT.has(code)) this.#scheduleRetry();
    });
    on('CRVideo_LineOff', (code) => {
      if (this.phase !== 'signedIn') return;
      console.warn(`[ui] line off sdkErr=${code}`);
      this.#toSignedOut();
      this.notice = { kind: 'lineOff', code };
      // A lost line (e.g. the server restarted) heals by signing in again; a kick or expiry does not.
      if (TRANSIENT.has(code) && this.#canSignInAgain()) this.#scheduleRetry();
    });
    on('CRVideo_GetUserTokenRslt', (code, result, c) => {
      if (c === this.#renewCookie) {
        if (code === 0 && result) {
          crv().CRVideo_UpdateToken(result.token);
          // A renewal by password (after a password change) comes with a new refresh credential.
          if (result.refreshToken !== this.#refresh) {
            this.#refresh = result.refreshToken;
            if (settings.autoSignIn) settings.setRefreshToken(result.refreshToken);
          }
        } else console.warn(`[ui] token renewal failed sdkErr=${code}`);
        return;
      }
      if (c !== this.#tokenCookie || this.phase !== 'signingIn') return;
      if (code !== 0 || !result) {
        console.warn(`[ui] no user token sdkErr=${code}`);
        this.phase = 'signedOut';
        this.notice = { kind: 'loginFail', code };
        // A refused saved sign-in (revoked, expired, user disabled) is forgotten; the form asks for the password.
        if (code === 17) this.#forgetRefresh();
        if (this.#automatic && TRANSIENT.has(code)) this.#scheduleRetry();
        return;
      }
      this.#refresh = result.refreshToken;
      if (settings.autoSignIn) settings.setRefreshToken(result.refreshToken);
      crv().CRVideo_LoginByToken(result.token, this.nickname, result.UID, '', this.#cookie);
    });
    on('CRVideo_NotifyTokenWillExpire', () => {
      if (this.phase !== 'signedIn' || !this.#refresh) return;
      this.#renewCookie = cookie('renew');
      crv().CRVideo_GetUserToken(this.UID, { refreshToken: this.#refresh }, null, this.#renewCookie);
      console.info('[ui] renewing the user token');
    });
    on('CRVideo_NotifyReconnecting', (r) => {
      this.reconnecting = r;
    });
    on('CRVideo_NotifyDNDStatus', (v) => {
      this.dnd = v !== 0;
    });
    on('CRVideo_SetDNDStatusSuccess', (c) => {
      if (c === this.#dndCookie) this.dndError = null;
    });
    on('CRVideo_SetDNDStatusFail', (code, c) => {
      if (c !== this.#dndCookie) return;
      this.dnd = this.#dndBefore;
      this.dndError = code;
    });
  }

  onSignedIn(fn: Hook): void {
    this.#signedIn.push(fn);
  }
  onSignedOut(fn: Hook): void {
    this.#signedOut.push(fn);
  }

  /** Signs in with what the form holds, remembering it (the secret only as its MD5). */
  signIn(form: SignInForm): void {
    const saved = settings.login;
    const secretMd5 = form.secret ? md5Hex(form.secret) : saved.secretMd5;
    const UID = form.UID.trim();
    const sameUser = UID === saved.UID && form.serverAddr.trim() === saved.serverAddr;
    const login: SavedLogin = {
      serverAddr: form.serverAddr.trim(),
      appID: form.appID.trim(),
      method: form.method,
      secretMd5,
      token: form.token.trim(),
      UID,
      nickname: form.nickname.trim(),
      // A typed password starts afresh; an empty one uses the remembered sign-in of the same user.
      refreshToken: form.autoSignIn && !form.password && sameUser ? saved.refreshToken : '',
    };
    settings.saveLogin(login, form.autoSignIn);
    if (form.password || !sameUser) this.#refresh = '';
    this.#automatic = false;
    this.#login(login, form.password);
  }

  /** Whether the form may leave the password empty (a remembered sign-in exists for `UID`). */
  hasRememberedSignIn(UID: string): boolean {
    return !!UID && UID === settings.login.UID && !!(this.#refresh || settings.login.refreshToken);
  }

  #forgetRefresh(): void {
    this.#refresh = '';
    if (settings.login.refreshToken) settings.setRefreshToken('');
  }

  /** Start-up: sign in with the remembered details if the user asked for that. */
  autoSignIn(): void {
    if (!settings.autoSignIn || !this.#canSignInAgain()) return;
    this.#automatic = true;
    this.#login(settings.login);
  }

  signOut(): void {
    if (this.phase === 'signedOut') return;
    settings.setAutoSignIn(false);
    this.#forgetRefresh();
    this.#toSignedOut();
    this.notice = null;
    crv().CRVideo_Logout();
    console.info('[ui] signed out');
  }

  /**
   * The user changed their password: the server revoked every saved sign-in, this one's too, so a
   * fresh token and refresh credential are bought with the new password and the session lives on.
   */
  adoptNewPassword(password: string): void {
    if (this.phase !== 'signedIn' || settings.login.method !== 'password') return;
    this.#renewCookie = cookie('renew');
    crv().CRVideo_GetUserToken(this.UID, password, null, this.#renewCookie);
    console.info('[ui] password changed: renewing the sign-in with it');
  }

  setDnd(on: boolean): void {
    if (this.phase !== 'signedIn') return;
    this.#dndBefore = this.dnd;
    this.dnd = on;
    this.dndError = null;
    this.#dndCookie = cookie('dnd');
    crv().CRVideo_SetDNDStatus(on ? 1 : 0, this.#dndCookie);
  }

  /** "Sign in now" on the retry countdown. */
  retryNow(): void {
    this.#cancelRetry();
    this.#automatic = true;
    this.#login(settings.login);
  }

  stopRetrying(): void {
    this.#cancelRetry();
  }

  #login(login: SavedLogin, password = ''): void {
    if (this.phase !== 'signedOut') return;
    const api = crv();
    if (login.serverAddr) api.CRVideo_SetServerAddr(login.serverAddr);
    this.phase = 'signingIn';
    this.nickname = login.nickname || login.UID;
    this.#cookie = cookie('login');
    console.info(`[ui] signing in UID=${login.UID} appID=${login.appID} by ${login.method}`);
    if (login.method === 'password') {
      // The password buys a short-lived token (never stored); LoginByToken follows in GetUserTokenRslt.
      this.#tokenCookie = cookie('token');
      const refreshToken = this.#refresh || login.refreshToken;
      crv().CRVideo_GetUserToken(login.UID, password || { refreshToken }, null, this.#tokenCookie);
    } else if (login.method === 'token') {
      api.CRVideo_LoginByToken(login.token, login.nickname, login.UID, '', this.#cookie);
    } else {
      api.CRVideo_Login(login.appID, login.secretMd5, login.nickname, login.UID, '', this.#cookie);
    }
  }

  #canSignInAgain(): boolean {
    const l = settings.login;
    if (l.method === 'password') return !!l.UID && !!(this.#refresh || l.refreshToken);
    return !!l.UID && (l.method === 'token' ? !!l.token : !!l.appID && !!l.secretMd5);
  }

  #toSignedOut(): void {
    this.#cancelRetry();
    for (const fn of this.#signedOut) fn();
    this.phase = 'signedOut';
    this.reconnecting = false;
    this.dnd = false;
    this.dndError = null;
    this.#cookie = '';
  }

  #scheduleRetry(): void {
    this.#cancelRetry();
    let left = RETRY_DELAYS_S[Math.min(this.#retryAttempt, RETRY_DELAYS_S.length - 1)]!;
    this.#retryAttempt += 1;
    this.retryIn = left;
    this.#retryTimer = setInterval(() => {
      left -= 1;
      this.retryIn = left;
      if (left <= 0) {
        this.#cancelRetry();
        this.#automatic = true;
        this.#login(settings.login);
      }
    }, 1000);
  }

  #cancelRetry(): void {
    if (this.#retryTimer) clearInterval(this.#retryTimer);
    this.#retryTimer = null;
    this.retryIn = null;
  }
}

export const session = new Session();
