import { CRVideoError, type RequestType, type ResponseData, SdkErr } from '../../protocol/index.js';
import type { CallbackName, CRVideoCallbacks, SDKParams } from '../api.js';
import type { CallLedger } from '../CallLedger.js';
import type { ClientState } from '../ClientState.js';
import type { Line } from '../Line.js';
import type { MediaEngine } from '../media/MediaEngine.js';
import type { Roster } from '../Roster.js';

/** The credentials of the current sign-in, kept to sign in again after a server restart. */
export type LoginKind =
  | { type: 'login'; payload: Record<string, string> }
  | { type: 'loginByToken'; payload: Record<string, string> };

/** One client's session as the SDK knows it: who is signed in, in which room, with which settings. */
export class ClientSession {
  serverAddr: string;
  initialized = true;
  loginState: 'out' | 'logging' | 'in' = 'out';
  UID = '';
  creds: LoginKind | null = null;
  meetID: number | null = null;
  /** Own DND as last confirmed (set again after a re-login). */
  dnd = 0;
  /** The app asked for status notifications (asked again after a re-login). */
  statusNotify = false;
  /** Own mic / camera statuses, known outside rooms too. */
  readonly own = { audio: 0, video: 0 };
  params: SDKParams = {};

  constructor(serverAddr: string) {
    this.serverAddr = serverAddr;
  }
}

/**
 * What the pieces of one client share (sign-in, calls, rooms, presence, notifications): the session,
 * the SDK's own copies of state, the line and the one way to fire a callback.
 */
export interface ClientContext {
  readonly session: ClientSession;
  readonly roster: Roster;
  readonly ledger: CallLedger;
  readonly state: ClientState;
  readonly line: Line;
  readonly media: MediaEngine | null;
  readonly requestTimeoutMs: number;
  log(msg: string, extra?: unknown): void;
  /** Fires a callback: to the SDK's own state first, then the app's holders, then the model's subscribers. */
  emit<K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void;
  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>>;
  /** Leaves the room the client sits in (its media too), if any. */
  leaveRoom(): void;
}

/** Runs `fn` after the current call returned (a result callback never fires inside the API call). */
export const later = (fn: () => void): void => void Promise.resolve().then(fn);

/** Runs a request and routes its outcome to a success or failure callback (signed-in only). */
export function run<T extends RequestType>(
  ctx: ClientContext,
  type: T,
  payload: unknown,
  ok: (data: ResponseData<T>) => void,
  fail: (code: number) => void,
): void {
  if (!ctx.session.initialized) return later(() => fail(SdkErr.NOT_INIT));
  if (ctx.session.loginState !== 'in') return later(() => fail(SdkErr.NOT_LOGIN));
  ctx.request(type, payload).then(ok, (err: unknown) => fail(CRVideoError.codeOf(err)));
}

/** Fails a call whose arguments make no sense: one log line, sdkErr 5 through its callback. */
export function badArgs(ctx: ClientContext, what: string, args: unknown, fail: (code: number) => void): void {
  ctx.log(`${what}: bad arguments ${safeJson(args)} (sdkErr ${SdkErr.MEETPARAM_ERR})`);
  later(() => fail(SdkErr.MEETPARAM_ERR));
}

/** JSON of what an app passed, for log lines (never throws). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
