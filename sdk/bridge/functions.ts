import { SdkErr } from '../../protocol/errors.js';
import type { CallbackName, CRVideoFunctions } from '../api.js';

/** The API functions the renderer forwards to the core in main (device choice stays with the renderer's media). */
export type BridgedFunctionName = Exclude<
  keyof CRVideoFunctions,
  'CRVideo_GetDevices' | 'CRVideo_SetDevice' | 'CRVideo_GetSDKVersion' | 'CRVideo_WriteLog'
>;

/**
 * How a function's failure is reported when the call never reaches the core (bad IPC payload, main gone):
 * through the same Fail / Rslt callback the core would use, so the app sees the same thing either way.
 * `err`: (sdkErr, cookie); `callID`: (callID, sdkErr, cookie); `records`: (sdkErr, [], cookie);
 * `result`: (sdkErr, null, cookie).
 */
export type FailShape = 'err' | 'callID' | 'records' | 'result';

export interface FunctionSpec {
  /** Index of the `cookie` argument, or -1 when the function takes none. */
  cookie: number;
  fail?: { callback: CallbackName; shape: FailShape };
  /** The callback reporting success (a `Rslt` one reports both: its sdkErr says which). */
  ok?: CallbackName;
}

const err = (callback: CallbackName) => ({ callback, shape: 'err' as const });
const byCall = (callback: CallbackName) => ({ callback, shape: 'callID' as const });

export const BRIDGED_FUNCTIONS = {
  CRVideo_Init: { cookie: -1 },
  CRVideo_Uninit: { cookie: -1 },
  CRVideo_SetSDKParams: { cookie: -1 },
  CRVideo_SetServerAddr: { cookie: -1 },
  CRVideo_Login: { cookie: 5, fail: err('CRVideo_LoginFail'), ok: 'CRVideo_LoginSuccess' },
  CRVideo_LoginByToken: { cookie: 4, fail: err('CRVideo_LoginFail'), ok: 'CRVideo_LoginSuccess' },
  CRVideo_UpdateToken: { cookie: -1 },
  CRVideo_Logout: { cookie: -1 },
  CRVideo_CreateMeeting: { cookie: 1, fail: err('CRVideo_CreateMeetingFail'), ok: 'CRVideo_CreateMeetingSuccess' },
  CRVideo_CreateMeeting2: { cookie: 0, fail: err('CRVideo_CreateMeetingFail'), ok: 'CRVideo_CreateMeetingSuccess' },
  CRVideo_DestroyMeeting: { cookie: 1, fail: err('CRVideo_DestroyMeetingRslt'), ok: 'CRVideo_DestroyMeetingRslt' },
  CRVideo_EnterMeeting3: { cookie: 1, fail: err('CRVideo_EnterMeetingRslt'), ok: 'CRVideo_EnterMeetingRslt' },
  CRVideo_ExitMeeting: { cookie: -1 },
  CRVideo_Call: { cookie: 3, fail: byCall('CRVideo_CallFail'), ok: 'CRVideo_CallSuccess' },
  CRVideo_AcceptCall: { cookie: 3, fail: byCall('CRVideo_AcceptCallFail'), ok: 'CRVideo_AcceptCallSuccess' },
  CRVideo_RejectCall: { cookie: 2, fail: byCall('CRVideo_RejectCallFail'), ok: 'CRVideo_RejectCallSuccess' },
  CRVideo_HungupCall: { cookie: 2, fail: byCall('CRVideo_HangupCallFail'), ok: 'CRVideo_HangupCallSuccess' },
  CRVideo_HangupCall: { cookie: 2, fail: byCall('CRVideo_HangupCallFail'), ok: 'CRVideo_HangupCallSuccess' },
  CRVideo_SetDNDStatus: { cookie: 1, fail: err('CRVideo_SetDNDStatusFail'), ok: 'CRVideo_SetDNDStatusSuccess' },
  CRVideo_GetUserStatus: { cookie: 0, fail: err('CRVideo_GetUserStatusFail'), ok: 'CRVideo_GetUserStatusSuccess' },
  CRVideo_GetOneUserStatus: { cookie: 1, fail: err('CRVideo_GetUserStatusFail'), ok: 'CRVideo_GetUserStatusSuccess' },
  CRVideo_StartUserStatusNotify: {
    cookie: 0,
    fail: err('CRVideo_StartUserStatusNotifyRslt'),
    ok: 'CRVideo_StartUserStatusNotifyRslt',
  },
  CRVideo_StopUserStatusNotify: {
    cookie: 0,
    fail: err('CRVideo_StopUserStatusNotifyRslt'),
    ok: 'CRVideo_StopUserStatusNotifyRslt',
  },
  CRVideo_OpenMic: { cookie: -1 },
  CRVideo_CloseMic: { cookie: -1 },
  CRVideo_OpenVideo: { cookie: -1 },
  CRVideo_CloseVideo: { cookie: -1 },
  CRVideo_GetCallRecords: {
    cookie: 0,
    fail: { callback: 'CRVideo_GetCallRecordsRslt', shape: 'records' },
    ok: 'CRVideo_GetCallRecordsRslt',
  },
  CRVideo_GetUserToken: {
    cookie: 3,
    fail: { callback: 'CRVideo_GetUserTokenRslt', shape: 'result' },
    ok: 'CRVideo_GetUserTokenRslt',
  },
  CRVideo_ChangePassword: { cookie: 2, fail: err('CRVideo_ChangePasswordRslt'), ok: 'CRVideo_ChangePasswordRslt' },
} as const satisfies Record<BridgedFunctionName, FunctionSpec>;

