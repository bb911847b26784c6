import * as z from 'zod/mini';
import { CRVideoError, issueText, responseSchemas, SdkErr } from '../../protocol/index.js';
import {
  CALLBACK_NAMES,
  type CallbackName,
  type CRVideoAPI,
  type CRVideoCallbacks,
  type CRVideoDevice,
} from '../api.js';
import { installGlobals } from '../browser/globals.js';
import { type ClientSnapshot, type ClientStateSource, SIGNED_OUT } from '../ClientState.js';
import { newCallID as coreNewCallID } from '../CRVideoClient.js';
import { callHolder } from '../Holders.js';
import { globalEntries, h5HolderNames } from '../h5/apiList.js';
import { CONSTANT_GLOBALS, SDK_VERSION } from '../h5/constants.js';
import { NOT_SUPPORTED, unsupportedFunctions } from '../h5/unsupported.js';
import type { MediaEngine, MediaEngineFactory } from '../media/MediaEngine.js';
import type { CRVideoBridge } from './BridgeApi.js';
import { CookieJar } from './CookieJar.js';
import {
  CallbackEvent,
  ClientSnapshotSchema,
  HelloReply,
  JsonValue,
  MediaCommand,
  MediaReply,
  RingtoneCommand,
} from './channels.js';
import { BRIDGED_FUNCTIONS, type BridgedFunctionName, DESKTOP_CALLBACK_NAMES, failArgs } from './functions.js';
import type { Ringtone } from './Ringtone.js';

/** Sign-in functions and the position of their UID argument. */
const LOGINS: Partial<Record<string, number>> = { CRVideo_Login: 3, CRVideo_LoginByToken: 2 };

/** The arguments of an API call, as they must be to cross IPC. */
const JsonArgs = z.array(JsonValue);

export interface BridgeGlobalsOptions {
  /** The renderer's media engine (mediasoup-client); without one, media calls are no-ops. */
  mediaEngine?: MediaEngineFactory;
  /** Plays the incoming ringtone when main says so. */
  ringtone?: Ringtone;
  /** Makes the callID `CRVideo_Call` returns at once (main places the call under that id). */
  newCallID?: () => string;
  log?: (line: string) => void;
  /** More holders the page's media engine fires (extensions of the browser SDK). */
  extraHolders?: readonly string[];
  /** More functions answered in the page (extensions working on the local media engine). */
  extraFunctions?: Record<string, (...args: never[]) => unknown>;
}

interface Holder {
  callback: unknown;
  call?: unknown;
}

/** What `installBridgeGlobals` returns: `close()` detaches from the bridge and releases media. */
export interface BridgeGlobals {
  /** Fires a holder as if main had (used by the media engine for stream callbacks). */
  dispatch(name: string, args: unknown[]): void;
  /** The SDK's state model, as main keeps it (own presence, DND, calls, room). */
  readonly state: ClientStateSource;
  close(): void;
}

/** The page's copy of main's state model: fed by the hello reply and the `state` channel, validated. */
class MirroredState implements ClientStateSource {
  #snapshot: ClientSnapshot = SIGNED_OUT;
  readonly #listeners = new Set<(now: ClientSnapshot, before: ClientSnapshot) => void>();

