import {
  CRVideoError,
  type MeetObj,
  type NotificationData,
  type NotificationName,
  type RequestType,
  type ResponseData,
  SdkErr,
} from '../protocol/index.js';
import type { CallbackName, CRVideoAPI, CRVideoCallbacks, CRVideoFunctions, SDKParams } from './api.js';
import { CallLedger } from './CallLedger.js';
import { ClientState, type ClientStateSource } from './ClientState.js';
import { createHolders, type EmitListener, fire } from './Holders.js';
import { meetIDOf, toDND, toExtData, toMeetID, toSubject, toUID } from './h5/coerce.js';
import { SDK_VERSION } from './h5/constants.js';
import { h5Functions } from './h5/coreFunctions.js';
import { unsupportedFunctions } from './h5/unsupported.js';
import { Line, type LineState, type WebSocketCtor } from './Line.js';
import type { MediaEngine, MediaEngineFactory } from './media/MediaEngine.js';
import { oneShotRequest } from './oneShotRequest.js';
import type { ReconnectPolicy } from './ReconnectPolicy.js';
import { Roster } from './Roster.js';
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
  /** The SDK's own copy of the current room (members, names, statuses). */
  readonly roster: Roster;
  /** The client-side state model (own presence, DND, calls, room) with a typed subscription. */
  readonly state: ClientStateSource;
  /** The SDK parameters the app set (Init / SetSDKParams). */
  readonly params: Readonly<SDKParams>;
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
  /**
   * A network-change hint (browser `online`, Electron powerMonitor `resume`): reconnect at once if the
   * line is down, or check it still answers if it looks up.
   */
  reconnectNow(): void;
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
  let meetID: number | null = null;
  let dnd = 0;
  let statusNotify = false;
  const roster = new Roster();
  /** Own mic / camera statuses, known outside rooms too. */
  const own = { audio: 0, video: 0 };
  let params: SDKParams = {};

  // ---- issue 12: the calls the app believes in, for reconciliation after a line-off or re-login ----
  const ledger = new CallLedger();
  const state = new ClientState({ ledger, roster, meetID: () => meetID, log });
  const emit = <K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void => {
    ledger.observe(name, args);
    observe(name, args);
    state.observe(name, args);
    fire(holders, emitListeners, (n, err) => log(`app callback ${n} threw`, err), name, args);
    // After the app's callbacks: a subscriber of the model hears of a change after the callback telling it.
    state.update();
  };
  /** Ends towards the app, once each, every call and the room it believes in that the server no longer has. */
  function endGhosts(live: ReadonlySet<string>, reason: number): void {
    for (const g of ledger.ghosts(live)) {
      log(`call ${g.callID} was lost with the line; telling the app (${g.callback})`);
      if (g.callback === 'CRVideo_NotifyCallRejected') emit(g.callback, g.callID, SdkErr.CONNECTIONLOST, '');
      else {
        emit('CRVideo_NotifyCallHungup', g.callID, '', SdkErr.CONNECTIONLOST);
        emit('CRVideo_NotifyCallHangup', g.callID, '', SdkErr.CONNECTIONLOST);
      }
    }
    if (meetID !== null) {
      log(`room ${meetID} was lost with the line`);
      leaveMediaRoom();
      emit('CRVideo_MeetingDropped', reason);
    }
  }
  // ---- end issue 12 ----
  /** Keeps the roster in step with what the media engine reports (statuses, mic levels). */
  function observe(name: CallbackName, args: readonly unknown[]): void {
    if (name === 'CRVideo_AudioStatusChanged' || name === 'CRVideo_VideoStatusChanged') {
      const kind = name === 'CRVideo_AudioStatusChanged' ? 'audio' : 'video';
      const [uid, , status] = args as [string, number, number];
      if (uid === UID) own[kind] = status;
      roster.setStatus(uid, kind, status);
    } else if (name === 'CRVideo_MicEnergyUpdate') {
      const [uid, , level] = args as [string, number, number];
      roster.setEnergy(uid, level);
    }
  }
  /** Fires a holder by name, typed or not (CloudRoom holders of features outside the product). */
  const fireAny = (name: string, args: unknown[]): void =>
    fire(holders, emitListeners, (n, err) => log(`app callback ${n} threw`, err), name as CallbackName, args as never);
  /** Fails a call whose arguments make no sense: one log line, sdkErr 5 through its callback. */
  const badArgs = (what: string, args: unknown, fail: (code: number) => void): void => {
    log(`${what}: bad arguments ${safeJson(args)} (sdkErr 5)`);
    later(() => fail(SdkErr.MEETPARAM_ERR));
  };
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

  // Ring-time media (issue 15): while a call rings both sides prepare its room's media; it goes when the
  // call does not go ahead here. Engines without prepare() simply start at EnterMeeting3.
  const ringPrepare = (callID: string, meetID: number): void => {
    try {
      media?.prepare?.(callID, meetID);
    } catch (err) {
      log('media preparation failed', err);
    }
  };
  const ringUnprepare = (callID: string): void => {
    try {
      media?.unprepare?.(callID);
    } catch (err) {
      log('media unprepare failed', err);
    }
  };

  function leaveMediaRoom(): void {
    meetID = null;
    roster.clear();
    state.update();
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
    endGhosts(new Set(), code);
    ledger.reset();
    state.setSession('');
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
      UID = data.UID;
      creds = kind;
      dnd = 0;
      statusNotify = false;
      if (params.callWaiting) await line.request('setCallWaiting', { on: true });
      loginState = 'in';
      state.setSession(UID);
      emit('CRVideo_LoginSuccess', UID, cookie);
      askOwnStatus(UID);
    } catch (err) {
      loginState = 'out';
      line.close();
      emit('CRVideo_LoginFail', CRVideoError.codeOf(err), cookie);
    }
  }

  /** Own status and DND as the server has them (another device of ours may have set DND): one answer. */
  function askOwnStatus(uid: string): void {
    request('getUserStatus', { UID: uid }).then(
      (d) => {
        const own = d.statuses.find((s) => s.userID === uid);
        if (!own || UID !== uid || loginState !== 'in') return;
        dnd = own.DNDType;
        state.report(own);
        state.update();
      },
      (err: unknown) => log(`own status not known (${CRVideoError.codeOf(err)})`),
    );
  }

  /**
   * The server never knew our session (it restarted): log in again with the same credentials, then
   * reconcile with it — every call, ring and room it no longer has is ended towards the app — before
   * the line reports "back". (A session the server *ended* is never re-opened this way: LineOff 207.)
   */
  async function relogin(elapsedMs: number): Promise<boolean> {
    if (!creds || loginState !== 'in') return false;
    try {
      const data = await line.request(creds.type, creds.payload);
      line.setSession(data.sessionToken, data.graceMs);
      if (dnd !== 0) await line.request('setDND', { DNDStatus: dnd });
      if (params.callWaiting) await line.request('setCallWaiting', { on: true });
      if (statusNotify) await line.request('startUserStatusNotify', {});
      const live = await line.request('getLiveCalls', {});
      endGhosts(new Set(live.calls.map((c) => c.callID)), SdkErr.CONNECTIONLOST);
      log(`session was unknown to the server after ${elapsedMs} ms (restart); signed in again and reconciled`);
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
        ringPrepare(d.callID, d.meetObj.ID);
        return emit('CRVideo_NotifyCallIn', d.callID, d.meetObj, d.callerID, d.usrExtDat);
      }
      case 'callAccepted': {
        const d = data as NotificationData<'callAccepted'>;
        return emit('CRVideo_NotifyCallAccepted', d.callID, d.meetObj, d.usrExtDat);
      }
      case 'callRejected': {
        const d = data as NotificationData<'callRejected'>;
        ringUnprepare(d.callID);
        if (ledger.wasEnded(d.callID)) return; // already ended towards the app by reconciliation
        return emit('CRVideo_NotifyCallRejected', d.callID, d.sdkErr, d.usrExtDat);
      }
      case 'callHungup': {
        const d = data as NotificationData<'callHungup'>;
        ringUnprepare(d.callID);
        if (ledger.wasEnded(d.callID)) return; // already ended towards the app (exactly once)
        // The reason (207: a link was lost) only when the server gave one, so the usual call has two arguments.
        const why: [sdkErr?: number] = d.sdkErr === undefined ? [] : [d.sdkErr];
        emit('CRVideo_NotifyCallHungup', d.callID, d.usrExtDat, ...why);
        return emit('CRVideo_NotifyCallHangup', d.callID, d.usrExtDat, ...why);
      }
      case 'userStatus':
        return emit('CRVideo_NotifyUserStatus', data as NotificationData<'userStatus'>);
      case 'dndChanged':
        dnd = (data as NotificationData<'dndChanged'>).DNDStatus;
        return emit('CRVideo_NotifyDNDStatus', dnd);
      case 'userEnterMeeting': {
        const d = data as NotificationData<'userEnterMeeting'>;
        if (d.meetID !== meetID) return;
        roster.add(d.UID, d.nickname);
        return emit('CRVideo_UserEnterMeeting', d.UID);
      }
      case 'userLeftMeeting': {
        const d = data as NotificationData<'userLeftMeeting'>;
        if (d.meetID !== meetID) return;
        roster.remove(d.UID);
        return emit('CRVideo_UserLeftMeeting', d.UID);
      }
      case 'meetingDropped': {
        const d = data as NotificationData<'meetingDropped'>;
        if (d.meetID !== meetID) return;
        leaveMediaRoom();
        return emit('CRVideo_MeetingDropped', d.reason);
      }
      case 'nickNameChanged': {
        const d = data as NotificationData<'nickNameChanged'>;
        if (d.meetID !== meetID) return;
        roster.rename(d.UID, d.newName);
        return emit('CRVideo_NotifyNickNameChanged', d.UID, d.oldName, d.newName);
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
    usrExtDat: unknown = '',
    cookie?: unknown,
  ): void {
    const uid = toUID(calledUID);
    const id = meetIDOf(meetObj);
    const ext = toExtData(usrExtDat);
    if (uid === null || id === null || ext === null)
      return badArgs('Call', [calledUID, meetObj, usrExtDat], (code) => emit('CRVideo_CallFail', callID, code, cookie));
    ledger.dialing(callID, uid, id, ext);
    run(
      'call',
      { callID, calledUID: uid, meetID: id, usrExtDat: ext },
      () => {
        ringPrepare(callID, id);
        emit('CRVideo_CallSuccess', callID, cookie);
      },
      (code) => {
        ringUnprepare(callID);
        emit('CRVideo_CallFail', callID, code, cookie);
      },
    );
  }

  function hangup(callID: string, usrExtDat: unknown = '', cookie?: unknown): void {
    const ext = toExtData(usrExtDat);
    if (typeof callID !== 'string' || ext === null)
      return badArgs('HangupCall', [callID, usrExtDat], (code) => emit('CRVideo_HangupCallFail', callID, code, cookie));
    ringUnprepare(callID);
    run(
      'hangupCall',
      { callID, usrExtDat: ext },
      () => emit('CRVideo_HangupCallSuccess', callID, cookie),
      (code) => emit('CRVideo_HangupCallFail', callID, code, cookie),
    );
  }

  function logout(): void {
    if (loginState === 'out') return;
    loginState = 'out';
    creds = null;
    ledger.reset();
    state.setSession('');
    leaveMediaRoom();
    line.forgetSession();
    line.request('logout', {}).then(
      () => line.close(),
      () => line.close(),
    );
  }

  const ownMedia = (what: string, uid: string, fn: (m: MediaEngine) => void): void => {
    if (toUID(uid) !== UID) return log(`${what}: only the own UID (${UID}) can be opened or closed here, got ${uid}`);
    if (media) fn(media);
  };

  const fns: CRVideoFunctions = {
    CRVideo_Init(p) {
      initialized = true;
      fns.CRVideo_SetSDKParams(p);
      return media?.checkDevices ? media.checkDevices() : Promise.resolve(SdkErr.NOERR);
    },
    CRVideo_SetSDKParams(p) {
      if (typeof p !== 'object' || p === null) return;
      const before = !!params.callWaiting;
      params = { ...params, ...p };
      if (typeof p.serverAddr === 'string') serverAddr = p.serverAddr;
      media?.setParams?.(params);
      if (!!params.callWaiting !== before && loginState === 'in')
        request('setCallWaiting', { on: !!params.callWaiting }).catch((err: unknown) =>
          log('call waiting not set', err),
        );
    },
    CRVideo_GetSDKVersion: () => SDK_VERSION,
    CRVideo_WriteLog(line) {
      log(`[app] ${typeof line === 'string' ? line : safeJson(line)}`);
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
      if (loginState !== 'in') {
        log('UpdateToken: not logged in');
        return later(() => emit('CRVideo_UpdateTokenRslt', SdkErr.NOT_LOGIN));
      }
      request('updateToken', { token }).then(
        () => {
          if (creds?.type === 'loginByToken') creds.payload.token = token;
          emit('CRVideo_UpdateTokenRslt', SdkErr.NOERR);
        },
        (err: unknown) => {
          log(`UpdateToken refused (${CRVideoError.codeOf(err)})`);
          emit('CRVideo_UpdateTokenRslt', CRVideoError.codeOf(err));
        },
      );
    },
    CRVideo_Logout: logout,
    CRVideo_CreateMeeting(subject = '', cookie) {
      const text = toSubject(subject);
      if (text === null)
        return badArgs('CreateMeeting', subject, (code) => emit('CRVideo_CreateMeetingFail', code, cookie));
      run(
        'createMeeting',
        { subject: text },
        (d) => emit('CRVideo_CreateMeetingSuccess', d.meetObj, cookie),
        (code) => emit('CRVideo_CreateMeetingFail', code, cookie),
      );
    },
    CRVideo_CreateMeeting2(cookie) {
      fns.CRVideo_CreateMeeting('', cookie);
    },
    CRVideo_DestroyMeeting(rawID, cookie) {
      const id = toMeetID(rawID);
      if (id === null)
        return badArgs('DestroyMeeting', rawID, (code) => emit('CRVideo_DestroyMeetingRslt', code, cookie));
      run(
        'destroyMeeting',
        { meetID: id },
        () => {
          if (meetID === id) leaveMediaRoom();
          emit('CRVideo_DestroyMeetingRslt', SdkErr.NOERR, cookie);
        },
        (code) => emit('CRVideo_DestroyMeetingRslt', code, cookie),
      );
    },
    CRVideo_EnterMeeting3(rawID, cookie) {
      const id = toMeetID(rawID);
      if (id === null) return badArgs('EnterMeeting3', rawID, (code) => emit('CRVideo_EnterMeetingRslt', code, cookie));
      run(
        'enterMeeting',
        { meetID: id },
        (d) => {
          if (meetID !== null && meetID !== d.meetObj.ID) leaveMediaRoom();
          meetID = d.meetObj.ID;
          roster.reset([
            ...(d.memberInfo ?? [{ UID, nickname: creds?.payload.nickname || UID }]),
            ...d.members.map((m) => ({ UID: m })),
          ]);
          roster.setStatus(UID, 'audio', own.audio);
          roster.setStatus(UID, 'video', own.video);
          // Media starts before the app hears of it, so an OpenMic in the callback finds it under way.
          media?.enter(d.meetObj.ID, d.members).catch((err: unknown) => log('media could not start', err));
          emit('CRVideo_EnterMeetingRslt', SdkErr.NOERR, cookie);
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
    CRVideo_AcceptCall(callID, meetObj, usrExtDat = '', cookie) {
      const ext = toExtData(usrExtDat);
      // A MeetInfoObj of another room: the callee answers with its own room, and both meet there
      // (one without a usable ID is the call's own room, as before).
      const id = meetIDOf(meetObj);
      if (typeof callID !== 'string' || ext === null)
        return badArgs('AcceptCall', [callID, meetObj, usrExtDat], (code) =>
          emit('CRVideo_AcceptCallFail', callID, code, cookie),
        );
      run(
        'acceptCall',
        { callID, usrExtDat: ext, ...(id === null ? {} : { meetID: id }) },
        () => {
          if (id !== null) ledger.answeringIn(callID, id);
          emit('CRVideo_AcceptCallSuccess', callID, cookie);
        },
        (code) => {
          ringUnprepare(callID);
          emit('CRVideo_AcceptCallFail', callID, code, cookie);
        },
      );
    },
    CRVideo_RejectCall(callID, usrExtDat = '', cookie) {
      const ext = toExtData(usrExtDat);
      if (typeof callID !== 'string' || ext === null)
        return badArgs('RejectCall', [callID, usrExtDat], (code) =>
          emit('CRVideo_RejectCallFail', callID, code, cookie),
        );
      ringUnprepare(callID);
      run(
        'rejectCall',
        { callID, usrExtDat: ext },
        () => emit('CRVideo_RejectCallSuccess', callID, cookie),
        (code) => emit('CRVideo_RejectCallFail', callID, code, cookie),
      );
    },
    CRVideo_HungupCall: hangup,
    CRVideo_HangupCall: hangup,
    CRVideo_SetDNDStatus(rawDND, cookie) {
      const DNDStatus = toDND(rawDND);
      if (DNDStatus === null)
        return badArgs('SetDNDStatus', rawDND, (code) => emit('CRVideo_SetDNDStatusFail', code, cookie));
      run(
        'setDND',
        { DNDStatus },
        () => {
          dnd = DNDStatus;
          state.setDND(DNDStatus);
          emit('CRVideo_SetDNDStatusSuccess', cookie);
        },
        (code) => emit('CRVideo_SetDNDStatusFail', code, cookie),
      );
    },
    CRVideo_GetUserStatus(cookie, page) {
      run(
        'getUserStatus',
        { page: page?.page, limit: page?.limit },
        (d) => emit('CRVideo_GetUserStatusSuccess', d.statuses, cookie),
        (code) => emit('CRVideo_GetUserStatusFail', code, cookie),
      );
    },
    CRVideo_GetOneUserStatus(rawUID, cookie) {
      const uid = toUID(rawUID);
      if (uid === null)
        return badArgs('GetOneUserStatus', rawUID, (code) => emit('CRVideo_GetUserStatusFail', code, cookie));
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
          emit('CRVideo_StartUserStatusNotifyRslt', SdkErr.NOERR, cookie);
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
          emit('CRVideo_StopUserStatusNotifyRslt', SdkErr.NOERR, cookie);
        },
        (code) => emit('CRVideo_StopUserStatusNotifyRslt', code, cookie),
      );
    },
    CRVideo_OpenMic: (uid) => ownMedia('OpenMic', uid, (m) => m.openMic()),
    CRVideo_CloseMic: (uid) => ownMedia('CloseMic', uid, (m) => m.closeMic()),
    CRVideo_OpenVideo: (uid) => ownMedia('OpenVideo', uid, (m) => m.openVideo()),
    CRVideo_CloseVideo: (uid) => ownMedia('CloseVideo', uid, (m) => m.closeVideo()),
    CRVideo_GetCallRecords(cookie, page) {
      run(
        'getCallRecords',
        { page: page?.page, limit: page?.limit },
        (d) => emit('CRVideo_GetCallRecordsRslt', SdkErr.NOERR, d.records, cookie),
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
        (d) => emit('CRVideo_GetUserTokenRslt', SdkErr.NOERR, d, cookie),
        (err: unknown) => emit('CRVideo_GetUserTokenRslt', CRVideoError.codeOf(err), null, cookie),
      );
    },
    CRVideo_ChangePassword(oldPassword, newPassword, cookie) {
      run(
        'changePassword',
        { oldPassword: String(oldPassword ?? ''), newPassword: String(newPassword ?? '') },
        () => emit('CRVideo_ChangePasswordRslt', SdkErr.NOERR, cookie),
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
    roster,
    state,
    get params() {
      return params;
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
    reconnectNow: () => line.reconnectNow(),
  };

  const h5 = h5Functions({
    fns,
    roster,
    request,
    emit,
    log,
    media,
    myUID: () => UID,
    inRoom: () => meetID,
    ownStatus: (kind) => own[kind],
    badArgs,
  });
  const notSupported = unsupportedFunctions(fireAny, log);
  return Object.assign(holders, notSupported, fns, h5, { $core: core }) as CRVideoClient;
}

/** JSON of what an app passed, for log lines (never throws). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
