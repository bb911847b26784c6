import type { CallRecord, MeetObj, ResponseData, UserStatus } from '../protocol/index.js';

/** A user token issued by the server (extension `CRVideo_GetUserToken`). */
export type UserTokenResult = ResponseData<'issueUserToken'>;

/**
 * A callback holder, as CloudRoom's H5 SDK has them: the app assigns `.callback` (or, as the seed's
 * example does, `.call`) and the SDK calls it. A holder with nothing assigned is simply not called.
 */
export interface CallbackHolder<A extends unknown[]> {
  callback: ((...args: A) => void) | null;
  call?: unknown;
}

/** Names and argument lists of every callback holder of the API (and our documented extensions). */
export interface CRVideoCallbacks {
  CRVideo_LoginSuccess: [UID: string, cookie: unknown];
  CRVideo_LoginFail: [sdkErr: number, cookie: unknown];
  CRVideo_NotifyTokenWillExpire: [];
  CRVideo_LineOff: [sdkErr: number];
  CRVideo_CreateMeetingSuccess: [meetObj: MeetObj, cookie: unknown];
  CRVideo_CreateMeetingFail: [sdkErr: number, cookie: unknown];
  CRVideo_DestroyMeetingRslt: [sdkErr: number, cookie: unknown];
  CRVideo_EnterMeetingRslt: [sdkErr: number, cookie: unknown];
  CRVideo_UserEnterMeeting: [UID: string];
  CRVideo_UserLeftMeeting: [UID: string];
  CRVideo_MeetingDropped: [reason: number];
  CRVideo_MeetingStopped: [];
  CRVideo_CallSuccess: [callID: string, cookie: unknown];
  CRVideo_CallFail: [callID: string, sdkErr: number, cookie: unknown];
  CRVideo_NotifyCallIn: [callID: string, meetObj: MeetObj, callerID: string, usrExtDat: string];
  CRVideo_AcceptCallSuccess: [callID: string, cookie: unknown];
  CRVideo_AcceptCallFail: [callID: string, sdkErr: number, cookie: unknown];
  CRVideo_NotifyCallAccepted: [callID: string, meetObj: MeetObj, usrExtDat: string];
  CRVideo_RejectCallSuccess: [callID: string, cookie: unknown];
  CRVideo_RejectCallFail: [callID: string, sdkErr: number, cookie: unknown];
  CRVideo_NotifyCallRejected: [callID: string, sdkErr: number, usrExtDat: string];
  CRVideo_HangupCallSuccess: [callID: string, cookie: unknown];
  CRVideo_HangupCallFail: [callID: string, sdkErr: number, cookie: unknown];
  CRVideo_NotifyCallHungup: [callID: string, usrExtDat: string];
  /** Alias holder of CRVideo_NotifyCallHungup. */
  CRVideo_NotifyCallHangup: [callID: string, usrExtDat: string];
  CRVideo_SetDNDStatusSuccess: [cookie: unknown];
  CRVideo_SetDNDStatusFail: [sdkErr: number, cookie: unknown];
  CRVideo_GetUserStatusSuccess: [userStatusArr: UserStatus[], cookie: unknown];
  CRVideo_GetUserStatusFail: [sdkErr: number, cookie: unknown];
  CRVideo_StartUserStatusNotifyRslt: [sdkErr: number, cookie: unknown];
  CRVideo_StopUserStatusNotifyRslt: [sdkErr: number, cookie: unknown];
  CRVideo_NotifyUserStatus: [status: UserStatus];
  CRVideo_AudioStatusChanged: [UID: string, oldStatus: number, newStatus: number];
  CRVideo_VideoStatusChanged: [UID: string, oldStatus: number, newStatus: number];
  CRVideo_NotifyVideoStream: [UID: string, stream: MediaStream];
  CRVideo_NotifyAudioStream: [UID: string, stream: MediaStream];
  // ---- extensions (documented in README) ----
  /** Own call history: records of calls this user made or received, newest first. */
  CRVideo_GetCallRecordsRslt: [sdkErr: number, records: CallRecord[], cookie: unknown];
  /** Own DND changed on another device (or by this one): keeps switches in sync. */
  CRVideo_NotifyDNDStatus: [DNDStatus: number];
  /** The line dropped and the SDK is reconnecting (true) / the session resumed (false). */
  CRVideo_NotifyReconnecting: [reconnecting: boolean];
  /** The loudest member of the room changed. */
  CRVideo_NotifyActiveSpeaker: [UID: string];
  /** Opening the own mic or camera failed (808–813); its status went to 1. */
  CRVideo_NotifyDeviceError: [sdkErr: number, device: 'mic' | 'camera'];
  /** Desktop only: the app placed a call for the user (a `crvideo://call/UID` link); show it as outgoing. */
  CRVideo_NotifyCallOut: [callID: string, calledUID: string, meetObj: MeetObj, usrExtDat: string];
  /** A user token for `CRVideo_LoginByToken` / `CRVideo_UpdateToken` (null on failure: 14, 16, 17, 20). */
  CRVideo_GetUserTokenRslt: [sdkErr: number, result: UserTokenResult | null, cookie: unknown];
  /** The own password changed (0) or not (15 no accounts on this server, 17 wrong old password, 5 too short). */
  CRVideo_ChangePasswordRslt: [sdkErr: number, cookie: unknown];
}

export type CallbackName = keyof CRVideoCallbacks;