  get snapshot(): ClientSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: (now: ClientSnapshot, before: ClientSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Takes a snapshot from main; false (and nothing changes) when it is malformed. */
  take(raw: unknown): boolean {
    const parsed = ClientSnapshotSchema.safeParse(raw);
    if (!parsed.success) return false;
    const before = this.#snapshot;
    this.#snapshot = parsed.data;
    for (const l of [...this.#listeners]) {
      try {
        l(parsed.data, before);
      } catch (err) {
        console.error('[bridge] state listener threw', err);
      }
    }
    return true;
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/**
 * Installs every `CRVideo_*` function and callback holder on `target` (the page's window), backed by the
 * preload bridge: functions forward to the core in main, callbacks come back and are dispatched to the
 * holders (`.callback`, or `.call` as the seed's example assigns). Cookies never leave the page, and
 * `CRVideo_Call` returns its callID synchronously, as in CloudRoom's H5 SDK.
 */
export function installBridgeGlobals(
  bridge: CRVideoBridge,
  target: Record<string, unknown>,
  options: BridgeGlobalsOptions = {},
): BridgeGlobals {
  const log = options.log ?? ((line: string) => console.info(line));
  const newCallID = options.newCallID ?? coreNewCallID;
  const cookies = new CookieJar();
  const holders = new Map<string, Holder>();
  /** The API object whose functions and holders become the page's globals. */
  const api: Record<string, unknown> = {};
  let myUID = '';
  let closed = false;
  /** Main's session a reloaded page joins (from the hello reply), until a login or logout uses it up. */
  let restored: { UID: string; dnd: boolean } | null = null;
  /** The app asked to sign in: a restored session answers that instead of a restore notice. */
  let loginAsked = false;
  const announceRestored = (): void => {
    if (!restored) return;
    const { UID, dnd } = restored;
    restored = null;
    dispatch('CRVideo_NotifySessionRestored', [UID, dnd ? 1 : 0]);
  };

  for (const name of new Set([
    ...CALLBACK_NAMES,
    ...h5HolderNames(),
    ...DESKTOP_CALLBACK_NAMES,
    ...(options.extraHolders ?? []),
  ])) {
    const holder: Holder = { callback: null };
    holders.set(name, holder);
    api[name] = holder;
  }

  const dispatch = (name: string, args: unknown[]): void => {
    if (name === 'CRVideo_LoginSuccess' && typeof args[0] === 'string') myUID = args[0];
    if (name === 'CRVideo_LineOff') myUID = '';
    const holder = holders.get(name);
    if (!holder) {
      log(`[bridge] unknown callback ${name} dropped`);
      return;
    }
    // A throwing app callback must never break the bridge.
    callHolder(holder, args, (err) => console.error(`[bridge] ${name} callback threw`, err));
  };

  const emit = <K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void => dispatch(name, args);

  const engine: MediaEngine | null = options.mediaEngine
    ? options.mediaEngine({
        async request(type, payload) {
          const json = JsonValue.safeParse(payload);
          if (!json.success) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `${type}: payload cannot cross IPC`);
          const reply = MediaReply.parse(await bridge.mediaRequest({ type, payload: json.data }));
          if (reply.err !== SdkErr.NOERR) throw new CRVideoError(reply.err, reply.msg);
          // Checked like the line checks it in main: the answer must be this request's response shape.
          const data = responseSchemas[type].safeParse(reply.data ?? {});
          if (!data.success) {
            log(`[bridge] malformed ${type} response: ${issueText(data.error)}`);
            throw new CRVideoError(SdkErr.MEETPARAM_ERR, `malformed ${type} response`);
          }
          return data.data;
        },
        emit,
        myUID: () => myUID,
      })
    : null;

  /** Settles when main answered the page's hello (calls are sent after it). */
  let hello: Promise<void> = Promise.resolve();

  const failLocally = (fn: BridgedFunctionName, sdkErr: number, args: unknown[], cookie: unknown, callID?: string) => {
    const fail = failArgs(fn, sdkErr, args, cookie, callID);
    log(`[bridge] ${fn} not delivered: sdkErr ${sdkErr}`);
    if (fail) queueMicrotask(() => dispatch(fail.callback, fail.args));
  };

  const forward = (fn: BridgedFunctionName, rawArgs: unknown[]): string | Promise<number> | undefined => {
    const spec: { cookie: number } = BRIDGED_FUNCTIONS[fn];
    const args = [...rawArgs];
    const callID = fn === 'CRVideo_Call' ? newCallID() : undefined;
    let cookie: unknown;
    let ref: number | null = null;
    if (spec.cookie >= 0) {
      while (args.length <= spec.cookie) args.push(undefined);
      cookie = args[spec.cookie];
      ref = cookie === undefined ? null : cookies.put(cookie);
      args[spec.cookie] = ref;
    }
    const takeCookie = () => (ref === null ? undefined : cookies.take(ref));
    if (closed) {
      failLocally(fn, SdkErr.NOT_INIT, rawArgs, takeCookie(), callID);
    } else if (!JsonArgs.safeParse(args).success) {
      // Something the app passed cannot cross IPC (a function, a DOM node…): bad parameters, like the core says.
      failLocally(fn, SdkErr.MEETPARAM_ERR, rawArgs, takeCookie(), callID);
    } else {
      if (LOGINS[fn] !== undefined) loginAsked = true;
      // Calls wait for the page's hello, so a reloaded page's sign-in can join main's live session.
      void hello.then(() => {
        if (closed) return;
        if (fn === 'CRVideo_Logout') restored = null;
        const loginUID = LOGINS[fn] === undefined ? undefined : rawArgs[LOGINS[fn]];
        if (restored && loginUID === restored.UID) {
          const { UID, dnd } = restored;
          restored = null;
          log(`[bridge] ${fn}(${UID}): main is signed in already (the page reloaded)`);
          dispatch('CRVideo_LoginSuccess', [UID, takeCookie()]);
          if (dnd) dispatch('CRVideo_NotifyDNDStatus', [1]);
          return;
        }
        invoke();
        // The app's start-up call: its holders are set now; tell it it is signed in unless it asked to.
        if (fn === 'CRVideo_Init' && !loginAsked) announceRestored();
      });
    }
    if (fn === 'CRVideo_Call') return callID;
    // CloudRoom's Init returns a Promise (`CRVideo_Init().then(…)`).
    if (fn === 'CRVideo_Init') return Promise.resolve(SdkErr.NOERR);
    return undefined;

    function invoke(): void {
      bridge
        .invoke({ fn, args: args as JsonValue[], callID })
        .then((reply) => {
          if (reply.sdkErr !== SdkErr.NOERR) failLocally(fn, reply.sdkErr, rawArgs, takeCookie(), callID);
        })
        .catch((err: unknown) => {
          console.error(`[bridge] ${fn} failed`, err);
          failLocally(fn, SdkErr.INNER_ERR, rawArgs, takeCookie(), callID);
        });
    }
  };

  for (const fn of Object.keys(BRIDGED_FUNCTIONS) as BridgedFunctionName[]) {
    api[fn] = (...args: unknown[]) => forward(fn, args);
  }
  api.CRVideo_GetDevices = async (): Promise<CRVideoDevice[]> => (engine ? engine.getDevices() : []);
  api.CRVideo_SetDevice = async (kind: CRVideoDevice['kind'], deviceId: string): Promise<number> =>
    engine ? engine.setDevice(kind, deviceId) : SdkErr.MEETPARAM_ERR;
  api.CRVideo_GetSDKVersion = () => SDK_VERSION;
  api.CRVideo_WriteLog = (line: unknown) => log(`[app] ${String(line)}`);
  // Every other name of CloudRoom's reference exists too: what main does not offer here answers as
  // not supported (one log line), so an app never throws on a missing name.
  const notSupported = unsupportedFunctions(dispatch, (line) => log(`[bridge] ${line}`));
  for (const e of globalEntries()) {
    if (e.kind !== 'function' || e.name in api) continue;
    api[e.name] =
      notSupported[e.name] ??
      ((..._args: unknown[]) => {
        log(`[bridge] ${e.name} is not available in the desktop app (sdkErr ${NOT_SUPPORTED})`);
        return undefined;
      });
  }
  Object.assign(api, options.extraFunctions ?? {});
  // Same global semantics as the browser SDK (holders replaceable, bare functions accepted…).
  const uninstall = installGlobals(api as unknown as CRVideoAPI, target);
  Object.assign(target, CONSTANT_GLOBALS);
  // In the desktop app main rings for incoming calls (also while the window is hidden); the app should not.
  target.CRVideo_HostRingtone = true;

  const onCallback = (raw: unknown): void => {
    const parsed = CallbackEvent.safeParse(raw);
    if (!parsed.success) {
      log(`[bridge] malformed callback event dropped: ${parsed.error.message}`);
      return;
    }
    const { name, cookie } = parsed.data;
    const args: unknown[] = [...parsed.data.args];
    if (cookie) args[cookie.index] = cookie.ref === null ? undefined : cookies.take(cookie.ref);
    dispatch(name, args);
  };

  const onMediaCommand = (raw: unknown): void => {
    const parsed = MediaCommand.safeParse(raw);
    if (!parsed.success) {
      log(`[bridge] malformed media command dropped: ${parsed.error.message}`);
      return;
    }
    const cmd = parsed.data;
    if (!engine) return;
    try {
      switch (cmd.op) {
        case 'enter':
          myUID = cmd.myUID || myUID;
          engine
            .enter(cmd.meetID, cmd.members)
            .catch((err: unknown) => console.error('[bridge] media enter failed', err));
          break;
        case 'exit':
          engine.exit();
          break;
        case 'prepare':
          myUID = cmd.myUID || myUID;
          engine.prepare?.(cmd.callID, cmd.meetID);
          break;
        case 'unprepare':
          engine.unprepare?.(cmd.callID);
          break;
        case 'notification':
          engine.onNotification(cmd.name, cmd.data);
          break;
        case 'resumed':
          engine.onResumed();
          break;
        case 'openMic':
          engine.openMic();
          break;
        case 'closeMic':
          engine.closeMic();
          break;
        case 'openVideo':
          engine.openVideo();
          break;
        case 'closeVideo':
          engine.closeVideo();
          break;
        case 'close':
          engine.exit();
          break;
      }
    } catch (err) {
      console.error(`[bridge] media ${cmd.op} threw`, err);
    }
  };

  const state = new MirroredState();
  const onState = (raw: unknown): void => {
    if (!state.take(raw)) log('[bridge] malformed state snapshot dropped');
  };

  const onRingtone = (raw: unknown): void => {
    const parsed = RingtoneCommand.safeParse(raw);
    if (!parsed.success || !options.ringtone) return;
    if (parsed.data.playing) options.ringtone.start();
    else options.ringtone.stop();
  };

  const unsubscribe = [
    bridge.onCallback(onCallback),
    bridge.onMediaCommand(onMediaCommand),
    bridge.onRingtone(onRingtone),
    ...(bridge.onState ? [bridge.onState(onState)] : []),
  ];

  hello = bridge
    .hello()
    .then((raw) => {
      const reply = HelloReply.safeParse(raw);
      if (!reply.success) return;
      target.CRVideo_HostRingtone = reply.data.hostRingtone;
      if (reply.data.state) state.take(reply.data.state);
      const session = reply.data.session;
      if (!session) return;
      myUID = session.UID;
      // A sign-in the app asks for is answered from this session; else the app is told (once it listens).
      restored = session;
      if (!loginAsked && holders.get('CRVideo_NotifySessionRestored')?.callback) announceRestored();
    })
    .catch((err: unknown) => console.error('[bridge] hello failed', err));

  return {
    dispatch,
    state,
    close() {
      if (closed) return;
      closed = true;
      for (const off of unsubscribe) off();
      state.clear();
      options.ringtone?.stop();
      engine?.close();
      uninstall();
    },
  };
}
