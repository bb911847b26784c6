import { type RequestType, type ResponseData, SdkErr } from '../protocol/index.js';
import type { CallbackName, CRVideoAPI, CRVideoCallbacks, CRVideoFunctions, SDKParams } from './api.js';
import { CallLedger } from './CallLedger.js';
import { ClientState, type ClientStateSource } from './ClientState.js';
import { createCallFunctions } from './client/CallFunctions.js';
import { badArgs, type ClientContext, ClientSession, safeJson } from './client/ClientContext.js';
import { createNotificationHandler } from './client/Notifications.js';
import { createPresenceFunctions } from './client/PresenceFunctions.js';
import { createRoomFunctions, leaveRoom } from './client/RoomFunctions.js';
import { createSignIn } from './client/SignIn.js';
import { createHolders, type EmitListener, fire } from './Holders.js';
import { SDK_VERSION } from './h5/constants.js';
import { h5Functions } from './h5/coreFunctions.js';
import { unsupportedFunctions } from './h5/unsupported.js';
import { Line, type LineState, type WebSocketCtor } from './Line.js';
import type { MediaEngine, MediaEngineFactory } from './media/MediaEngine.js';
import type { ReconnectPolicy } from './ReconnectPolicy.js';
import { Roster } from './Roster.js';
import { signalingUrl } from './serverAddr.js';

export { newCallID } from './client/CallFunctions.js';
export { safeJson } from './client/ClientContext.js';

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

/**
 * Builds one independent CRVideo client: every API function and callback holder as properties. The
 * pieces live in sdk/client/ (sign-in, calls, rooms, presence, notifications), sharing one context.
 */
export function createCRVideoCore(options: CRVideoCoreOptions): CRVideoClient {
  const log = options.log ?? ((msg: string, extra?: unknown) => console.warn(`[CRVideo] ${msg}`, extra ?? ''));
  const holders = createHolders();
  const emitListeners = new Set<EmitListener>();
  const ntfListeners = new Set<(name: string, data: unknown) => void>();
  const session = new ClientSession(options.serverAddr ?? '');
  const roster = new Roster();
  // Issue 12: the calls the app believes in, for reconciliation after a line-off or re-login.
  const ledger = new CallLedger();
  const state = new ClientState({ ledger, roster, meetID: () => session.meetID, log });

  /** Keeps the roster in step with what the media engine reports (statuses, mic levels). */
  function observe(name: CallbackName, args: readonly unknown[]): void {
    if (name === 'CRVideo_AudioStatusChanged' || name === 'CRVideo_VideoStatusChanged') {
      const kind = name === 'CRVideo_AudioStatusChanged' ? 'audio' : 'video';
      const [uid, , status] = args as [string, number, number];
      if (uid === session.UID) session.own[kind] = status;
      roster.setStatus(uid, kind, status);
    } else if (name === 'CRVideo_MicEnergyUpdate') {
      const [uid, , level] = args as [string, number, number];
      roster.setEnergy(uid, level);
    }
  }
  const emit = <K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void => {
    ledger.observe(name, args);
    observe(name, args);
    state.observe(name, args);
    fire(holders, emitListeners, (n, err) => log(`app callback ${n} threw`, err), name, args);
    // After the app's callbacks: a subscriber of the model hears of a change after the callback telling it.
    state.update();
  };
  /** Fires a holder by name, typed or not (CloudRoom holders of features outside the product). */
  const fireAny = (name: string, args: unknown[]): void =>
    fire(holders, emitListeners, (n, err) => log(`app callback ${n} threw`, err), name as CallbackName, args as never);

  // The line's events reach pieces made after it: they are bound once everything exists.
  const late: {
    notification(name: string, data: unknown): void;
    relogin(ms: number): Promise<boolean>;
    lost(code: number): void;
  } = {
    notification: () => {},
    relogin: async () => false,
    lost: () => {},
  };
  const line = new Line({
    url: () => signalingUrl(session.serverAddr),
    WebSocket: options.WebSocket,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    ...(options.reconnectPolicy ? { reconnectPolicy: options.reconnectPolicy } : {}),
    log,
    events: {
      notification: (name, data) => {
        for (const l of ntfListeners) {
          try {
            l(name, data);
          } catch (err) {
            log('notification listener threw', err);
          }
        }
        late.notification(name, data);
      },
      reconnecting: (on) => emit('CRVideo_NotifyReconnecting', on),
      resumed: () => media?.onResumed(),
      resumeRefused: (ms) => late.relogin(ms),
      lost: (code) => late.lost(code),
    },
  });
  const request = <T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>> =>
    line.request(type, payload);
  const listens = (name: CallbackName): boolean => {
    const h = holders[name] as { callback?: unknown; call?: unknown } | undefined;
    return typeof h?.callback === 'function' || typeof h?.call === 'function';
  };
  const media: MediaEngine | null = options.media
    ? options.media({ request, emit, myUID: () => session.UID, listens })
    : null;

  const ctx: ClientContext = {
    session,
    roster,
    ledger,
    state,
    line,
    media,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    log,
    emit,
    request,
    leaveRoom: () => leaveRoom(ctx),
  };
  const signIn = createSignIn(ctx, options.WebSocket);
  const calls = createCallFunctions(ctx);
  late.notification = createNotificationHandler(ctx, signIn, calls);
  late.relogin = signIn.relogin;
  late.lost = signIn.lineOff;

  const fns: CRVideoFunctions = {
    CRVideo_Init(p) {
      session.initialized = true;
      fns.CRVideo_SetSDKParams(p);
      return media?.checkDevices ? media.checkDevices() : Promise.resolve(SdkErr.NOERR);
    },
    CRVideo_SetSDKParams(p) {
      if (typeof p !== 'object' || p === null) return;
      const before = !!session.params.callWaiting;
      session.params = { ...session.params, ...p };
      if (typeof p.serverAddr === 'string') session.serverAddr = p.serverAddr;
      media?.setParams?.(session.params);
      if (!!session.params.callWaiting !== before && session.loginState === 'in')
        request('setCallWaiting', { on: !!session.params.callWaiting }).catch((err: unknown) =>
          log('call waiting not set', err),
        );
    },
    CRVideo_GetSDKVersion: () => SDK_VERSION,
    CRVideo_WriteLog(text) {
      log(`[app] ${typeof text === 'string' ? text : safeJson(text)}`);
    },
    CRVideo_Uninit() {
      signIn.logout();
      session.initialized = false;
    },
    CRVideo_SetServerAddr(addr) {
      session.serverAddr = String(addr ?? '');
    },
    ...signIn.fns,
    ...calls.fns,
    ...createRoomFunctions(ctx),
    ...createPresenceFunctions(ctx),
  };

  const core: CRVideoCore = {
    get UID() {
      return session.UID;
    },
    get lineState() {
      return line.state;
    },
    get meetID() {
      return session.meetID;
    },
    roster,
    state,
    get params() {
      return session.params;
    },
    request,
    callWithID: calls.callWithID,
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
    myUID: () => session.UID,
    inRoom: () => session.meetID,
    ownStatus: (kind) => session.own[kind],
    badArgs: (what, args, fail) => badArgs(ctx, what, args, fail),
  });
  const notSupported = unsupportedFunctions(fireAny, log);
  return Object.assign(holders, notSupported, fns, h5, { $core: core }) as CRVideoClient;
}
