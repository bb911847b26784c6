import { CRVideoError, type ResponseData, SdkErr } from '../../protocol/index.js';
import type { CRVideoFunctions } from '../api.js';
import type { WebSocketCtor } from '../Line.js';
import { oneShotRequest } from '../oneShotRequest.js';
import { signalingUrl } from '../serverAddr.js';
import { type ClientContext, type LoginKind, later, run } from './ClientContext.js';

type SignInFunctions = Pick<
  CRVideoFunctions,
  | 'CRVideo_Login'
  | 'CRVideo_LoginByToken'
  | 'CRVideo_UpdateToken'
  | 'CRVideo_Logout'
  | 'CRVideo_GetUserToken'
  | 'CRVideo_ChangePassword'
>;

export interface SignIn {
  readonly fns: SignInFunctions;
  /** Signs out (no callback, as CloudRoom's Logout). */
  logout(): void;
  /** The line is gone for good: every call and room is ended towards the app, then LineOff(code). */
  lineOff(code: number): void;
  /** The server no longer knew our session (it restarted): sign in again and reconcile. */
  relogin(elapsedMs: number): Promise<boolean>;
}

/**
 * Signing in and out: CloudRoom's Login / LoginByToken / Logout / UpdateToken and the token extensions,
 * the line going off for good, and signing in again after a server restart with the calls reconciled
 * (every call, ring and room the server no longer has is ended towards the app, exactly once).
 */
