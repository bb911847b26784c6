import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { CRVideoError, GRACE_MARGIN_MS, SdkErr } from '../protocol/index.js';
import { checkMd5Secret, peekTokenAppID, verifyToken } from './Auth.js';
import { UserAuth } from './auth/UserAuth.js';
import type { Calls } from './Calls.js';
import { contained } from './contain.js';
import { setTimeoutAt } from './longTimeout.js';
import type { Presence } from './Presence.js';
import type { Rooms } from './Rooms.js';
import { Session, type SessionLimits } from './Session.js';
import type { AppRow, Store } from './Store.js';

/** What Sessions tells the cluster (cluster mode): sessions opened and ended here, kicks of remote ones. */
export interface SessionsCluster {
  /** Throws (a clear sdkErr) when new sessions cannot be shared now (Redis unreachable). */
  assertUp(): void;
  opened(s: Session, tokenExpMs: number | null): void;
  ended(s: Session, linkLost: boolean): void;
  /** Ends a session that lives on another node (`lineOff` tells it why). */
  kick(s: Session, why: string, lineOff: number): void;
}

export interface SessionsOptions {
  /** How long a session outlives its socket. */
  graceMs: number;
  /** NotifyTokenWillExpire is sent this long before a token expires. */
  tokenWarnMs: number;
  /** Several devices per UID; otherwise a new login kicks the old one (LineOff 10). */
  multiDevice: boolean;
  /** Byte bounds of each session (replay cache, answered cache, send buffer). */
  limits?: SessionLimits;
}

export interface LoginResult {
  session: Session;
  data: { UID: string; sessionToken: string; graceMs: number; tokenExp: number | null };
}

/** Stand-in app for a token naming an unknown app: verified (and refused) like any other. */
const UNKNOWN_APP: AppRow = { appID: '\u0000unknown', appSecret: 'not-a-real-secret-of-any-app' };
/** How many ended sessions are remembered, so their resume is told "ended" (207), not "unknown" (12). */
const ENDED_MEMORY = 50_000;
/** How long an ended session is remembered (far longer than any grace period). */
const ENDED_MEMORY_MS = 15 * 60_000;

/** Logged-in devices: login, resume after a drop, kick, token expiry, grace period, logout. */
export class Sessions {
  readonly #byToken = new Map<string, Session>();
  readonly #byId = new Map<string, Session>();
  /** Resume tokens of sessions that ended → when; oldest first. */
  readonly #ended = new Map<string, number>();
  readonly #apps: Map<string, AppRow>;
  readonly #store: Store;
  readonly #presence: Presence;
  readonly #rooms: Rooms;
  readonly #calls: Calls;
  readonly #opts: SessionsOptions;
  readonly #log: Logger;
  readonly #userAuth: UserAuth | null;
  #cluster: SessionsCluster | null = null;

  constructor(
    apps: Map<string, AppRow>,
    store: Store,
    presence: Presence,
    rooms: Rooms,
    calls: Calls,
    opts: SessionsOptions,
    log: Logger,
    userAuth: UserAuth | null = null,
  ) {
    this.#userAuth = userAuth;
    this.#apps = apps;
    this.#store = store;
    this.#presence = presence;
    this.#rooms = rooms;
    this.#calls = calls;
    this.#opts = opts;
    this.#log = log.child({ mod: 'Sessions' });
  }

  /** Cluster mode: sessions are shared with the other nodes. */
  joinCluster(cluster: SessionsCluster): void {
    this.#cluster = cluster;
  }

  /** A live session of this node by its id (cluster mode: notifications and kicks from other nodes). */
  byId(sid: string): Session | undefined {
    return this.#byId.get(sid);
  }

  /** Whether session `token` ended here lately (a resume of it is told 207, not 12). */
  endedRecently(token: string): boolean {
    const at = this.#ended.get(token);
    return at !== undefined && Date.now() - at < ENDED_MEMORY_MS;
  }

  /** A live session of this node by its resume token. */
  byToken(token: string): Session | undefined {
    return this.#byToken.get(token);
  }

  /**
   * A session that lived on another node resumed here (cluster mode): it is this node's from now on.
   * `s` already holds its replay state; its token timers start again.
   */
  adopt(s: Session, tokenExpMs: number | null): void {
    this.#byToken.set(s.resumeToken, s);
    this.#byId.set(s.id, s);
    this.#presence.addSession(s);
    this.#armToken(s, tokenExpMs);
    this.#cluster?.opened(s, tokenExpMs);
  }

  /** A session of this node moved to another node (resumed there): forgotten here without ending it. */
  released(s: Session): void {
    this.#byToken.delete(s.resumeToken);
    this.#byId.delete(s.id);
    this.#presence.removeSession(s);
  }

  /** Every live session of this node. */
  all(): Iterable<Session> {
    return this.#byToken.values();
  }

