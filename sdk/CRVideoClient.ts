import {
  CRVideoError,
  type MeetObj,
  type NotificationData,
  type NotificationName,
  type RequestType,
  type ResponseData,
  SdkErr,
} from '../protocol/index.js';
import type { CallbackName, CRVideoAPI, CRVideoCallbacks, CRVideoFunctions } from './api.js';
import { createHolders, type EmitListener, fire } from './Holders.js';
import { Line, type LineState, type WebSocketCtor } from './Line.js';
import type { MediaEngine, MediaEngineFactory } from './media/MediaEngine.js';
import { oneShotRequest } from './oneShotRequest.js';
import type { ReconnectPolicy } from './ReconnectPolicy.js';
import { signalingUrl } from './serverAddr.js';

export interface CRVideoCoreOptions {
  /** `host:port` as CloudRoom writes it, or an http(s):// / ws(s):// URL. */
  serverAddr?: string;
  /** WebSocket implementation: `ws` in Node, the native one in browsers. */
  WebSocket: WebSocketCtor;
  /** The media half (mediasoup-client in browsers); without it media calls do nothing. */
  media?: MediaEngineFactory;
  /** A request with no answer in this time fails with 202 (default 10 000). */
  requestTimeoutMs?: number;
  /** Heartbeat period while online (default 10 000). */
  heartbeatMs?: number;
  reconnectPolicy?: ReconnectPolicy;
  /** Where the SDK logs problems (default console.warn). */
  log?: (msg: string, extra?: unknown) => void;
}

/** Internals for the Electron bridge, the browser globals, bots and tests; not part of CloudRoom's API. */
export interface CRVideoCore {
  readonly UID: string;
  readonly lineState: LineState;
  readonly meetID: number | null;
  /** Sends any protocol request (media.* from a media engine living elsewhere, e.g. an Electron renderer). */
  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>>;
  /** `CRVideo_Call` with a callID chosen by the caller (the Electron bridge makes it in the renderer). */
  callWithID(callID: string, calledUID: string, meetObj: { ID: number }, usrExtDat?: string, cookie?: unknown): void;
  /** Every API callback fired, in order (the Electron main process forwards them to the renderer). */
  onEmit(listener: EmitListener): () => void;
  /** Every raw server notification (media.* ones go to a remote media engine this way). */
  onNotification(listener: (name: string, data: unknown) => void): () => void;
  /** Drops the socket as a network failure would; the SDK reconnects after `offlineMs`. */
  simulateNetworkDrop(offlineMs?: number): void;
}

export type CRVideoClient = CRVideoAPI & { readonly $core: CRVideoCore };