export function createSignIn(ctx: ClientContext, WebSocket: WebSocketCtor): SignIn {
  const { session: s, ledger, state, line, log } = ctx;

  /** Ends towards the app, once each, every call and the room it believes in that the server no longer has. */
  function endGhosts(live: ReadonlySet<string>, reason: number): void {
    for (const g of ledger.ghosts(live)) {
      log(`call ${g.callID} was lost with the line; telling the app (${g.callback})`);
      if (g.callback === 'CRVideo_NotifyCallRejected') ctx.emit(g.callback, g.callID, SdkErr.CONNECTIONLOST, '');
      else {
        ctx.emit('CRVideo_NotifyCallHungup', g.callID, '', SdkErr.CONNECTIONLOST);
        ctx.emit('CRVideo_NotifyCallHangup', g.callID, '', SdkErr.CONNECTIONLOST);
      }
    }
    if (s.meetID !== null) {
      log(`room ${s.meetID} was lost with the line`);
      ctx.leaveRoom();
      ctx.emit('CRVideo_MeetingDropped', reason);
    }
  }

  function lineOff(code: number): void {
    if (s.loginState === 'out') return;
    s.loginState = 'out';
    s.creds = null;
    line.close();
    endGhosts(new Set(), code);
    ledger.reset();
    state.setSession('');
    ctx.emit('CRVideo_LineOff', code);
  }

  /** Own status and DND as the server has them (another device of ours may have set DND): one answer. */
  function askOwnStatus(uid: string): void {
    const dndVersion = state.dndVersion;
    ctx.request('getUserStatus', { UID: uid }).then(
      (d) => {
        const own = d.statuses.find((x) => x.userID === uid);
        if (!own || s.UID !== uid || s.loginState !== 'in') return;
        if (state.dndVersion === dndVersion) s.dnd = own.DNDType;
        state.report(own, dndVersion);
        state.update();
      },
      (err: unknown) => log(`own status not known (${CRVideoError.codeOf(err)})`),
    );
  }

  async function login(kind: LoginKind, cookie: unknown): Promise<void> {
    if (!s.initialized) return ctx.emit('CRVideo_LoginFail', SdkErr.NOT_INIT, cookie);
    if (s.loginState !== 'out') return ctx.emit('CRVideo_LoginFail', SdkErr.LOGINSTATE_ERROR, cookie);
    try {
      signalingUrl(s.serverAddr);
    } catch (err) {
      return ctx.emit('CRVideo_LoginFail', CRVideoError.codeOf(err), cookie);
    }
    s.loginState = 'logging';
    try {
      await line.connect();
      const data = await line.request(kind.type, kind.payload);
      line.setSession(data.sessionToken, data.graceMs);
      s.UID = data.UID;
      s.creds = kind;
      s.dnd = 0;
      s.statusNotify = false;
      if (s.params.callWaiting) await line.request('setCallWaiting', { on: true });
      s.loginState = 'in';
      state.setSession(s.UID);
      ctx.emit('CRVideo_LoginSuccess', s.UID, cookie);
      askOwnStatus(s.UID);
    } catch (err) {
      s.loginState = 'out';
      line.close();
      ctx.emit('CRVideo_LoginFail', CRVideoError.codeOf(err), cookie);
    }
  }

  /**
   * The server never knew our session (it restarted): log in again with the same credentials, then
   * reconcile with it — every call, ring and room it no longer has is ended towards the app — before
   * the line reports "back". (A session the server *ended* is never re-opened this way: LineOff 207.)
   */
  async function relogin(elapsedMs: number): Promise<boolean> {
    const creds = s.creds;
    if (!creds || s.loginState !== 'in') return false;
    try {
      const data = await line.request(creds.type, creds.payload);
      line.setSession(data.sessionToken, data.graceMs);
      if (s.dnd !== 0) await line.request('setDND', { DNDStatus: s.dnd });
      if (s.params.callWaiting) await line.request('setCallWaiting', { on: true });
      if (s.statusNotify) await line.request('startUserStatusNotify', {});
      const live = await line.request('getLiveCalls', {});
      endGhosts(new Set(live.calls.map((c) => c.callID)), SdkErr.CONNECTIONLOST);
      log(`session was unknown to the server after ${elapsedMs} ms (restart); signed in again and reconciled`);
      return true;
    } catch (err) {
      log('could not log in again', err);
      return false;
    }
  }

  function logout(): void {
    if (s.loginState === 'out') return;
    s.loginState = 'out';
    s.creds = null;
    ledger.reset();
    state.setSession('');
    ctx.leaveRoom();
    line.forgetSession();
    line.request('logout', {}).then(
      () => line.close(),
      () => line.close(),
    );
  }

  const fns: SignInFunctions = {
    CRVideo_Login(appID, md5AppSecret, nickname, uid, userAuthCode = '', cookie) {
      void login(
        {
          type: 'login',
          payload: { appID, md5AppSecret, nickname: nickname ?? '', UID: uid, userAuthCode: userAuthCode ?? '' },
        },
        cookie,
      );
    },
    CRVideo_LoginByToken(token, nickname, uid, userAuthCode = '', cookie) {
      void login(
        {
          type: 'loginByToken',
          payload: { token, nickname: nickname ?? '', UID: uid, userAuthCode: userAuthCode ?? '' },
        },
        cookie,
      );
    },
    CRVideo_UpdateToken(token) {
      if (s.loginState !== 'in') {
        log('UpdateToken: not logged in');
        return later(() => ctx.emit('CRVideo_UpdateTokenRslt', SdkErr.NOT_LOGIN));
      }
      ctx.request('updateToken', { token }).then(
        () => {
          if (s.creds?.type === 'loginByToken') s.creds.payload.token = token;
          ctx.emit('CRVideo_UpdateTokenRslt', SdkErr.NOERR);
        },
        (err: unknown) => {
          log(`UpdateToken refused (${CRVideoError.codeOf(err)})`);
          ctx.emit('CRVideo_UpdateTokenRslt', CRVideoError.codeOf(err));
        },
      );
    },
    CRVideo_Logout: logout,
    CRVideo_GetUserToken(uid, secret, opts, cookie) {
      const payload = {
        UID: String(uid ?? ''),
        ...(typeof secret === 'string'
          ? { userAuthCode: secret }
          : { refreshToken: String(secret?.refreshToken ?? '') }),
        ...(opts?.appID ? { appID: opts.appID } : {}),
      };
      let ask: Promise<ResponseData<'issueUserToken'>>;
      try {
        // Logged in (renewal): over the line; otherwise on a socket of its own.
        ask =
          s.loginState === 'in'
            ? ctx.request('issueUserToken', payload)
            : oneShotRequest(WebSocket, signalingUrl(s.serverAddr), 'issueUserToken', payload, ctx.requestTimeoutMs);
      } catch (err) {
        ask = Promise.reject(err);
      }
      ask.then(
        (d) => ctx.emit('CRVideo_GetUserTokenRslt', SdkErr.NOERR, d, cookie),
        (err: unknown) => ctx.emit('CRVideo_GetUserTokenRslt', CRVideoError.codeOf(err), null, cookie),
      );
    },
    CRVideo_ChangePassword(oldPassword, newPassword, cookie) {
      run(
        ctx,
        'changePassword',
        { oldPassword: String(oldPassword ?? ''), newPassword: String(newPassword ?? '') },
        () => ctx.emit('CRVideo_ChangePasswordRslt', SdkErr.NOERR, cookie),
        (code) => ctx.emit('CRVideo_ChangePasswordRslt', code, cookie),
      );
    },
  };

  return { fns, logout, lineOff, relogin };
}