/** Every callback holder name, in one list (the browser globals and the Electron bridge use it). */
export const CALLBACK_NAMES = [
  'CRVideo_LoginSuccess',
  'CRVideo_LoginFail',
  'CRVideo_NotifyTokenWillExpire',
  'CRVideo_LineOff',
  'CRVideo_CreateMeetingSuccess',
  'CRVideo_CreateMeetingFail',
  'CRVideo_DestroyMeetingRslt',
  'CRVideo_EnterMeetingRslt',
  'CRVideo_UserEnterMeeting',
  'CRVideo_UserLeftMeeting',
  'CRVideo_MeetingDropped',
  'CRVideo_MeetingStopped',
  'CRVideo_CallSuccess',
  'CRVideo_CallFail',
  'CRVideo_NotifyCallIn',
  'CRVideo_AcceptCallSuccess',
  'CRVideo_AcceptCallFail',
  'CRVideo_NotifyCallAccepted',
  'CRVideo_RejectCallSuccess',
  'CRVideo_RejectCallFail',
  'CRVideo_NotifyCallRejected',
  'CRVideo_HangupCallSuccess',
  'CRVideo_HangupCallFail',
  'CRVideo_NotifyCallHungup',
  'CRVideo_NotifyCallHangup',
  'CRVideo_SetDNDStatusSuccess',
  'CRVideo_SetDNDStatusFail',
  'CRVideo_GetUserStatusSuccess',
  'CRVideo_GetUserStatusFail',
  'CRVideo_StartUserStatusNotifyRslt',
  'CRVideo_StopUserStatusNotifyRslt',
  'CRVideo_NotifyUserStatus',
  'CRVideo_AudioStatusChanged',
  'CRVideo_VideoStatusChanged',
  'CRVideo_NotifyVideoStream',
  'CRVideo_NotifyAudioStream',
  'CRVideo_GetCallRecordsRslt',
  'CRVideo_NotifyDNDStatus',
  'CRVideo_NotifyReconnecting',
  'CRVideo_NotifyActiveSpeaker',
  'CRVideo_NotifyDeviceError',
  'CRVideo_NotifyCallOut',
  'CRVideo_GetUserTokenRslt',
  'CRVideo_ChangePasswordRslt',
] as const satisfies readonly CallbackName[];

export type CRVideoHolders = { [K in CallbackName]: CallbackHolder<CRVideoCallbacks[K]> };

/** Media device as listed by the device-choice extension. */
export interface CRVideoDevice {
  deviceId: string;
  label: string;
  kind: 'audioinput' | 'videoinput' | 'audiooutput';
}

/** Every function of the API, with CloudRoom's argument order. */
export interface CRVideoFunctions {
  CRVideo_Init(params?: { serverAddr?: string } & Record<string, unknown>): number;
  CRVideo_Uninit(): void;
  CRVideo_SetServerAddr(addr: string): void;
  CRVideo_Login(
    appID: string,
    md5AppSecret: string,
    nickname: string,
    UID: string,
    userAuthCode?: string,
    cookie?: unknown,
  ): void;
  CRVideo_LoginByToken(token: string, nickname: string, UID: string, userAuthCode?: string, cookie?: unknown): void;
  CRVideo_UpdateToken(token: string): void;
  CRVideo_Logout(): void;
  CRVideo_CreateMeeting(subject?: string, cookie?: unknown): void;
  CRVideo_CreateMeeting2(cookie?: unknown): void;
  CRVideo_DestroyMeeting(meetID: number, cookie?: unknown): void;
  CRVideo_EnterMeeting3(meetID: number, cookie?: unknown): void;
  CRVideo_ExitMeeting(): void;
  /** Returns the new callID at once. */
  CRVideo_Call(
    calledUID: string,
    meetObj: Partial<MeetObj> & { ID: number },
    usrExtDat?: string,
    cookie?: unknown,
  ): string;
  CRVideo_AcceptCall(callID: string, meetObj?: unknown, usrExtDat?: string, cookie?: unknown): void;
  CRVideo_RejectCall(callID: string, usrExtDat?: string, cookie?: unknown): void;
  CRVideo_HungupCall(callID: string, usrExtDat?: string, cookie?: unknown): void;
  CRVideo_HangupCall(callID: string, usrExtDat?: string, cookie?: unknown): void;
  CRVideo_SetDNDStatus(DNDStatus: number, cookie?: unknown): void;
  CRVideo_GetUserStatus(cookie?: unknown): void;
  CRVideo_GetOneUserStatus(UID: string, cookie?: unknown): void;
  CRVideo_StartUserStatusNotify(cookie?: unknown): void;
  CRVideo_StopUserStatusNotify(cookie?: unknown): void;
  CRVideo_OpenMic(UID: string): void;
  CRVideo_CloseMic(UID: string): void;
  CRVideo_OpenVideo(UID: string): void;
  CRVideo_CloseVideo(UID: string): void;
  // ---- extensions ----
  CRVideo_GetCallRecords(cookie?: unknown): void;
  /**
   * Asks the server for a short-lived user token: `secret` is the password (or the customer's code),
   * or with `{ refreshToken }` a refresh credential from an earlier result. → CRVideo_GetUserTokenRslt.
   */
  CRVideo_GetUserToken(
    UID: string,
    secret: string | { refreshToken: string },
    options?: { appID?: string } | null,
    cookie?: unknown,
  ): void;
  /** The logged-in user changes their own password. → CRVideo_ChangePasswordRslt. */
  CRVideo_ChangePassword(oldPassword: string, newPassword: string, cookie?: unknown): void;
  /** Lists media devices (labels once permission was granted). */
  CRVideo_GetDevices(): Promise<CRVideoDevice[]>;
  /** Selects a device by kind; mid-call switches replace the track without renegotiating. Resolves to sdkErr. */
  CRVideo_SetDevice(kind: CRVideoDevice['kind'], deviceId: string): Promise<number>;
}

export type CRVideoAPI = CRVideoFunctions & CRVideoHolders;