/** A new random callID (works in insecure browser contexts too). */
export function newCallID(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

type LoginKind =
  | { type: 'login'; payload: Record<string, string> }
  | { type: 'loginByToken'; payload: Record<string, string> };

/** Builds one independent CRVideo client: every API function and callback holder as properties. */
export function createCRVideoCore(options: CRVideoCoreOptions): CRVideoClient {
  const log = options.log ?? ((msg: string, extra?: unknown) => console.warn(`[CRVideo] ${msg}`, extra ?? ''));
  const holders = createHolders();
  const emitListeners = new Set<EmitListener>();
  const ntfListeners = new Set<(name: string, data: unknown) => void>();
  let serverAddr = options.serverAddr ?? '';
  let initialized = true;
  let loginState: 'out' | 'logging' | 'in' = 'out';
  let UID = '';
  let creds: LoginKind | null = null;
  let graceMs = 20_000;
  let meetID: number | null = null;
  let dnd = 0;
  let statusNotify = false;

  const emit = <K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void =>
    fire(holders, emitListeners, (n, err) => log(`app callback ${n} threw`, err), name, args);
  const later = (fn: () => void): void => void Promise.resolve().then(fn);

  const line = new Line({
    url: () => signalingUrl(serverAddr),
    WebSocket: options.WebSocket,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    ...(options.reconnectPolicy ? { reconnectPolicy: options.reconnectPolicy } : {}),
    log,
    events: {
      notification: onNotification,
      reconnecting: (on) => emit('CRVideo_NotifyReconnecting', on),
      resumed: () => media?.onResumed(),
      resumeRefused: relogin,
      lost: (code) => lineOff(code),
    },
  });

  const request = <T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>> =>
    line.request(type, payload);

  const media: MediaEngine | null = options.media ? options.media({ request, emit, myUID: () => UID }) : null;

  function leaveMediaRoom(): void {
    meetID = null;
    try {
      media?.exit();
    } catch (err) {
      log('media exit failed', err);
    }
  }

  function lineOff(code: number): void {
    if (loginState === 'out') return;
    loginState = 'out';
    creds = null;
    line.close();
    leaveMediaRoom();
    emit('CRVideo_LineOff', code);
  }

  /** Runs a request and routes its outcome to a success or failure callback. */
  function run<T extends RequestType>(
    type: T,
    payload: unknown,
    ok: (data: ResponseData<T>) => void,
    fail: (code: number) => void,
  ): void {
    if (!initialized) return later(() => fail(SdkErr.NOT_INIT));
    if (loginState !== 'in') return later(() => fail(SdkErr.NOT_LOGIN));
    request(type, payload).then(ok, (err: unknown) => fail(CRVideoError.codeOf(err)));
  }

  async function login(kind: LoginKind, cookie: unknown): Promise<void> {
    if (!initialized) return emit('CRVideo_LoginFail', SdkErr.NOT_INIT, cookie);
    if (loginState !== 'out') return emit('CRVideo_LoginFail', SdkErr.LOGINSTATE_ERROR, cookie);
    try {
      signalingUrl(serverAddr);
    } catch (err) {
      return emit('CRVideo_LoginFail', CRVideoError.codeOf(err), cookie);
    }
    loginState = 'logging';
    try {
      await line.connect();
      const data = await line.request(kind.type, kind.payload);
      line.setSession(data.sessionToken, data.graceMs);
      graceMs = data.graceMs;
      UID = data.UID;
      creds = kind;
      dnd = 0;
      statusNotify = false;
      loginState = 'in';
      emit('CRVideo_LoginSuccess', UID, cookie);
    } catch (err) {
      loginState = 'out';
      line.close();
      emit('CRVideo_LoginFail', CRVideoError.codeOf(err), cookie);
    }
  }

  /** The server forgot our session (it restarted): log in again with the same credentials, quietly. */
  async function relogin(elapsedMs: number): Promise<boolean> {
    if (!creds || elapsedMs >= graceMs || loginState !== 'in') return false;
    try {
      const data = await line.request(creds.type, creds.payload);
      line.setSession(data.sessionToken, data.graceMs);
      graceMs = data.graceMs;
      if (dnd !== 0) await line.request('setDND', { DNDStatus: dnd });
      if (statusNotify) await line.request('startUserStatusNotify', {});
      if (meetID !== null) {
        leaveMediaRoom();
        emit('CRVideo_MeetingDropped', SdkErr.CONNECTIONLOST);
      }
      log('session was gone on the server; logged in again');
      return true;
    } catch (err) {
      log('could not log in again', err);
      return false;
    }
  }

  function onNotification(name: string, data: unknown): void {
    for (const l of ntfListeners) {
      try {
        l(name, data);
      } catch (err) {
        log('notification listener threw', err);
      }
    }
    if (name.startsWith('media.')) return media?.onNotification(name, data);
    const n = name as NotificationName;
    switch (n) {
      case 'lineOff':
        return lineOff((data as NotificationData<'lineOff'>).sdkErr);
      case 'tokenWillExpire':
        return emit('CRVideo_NotifyTokenWillExpire');
      case 'callIn': {
        const d = data as NotificationData<'callIn'>;
        return emit('CRVideo_NotifyCallIn', d.callID, d.meetObj, d.callerID, d.usrExtDat);
      }
      case 'callAccepted': {
        const d = data as NotificationData<'callAccepted'>;
        return emit('CRVideo_NotifyCallAccepted', d.callID, d.meetObj, d.usrExtDat);
      }
      case 'callRejected': {
        const d = data as NotificationData<'callRejected'>;
        return emit('CRVideo_NotifyCallRejected', d.callID, d.sdkErr, d.usrExtDat);
      }
      case 'callHungup': {
        const d = data as NotificationData<'callHungup'>;
        emit('CRVideo_NotifyCallHungup', d.callID, d.usrExtDat);
        return emit('CRVideo_NotifyCallHangup', d.callID, d.usrExtDat);
      }
      case 'userStatus':
        return emit('CRVideo_NotifyUserStatus', data as NotificationData<'userStatus'>);
      case 'dndChanged':
        dnd = (data as NotificationData<'dndChanged'>).DNDStatus;
        return emit('CRVideo_NotifyDNDStatus', dnd);
      case 'userEnterMeeting': {
        const d = data as NotificationData<'userEnterMeeting'>;
        if (d.meetID === meetID) emit('CRVideo_UserEnterMeeting', d.UID);
        return;
      }
      case 'userLeftMeeting': {
        const d = data as NotificationData<'userLeftMeeting'>;
        if (d.meetID === meetID) emit('CRVideo_UserLeftMeeting', d.UID);
        return;
      }
      case 'meetingDropped': {
        const d = data as NotificationData<'meetingDropped'>;
        if (d.meetID !== meetID) return;
        leaveMediaRoom();
        return emit('CRVideo_MeetingDropped', d.reason);
      }
      case 'meetingStopped': {
        if ((data as NotificationData<'meetingStopped'>).meetID !== meetID) return;
        leaveMediaRoom();
        return emit('CRVideo_MeetingStopped');
      }
    }
  }

  function callWithID(
    callID: string,
    calledUID: string,
    meetObj: { ID: number },
    usrExtDat = '',
    cookie?: unknown,
  ): void {
    run(
      'call',
      { callID, calledUID, meetID: meetObj?.ID, usrExtDat },
      () => emit('CRVideo_CallSuccess', callID, cookie),
      (code) => emit('CRVideo_CallFail', callID, code, cookie),
    );
  }

  function hangup(callID: string, usrExtDat = '', cookie?: unknown): void {
    run(
      'hangupCall',
      { callID, usrExtDat },
      () => emit('CRVideo_HangupCallSuccess', callID, cookie),
      (code) => emit('CRVideo_HangupCallFail', callID, code, cookie),
    );
  }

  function logout(): void {
    if (loginState === 'out') return;
    loginState = 'out';
    creds = null;
    leaveMediaRoom();
    line.forgetSession();
    line.request('logout', {}).then(
      () => line.close(),
      () => line.close(),
    );
  }

  const ownMedia = (what: string, uid: string, fn: (m: MediaEngine) => void): void => {
    if (uid !== UID) return log(`${what}: only the own UID (${UID}) can be opened or closed here, got ${uid}`);
    if (media) fn(media);
  };

  const fns: CRVideoFunctions = {
    CRVideo_Init(params) {
      initialized = true;
      if (typeof params?.serverAddr === 'string') serverAddr = params.serverAddr;
      return SdkErr.NOERR;
    },
    CRVideo_Uninit() {
      logout();
      initialized = false;
    },
    CRVideo_SetServerAddr(addr) {
      serverAddr = String(addr ?? '');
    },
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
      if (loginState !== 'in') return log('UpdateToken: not logged in');
      request('updateToken', { token }).then(
        () => {
          if (creds?.type === 'loginByToken') creds.payload.token = token;
        },
        (err: unknown) => log(`UpdateToken refused (${CRVideoError.codeOf(err)})`),
      );
    },
    CRVideo_Logout: logout,
    CRVideo_CreateMeeting(subject = '', cookie) {
      run(
        'createMeeting',
        { subject: subject ?? '' },
        (d) => emit('CRVideo_CreateMeetingSuccess', d.meetObj, cookie),
        (code) => emit('CRVideo_CreateMeetingFail', code, cookie),
      );
    },
    CRVideo_CreateMeeting2(cookie) {
      fns.CRVideo_CreateMeeting('', cookie);
    },
    CRVideo_DestroyMeeting(id, cookie) {
      run(
        'destroyMeeting',
        { meetID: id },
        () => {
          if (meetID === id) leaveMediaRoom();
          emit('CRVideo_DestroyMeetingRslt', 0, cookie);
        },
        (code) => emit('CRVideo_DestroyMeetingRslt', code, cookie),
      );
    },
    CRVideo_EnterMeeting3(id, cookie) {
      run(
        'enterMeeting',
        { meetID: id },
        (d) => {
          if (meetID !== null && meetID !== d.meetObj.ID) leaveMediaRoom();
          meetID = d.meetObj.ID;
          // Media starts before the app hears of it, so an OpenMic in the callback finds it under way.
          media?.enter(d.meetObj.ID, d.members).catch((err: unknown) => log('media could not start', err));
          emit('CRVideo_EnterMeetingRslt', 0, cookie);
        },
        (code) => emit('CRVideo_EnterMeetingRslt', code, cookie),
      );
    },
    CRVideo_ExitMeeting() {
      if (meetID === null || loginState !== 'in') return;
      leaveMediaRoom();
      request('exitMeeting', {}).catch((err: unknown) => log('ExitMeeting failed', err));
    },
    CRVideo_Call(calledUID, meetObj, usrExtDat = '', cookie) {
      const callID = newCallID();
      callWithID(callID, calledUID, meetObj as MeetObj, usrExtDat, cookie);
      return callID;
    },
    CRVideo_AcceptCall(callID, _meetObj, usrExtDat = '', cookie) {
      run(
        'acceptCall',
        { callID, usrExtDat: usrExtDat ?? '' },
        () => emit('CRVideo_AcceptCallSuccess', callID, cookie),
        (code) => emit('CRVideo_AcceptCallFail', callID, code, cookie),
      );
    },
    CRVideo_RejectCall(callID, usrExtDat = '', cookie) {
      run(
        'rejectCall',
        { callID, usrExtDat: usrExtDat ?? '' },
        () => emit('CRVideo_RejectCallSuccess', callID, cookie),
        (code) => emit('CRVideo_RejectCallFail', callID, code, cookie),
      );
    },
    CRVideo_HungupCall: hangup,
    CRVideo_HangupCall: hangup,
    CRVideo_SetDNDStatus(DNDStatus, cookie) {
      run(
        'setDND',
        { DNDStatus },
        () => {
          dnd = DNDStatus;
          emit('CRVideo_SetDNDStatusSuccess', cookie);
        },
        (code) => emit('CRVideo_SetDNDStatusFail', code, cookie),
      );
    },
    CRVideo_GetUserStatus(cookie) {
      run(
        'getUserStatus',
        {},
        (d) => emit('CRVideo_GetUserStatusSuccess', d.statuses, cookie),
        (code) => emit('CRVideo_GetUserStatusFail', code, cookie),
      );
    },
    CRVideo_GetOneUserStatus(uid, cookie) {
      run(
        'getUserStatus',
        { UID: uid },
        (d) => emit('CRVideo_GetUserStatusSuccess', d.statuses, cookie),
        (code) => emit('CRVideo_GetUserStatusFail', code, cookie),
      );
    },
    CRVideo_StartUserStatusNotify(cookie) {
      run(
        'startUserStatusNotify',
        {},
        () => {
          statusNotify = true;
          emit('CRVideo_StartUserStatusNotifyRslt', 0, cookie);
        },
        (code) => emit('CRVideo_StartUserStatusNotifyRslt', code, cookie),
      );
    },
    CRVideo_StopUserStatusNotify(cookie) {
      run(
        'stopUserStatusNotify',
        {},
        () => {
          statusNotify = false;
          emit('CRVideo_StopUserStatusNotifyRslt', 0, cookie);
        },
        (code) => emit('CRVideo_StopUserStatusNotifyRslt', code, cookie),
      );
    },
    CRVideo_OpenMic: (uid) => ownMedia('OpenMic', uid, (m) => m.openMic()),
    CRVideo_CloseMic: (uid) => ownMedia('CloseMic', uid, (m) => m.closeMic()),
    CRVideo_OpenVideo: (uid) => ownMedia('OpenVideo', uid, (m) => m.openVideo()),
    CRVideo_CloseVideo: (uid) => ownMedia('CloseVideo', uid, (m) => m.closeVideo()),
    CRVideo_GetCallRecords(cookie) {
      run(
        'getCallRecords',
        {},
        (d) => emit('CRVideo_GetCallRecordsRslt', 0, d.records, cookie),
        (code) => emit('CRVideo_GetCallRecordsRslt', code, [], cookie),
      );
    },
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
          loginState === 'in'
            ? request('issueUserToken', payload)
            : oneShotRequest(
                options.WebSocket,
                signalingUrl(serverAddr),
                'issueUserToken',
                payload,
                options.requestTimeoutMs ?? 10_000,
              );
      } catch (err) {
        ask = Promise.reject(err);
      }
      ask.then(
        (d) => emit('CRVideo_GetUserTokenRslt', 0, d, cookie),
        (err: unknown) => emit('CRVideo_GetUserTokenRslt', CRVideoError.codeOf(err), null, cookie),
      );
    },
    CRVideo_ChangePassword(oldPassword, newPassword, cookie) {
      run(
        'changePassword',
        { oldPassword: String(oldPassword ?? ''), newPassword: String(newPassword ?? '') },
        () => emit('CRVideo_ChangePasswordRslt', 0, cookie),
        (code) => emit('CRVideo_ChangePasswordRslt', code, cookie),
      );
    },
    CRVideo_GetDevices: () => (media ? media.getDevices() : Promise.resolve([])),
    CRVideo_SetDevice: (kind, deviceId) =>
      media ? media.setDevice(kind, deviceId) : Promise.resolve(SdkErr.MEETPARAM_ERR),
  };

  const core: CRVideoCore = {
    get UID() {
      return UID;
    },
    get lineState() {
      return line.state;
    },
    get meetID() {
      return meetID;
    },
    request,
    callWithID,
    onEmit(listener) {
      emitListeners.add(listener);
      return () => emitListeners.delete(listener);
    },
    onNotification(listener) {
      ntfListeners.add(listener);
      return () => ntfListeners.delete(listener);
    },
    simulateNetworkDrop: (offlineMs = 0) => line.dropSocket(offlineMs),
  };

  return Object.assign(holders, fns, { $core: core }) as CRVideoClient;
}