  get size(): number {
    return this.#byToken.size;
  }

  /** The first app (a one-app deployment's sign-in form asks for no app ID). */
  defaultAppID(): string | undefined {
    return this.#apps.keys().next().value;
  }

  hasApp(appID: string): boolean {
    return this.#apps.has(appID);
  }

  /** `CRVideo_Login`: the app secret, then (per-user authentication) the user's own `userAuthCode`. */
  async loginBySecret(
    appID: string,
    md5AppSecret: string,
    UID: string,
    nickname: string,
    userAuthCode = '',
    address = '',
  ): Promise<LoginResult> {
    const app = this.#apps.get(appID);
    if (!app || !checkMd5Secret(app, md5AppSecret)) {
      this.#log.info({ appID, UID }, 'login refused: wrong appID or secret');
      throw new CRVideoError(SdkErr.ANCTPSWD_ERR, 'wrong appID or secret');
    }
    await this.#userAuth?.verifyCode(appID, UID, userAuthCode, address);
    return this.#open(app, UID, nickname, null);
  }

  /** Claims of a token: one this server issued to the user, or (only without per-user auth) one signed with the app secret. */
  async #tokenClaims(token: string, UID: string, appID?: string): Promise<{ app: AppRow; expMs: number }> {
    if (this.#userAuth && UserAuth.isUserToken(token)) {
      const claims = await this.#userAuth.verifyUserToken(token, UID);
      const app = this.#apps.get(claims.appID);
      if (!app || (appID !== undefined && appID !== claims.appID))
        throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names another app');
      return { app, expMs: claims.expMs };
    }
    if (this.#userAuth && this.#userAuth.mode !== 'none') {
      this.#log.info({ UID }, 'token refused: not issued by this server');
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'this server accepts only the user tokens it issued');
    }
    const app = this.#apps.get(appID ?? peekTokenAppID(token) ?? '');
    if (!app || (appID !== undefined && peekTokenAppID(token) !== appID))
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names no known app');
    return { app, expMs: (await verifyToken(token, app, UID)).expMs };
  }

  /** Ends every session of a user (disabled: LineOff 17). */
  endUser(appID: string, UID: string, why: string, lineOff: number): void {
    const live = this.#presence.peek(appID, UID);
    for (const s of [...(live?.sessions ?? [])]) this.#endAnywhere(s, why, lineOff);
  }

  /** Ends a session of this node, or asks the node it lives on to (cluster mode). */
  #endAnywhere(s: Session, why: string, lineOff: number): void {
    if (s.remoteNode !== null) this.#cluster?.kick(s, why, lineOff);
    else this.end(s, why, lineOff);
  }

  async loginByToken(token: string, UID: string, nickname: string): Promise<LoginResult> {
    // Tokens this server issued to people; with userAuth 'none' also app-secret tokens (below).
    if (this.#userAuth && (UserAuth.isUserToken(token) || this.#userAuth.mode !== 'none')) {
      const { app, expMs } = await this.#tokenClaims(token, UID);
      return this.#open(app, UID, nickname, expMs);
    }
    const appID = peekTokenAppID(token);
    const app = appID === undefined ? undefined : this.#apps.get(appID);
    // One answer whatever is wrong (unknown app, bad signature, other UID): the reply must not tell an
    // outsider which appIDs exist. An unknown app still costs a verification, so timing does not tell either.
    const claims = await verifyToken(token, app ?? UNKNOWN_APP, UID).catch((err: unknown) => {
      const code = app && err instanceof CRVideoError && err.code === SdkErr.TOKEN_TIMEOUT ? err.code : null;
      this.#log.info({ UID, appKnown: app !== undefined, err: (err as Error).message }, 'token login refused');
      if (code !== null) throw err;
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token invalid', { cause: err });
    });
    if (!app) throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token invalid');
    return this.#open(app, UID, nickname, claims.expMs);
  }

  #open(app: AppRow, UID: string, nickname: string, tokenExpMs: number | null): LoginResult {
    this.#cluster?.assertUp();
    const live = this.#presence.peek(app.appID, UID);
    if (!this.#opts.multiDevice && live) {
      for (const old of [...live.sessions]) this.#endAnywhere(old, 'kicked by a new login', SdkErr.USER_BEEN_KICKOUT);
    }
    this.#store.recordLogin(app.appID, UID, nickname || UID);
    const s = new Session(app.appID, UID, nickname || UID, this.#log, this.#opts.limits);
    this.#byToken.set(s.resumeToken, s);
    this.#byId.set(s.id, s);
    this.#presence.addSession(s);
    this.#armToken(s, tokenExpMs);
    this.#cluster?.opened(s, tokenExpMs);
    s.log.info({ appID: app.appID, token: tokenExpMs !== null }, 'logged in');
    return {
      session: s,
      data: { UID, sessionToken: s.resumeToken, graceMs: this.#opts.graceMs, tokenExp: tokenExpMs },
    };
  }

  #armToken(s: Session, expMs: number | null): void {
    s.tokenExpMs = expMs;
    if (expMs === null) return s.setTokenTimers([]);
    // Timers that survive any expiry a JWT can carry (plain setTimeout fires at once past ~24.8 days).
    const warn = setTimeoutAt(
      contained(s.log, { timer: 'tokenWillExpire' }, () => s.notify('tokenWillExpire', { tokenExp: expMs })),
      expMs - this.#opts.tokenWarnMs,
    );
    const expire = setTimeoutAt(
      contained(s.log, { timer: 'tokenExpired' }, () => this.end(s, 'token expired', SdkErr.TOKEN_TIMEOUT)),
      expMs,
    );
    s.setTokenTimers([warn, expire]);
  }

  async updateToken(s: Session, token: string): Promise<{ tokenExp: number }> {
    if (this.#userAuth) {
      const { expMs } = await this.#tokenClaims(token, s.UID, s.appID);
      this.#armToken(s, expMs);
      s.log.info({ tokenExp: expMs }, 'token updated');
      return { tokenExp: expMs };
    }
    const app = this.#apps.get(s.appID);
    if (!app || peekTokenAppID(token) !== s.appID)
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names another app');
    const claims = await verifyToken(token, app, s.UID);
    this.#armToken(s, claims.expMs);
    s.log.info({ tokenExp: claims.expMs }, 'token updated');
    return { tokenExp: claims.expMs };
  }

  /** Re-attaches a new socket to a session kept through a drop. 207 when it is gone. */
  resume(token: string, lastSeq: number, socket: WebSocket): Session {
    const s = this.#byToken.get(token);
    if (!s || s.ended) {
      const endedAt = this.#ended.get(token);
      if (endedAt !== undefined && Date.now() - endedAt < ENDED_MEMORY_MS)
        throw new CRVideoError(SdkErr.CONNECTIONLOST, 'session ended');
      // Never issued by this server process (it restarted): the SDK may sign in again.
      throw new CRVideoError(SdkErr.NOT_LOGIN, 'session unknown');
    }
    s.stopGrace();
    const old = s.socket;
    if (old && old !== socket) old.terminate();
    if (!s.attach(socket, lastSeq)) {
      this.end(s, 'resume gap too old', undefined, { linkLost: true });
      throw new CRVideoError(SdkErr.CONNECTIONLOST, 'too much was missed');
    }
    s.log.info({ lastSeq }, 'session resumed');
    return s;
  }

  /** The socket dropped without a logout: keep the session for the grace period. */
  socketLost(s: Session, socket: WebSocket): void {
    if (s.ended || s.socket !== socket) return;
    s.detach();
    // Kept a margin past the advertised grace: the SDK's last resume attempt starts before graceMs, so
    // it lands while the session still exists instead of racing the timer (protocol/reconnect.ts).
    const keepMs = this.#opts.graceMs + GRACE_MARGIN_MS;
    s.log.info({ graceMs: this.#opts.graceMs, keepMs }, 'socket lost; session kept for the grace period');
    s.startGrace(keepMs, () => this.end(s, 'grace period over', undefined, { linkLost: true }));
  }

  /** Ends a session for good; `lineOff` tells the client why (10 kicked, 18 token expired). */
  end(s: Session, why: string, lineOff?: number, opts: { abrupt?: boolean; linkLost?: boolean } = {}): void {
    if (s.ended) return;
    if (lineOff !== undefined) s.notify('lineOff', { sdkErr: lineOff });
    const ws = s.close();
    this.#byToken.delete(s.resumeToken);
    this.#byId.delete(s.id);
    this.#rememberEnded(s.resumeToken);
    this.#calls.sessionEnded(s, opts.linkLost === true || opts.abrupt === true);
    this.#rooms.exit(s);
    this.#presence.removeSession(s);
    this.#cluster?.ended(s, opts.linkLost === true || opts.abrupt === true);
    // 4000 tells the SDK the session is over (do not resume); an abrupt end (server shutdown) lets it reconnect.
    if (ws) opts.abrupt ? ws.terminate() : ws.close(4000, why.slice(0, 100));
    s.log.info({ why, lineOff }, 'session ended');
  }

  #rememberEnded(token: string): void {
    this.#ended.set(token, Date.now());
    if (this.#ended.size > ENDED_MEMORY) {
      const oldest = this.#ended.keys().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  /** The advertised grace period (login and resume responses). */
  get graceMs(): number {
    return this.#opts.graceMs;
  }

  closeAll(): void {
    for (const s of [...this.#byToken.values()]) this.end(s, 'server closing', undefined, { abrupt: true });
  }
}