export const BRIDGED_FUNCTION_NAMES = Object.keys(BRIDGED_FUNCTIONS) as [BridgedFunctionName, ...BridgedFunctionName[]];

/**
 * Result callbacks whose last argument is the cookie of the call that caused them. Main swaps a
 * renderer's cookie for its ref on the way out; the renderer swaps it back.
 */
export const COOKIE_CALLBACKS: ReadonlySet<CallbackName> = new Set<CallbackName>([
  'CRVideo_LoginSuccess',
  'CRVideo_LoginFail',
  'CRVideo_CreateMeetingSuccess',
  'CRVideo_CreateMeetingFail',
  'CRVideo_DestroyMeetingRslt',
  'CRVideo_EnterMeetingRslt',
  'CRVideo_CallSuccess',
  'CRVideo_CallFail',
  'CRVideo_AcceptCallSuccess',
  'CRVideo_AcceptCallFail',
  'CRVideo_RejectCallSuccess',
  'CRVideo_RejectCallFail',
  'CRVideo_HangupCallSuccess',
  'CRVideo_HangupCallFail',
  'CRVideo_SetDNDStatusSuccess',
  'CRVideo_SetDNDStatusFail',
  'CRVideo_GetUserStatusSuccess',
  'CRVideo_GetUserStatusFail',
  'CRVideo_StartUserStatusNotifyRslt',
  'CRVideo_StopUserStatusNotifyRslt',
  'CRVideo_GetCallRecordsRslt',
  'CRVideo_GetUserTokenRslt',
  'CRVideo_ChangePasswordRslt',
]);

/**
 * Whether `callback` answers a call of `fn`, and with which sdkErr (0: success), from the function's
 * declared result callbacks: null when it is not one of them.
 */
export function resultOf(fn: BridgedFunctionName, callback: CallbackName, args: readonly unknown[]): number | null {
  const spec: FunctionSpec = BRIDGED_FUNCTIONS[fn];
  const codeAt = spec.fail?.shape === 'callID' ? 1 : 0;
  const code = typeof args[codeAt] === 'number' ? (args[codeAt] as number) : null;
  if (callback === spec.fail?.callback) {
    // A Rslt callback is the success one too: its sdkErr says which.
    if (callback === spec.ok) return code ?? SdkErr.NOERR;
    return code !== null && code !== SdkErr.NOERR ? code : SdkErr.UNKNOWERR;
  }
  if (callback === spec.ok) return SdkErr.NOERR;
  return null;
}

/** The arguments of the Fail / Rslt callback reporting `sdkErr` for a call that never reached the core. */
export function failArgs(
  fn: BridgedFunctionName,
  sdkErr: number,
  args: readonly unknown[],
  cookie: unknown,
  callID?: string,
): { callback: CallbackName; args: unknown[] } | null {
  const spec: FunctionSpec = BRIDGED_FUNCTIONS[fn];
  if (!spec.fail) return null;
  const { callback, shape } = spec.fail;
  if (shape === 'callID') return { callback, args: [callID ?? args[0], sdkErr, cookie] };
  if (shape === 'records') return { callback, args: [sdkErr, [], cookie] };
  if (shape === 'result') return { callback, args: [sdkErr, null, cookie] };
  return { callback, args: [sdkErr, cookie] };
}

/**
 * Desktop-only extension callbacks (besides those of sdk/api.ts), fired by main through the bridge.
 * `CRVideo_NotifyCallOut(callID, calledUID, meetObj, usrExtDat)`: the desktop placed a call on the user's
 * behalf (a `crvideo://call/UID` link): show it as an outgoing call; its CallSuccess / CallFail and the
 * other party's answer follow as for a call the app placed itself.
 */
export const DESKTOP_CALLBACK_NAMES = ['CRVideo_NotifyCallOut', 'CRVideo_NotifySessionRestored'] as const;
export type DesktopCallbackName = (typeof DESKTOP_CALLBACK_NAMES)[number];
