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
  /** Extension: a third argument 207 when the call ended because a link was lost (network drop). */
  CRVideo_NotifyCallHungup: [callID: string, usrExtDat: string, sdkErr?: number];
  /** Alias holder of CRVideo_NotifyCallHungup. */
  CRVideo_NotifyCallHangup: [callID: string, usrExtDat: string, sdkErr?: number];
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
  /** CloudRoom's meaning: aSide 0 = the own microphone's stream, 1 = the mix of the others. */
  CRVideo_NotifyAudioStream: [aSide: number, stream: MediaStream];
  CRVideo_StopMeetingRslt: [sdkErr: number, cookie: unknown];
  CRVideo_UpdateTokenRslt: [sdkErr: number];
  CRVideo_NotifyNickNameChanged: [UID: string, oldName: string, newName: string];
  CRVideo_MicEnergyUpdate: [UID: string, oldLevel: number, newLevel: number];
  /** CloudRoom's SDK passes (errCode 8001/8002/8007, errDesc); its reference names only errDesc. */
  CRVideo_OpenMicFailed: [errCode: number, errDesc: string];
  CRVideo_OpenVideoFailed: [errCode: number, errDesc: string, camID: number];
  CRVideo_OpenVideoTimeout: [];
  CRVideo_VideoDevChanged: [UID: string];
  CRVideo_DefVideoChanged: [UID: string, videoID: number];
  /** Network score 0–10 (10 best) from the media transports' stats. */
  CRVideo_NetStateChanged: [score: number];
  CRVideo_PeerConnectionError: [errDesc: string];
  // ---- extensions (documented in README) ----
  /** Own call history: records of calls this user made or received, newest first. */
  CRVideo_GetCallRecordsRslt: [sdkErr: number, records: CallRecord[], cookie: unknown];
  /** Own DND changed on another device (or by this one): keeps switches in sync. */
  CRVideo_NotifyDNDStatus: [DNDStatus: number];
  /** The line dropped and the SDK is reconnecting (true) / the session resumed (false). */
  CRVideo_NotifyReconnecting: [reconnecting: boolean];
  /** The loudest member of the room changed. */
  CRVideo_NotifyActiveSpeaker: [UID: string];
  /** The simulcast / SVC layer received of a member's video changed (-1: none for now). */
  CRVideo_NotifyVideoLayer: [UID: string, spatialLayer: number, temporalLayer: number];
  /** Opening the own mic (808–810) or camera (8001 / 8002 / 8007) failed; its status went to 1. */
  CRVideo_NotifyDeviceError: [sdkErr: number, device: 'mic' | 'camera'];
  /** One member's audio (the SDK plays it itself): our per-member stream, beside CloudRoom's mix. */
  CRVideo_NotifyMemberAudioStream: [UID: string, stream: MediaStream];
  /** Desktop only: the app placed a call for the user (a `crvideo://call/UID` link); show it as outgoing. */
  CRVideo_NotifyCallOut: [callID: string, calledUID: string, meetObj: MeetObj, usrExtDat: string];
  /** Desktop only: the page (re)loaded while main's session is live; the app is signed in as UID. */
  CRVideo_NotifySessionRestored: [UID: string, DNDStatus: number];
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
  'CRVideo_StopMeetingRslt',
  'CRVideo_UpdateTokenRslt',
  'CRVideo_NotifyNickNameChanged',
  'CRVideo_MicEnergyUpdate',
  'CRVideo_OpenMicFailed',
  'CRVideo_OpenVideoFailed',
  'CRVideo_OpenVideoTimeout',
  'CRVideo_VideoDevChanged',
  'CRVideo_DefVideoChanged',
  'CRVideo_NetStateChanged',
  'CRVideo_PeerConnectionError',
  'CRVideo_NotifyMemberAudioStream',
  'CRVideo_GetCallRecordsRslt',
  'CRVideo_NotifyDNDStatus',
  'CRVideo_NotifyReconnecting',
  'CRVideo_NotifyActiveSpeaker',
  'CRVideo_NotifyVideoLayer',
  'CRVideo_NotifyDeviceError',
  'CRVideo_NotifyCallOut',
  'CRVideo_NotifySessionRestored',
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

/** `CRVideo_SDKParams` (CloudRoom's, accepted and logged) plus ours: `serverAddr`, `callWaiting`. */
export type SDKParams = {
  serverAddr?: string;
  /** Let a second call ring while in one (off by default, as in CloudRoom: such a caller gets 602). */
  callWaiting?: boolean;
  /** Upper bound of the camera's send bitrate, kbps (CloudRoom's default 2048). */
  videoSendBW?: number;
} & Record<string, unknown>;

/** `CRVideo_AudioCfg`. */
export interface AudioCfg {
  micID: number;
  speakerID: number;
  autoGainControl: boolean;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  micVolume: number;
}

/** `CRVideo_VideoCfg`: size 1–4 (360p, 480p, 720p, 1080p), fps, ratio 1–5, or width / height, maxbps (bps). */
export interface VideoCfg {
  size?: number;
  fps?: number;
  ratio?: number;
  aspectRatio?: number;
  width?: number;
  height?: number;
  maxbps?: number;
}

/** Every function of the API, with CloudRoom's argument order. */
export interface CRVideoFunctions {
  /** Resolves with 0; rejects with 8001–8007 when the browser cannot do media. */
  CRVideo_Init(params?: SDKParams): Promise<number>;
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
  CRVideo_SetSDKParams(params?: SDKParams): void;
  CRVideo_GetSDKVersion(): string;
  CRVideo_WriteLog(line: unknown): void;
  /** `(subject)` or CloudRoom's `({ meetSubject })`. */
  CRVideo_CreateMeeting(subject?: string | { meetSubject?: string }, cookie?: unknown): void;
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
  /** Without a list: the app's online users, one page (`{ page, limit }`, default page 1 of the server's size). */
  CRVideo_GetUserStatus(cookie?: unknown, page?: CRVideoPage): void;
  CRVideo_GetOneUserStatus(UID: string, cookie?: unknown): void;
  CRVideo_StartUserStatusNotify(cookie?: unknown): void;
  CRVideo_StopUserStatusNotify(cookie?: unknown): void;
  CRVideo_OpenMic(UID: string): void;
  CRVideo_CloseMic(UID: string): void;
  CRVideo_OpenVideo(UID: string): void;
  CRVideo_CloseVideo(UID: string): void;
  // ---- extensions ----
  /** One page of the own history, newest first (default `{ page: 1, limit: 50 }`). */
  CRVideo_GetCallRecords(cookie?: unknown, page?: CRVideoPage): void;
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

/** `CRVideo_MicInfoObj`, `CRVideo_SpeakerInfoObj`, `CRVideo_VideoInfoObj`. */
export interface MicInfo {
  micID: number;
  micName: string;
}
export interface SpeakerInfo {
  speakerID: number;
  speakerName: string;
}
export interface VideoInfo {
  UID: string;
  userID: string;
  videoID: number;
  videoName: string;
}

/** CloudRoom's functions beyond the call core: members, devices, configuration (sdk/h5/coreFunctions.ts). */
export interface CRVideoH5Functions {
  /** CloudRoom's older form: the password, UID and nickname are those of the login (accepted, not needed). */
  CRVideo_EnterMeeting(meetID: number, pswd?: string, UID?: string, nickname?: string, cookie?: unknown): void;
  /** Ends the room for everyone (DestroyMeeting); answers with StopMeetingRslt(sdkErr, cookie). */
  CRVideo_StopMeeting(meetID: number, cookie?: unknown): void;
  CRVideo_Kickout(UID: string): Promise<{ errCode: number; userID: string }>;
  CRVideo_GetAllMembers(): import('./Roster.js').MemberInfo[];
  CRVideo_GetMemberInfo(UID: string): import('./Roster.js').MemberInfo | Record<string, never>;
  CRVideo_GetMemberNickName(UID: string): string;
  CRVideo_IsUserInMeeting(UID: string): boolean;
  CRVideo_SetNickName(UID: string, newName: string): Promise<{ errCode: number; userID: string; newname: string }>;
  CRVideo_GetAudioStatus(UID: string): number;
  CRVideo_GetVideoStatus(UID: string): number;
  CRVideo_GetMicEnergy(UID: string): number;
  /** A video object (browser SDK); null where there is no DOM. */
  CRVideo_CreatVideoObj(params?: { poster?: string; style?: Record<string, string> }): unknown;
  CRVideo_GetAudioMicNames(): MicInfo[];
  CRVideo_GetAudioSpkNames(): SpeakerInfo[];
  CRVideo_GetAudioCfg(): AudioCfg;
  CRVideo_SetAudioCfg(cfg: Partial<AudioCfg>): void;
  CRVideo_SetAllAudioClose(): Promise<void>;
  CRVideo_PauseSpeaker(): void;
  CRVideo_PlaySpeaker(): void;
  CRVideo_GetVideoCfg(): VideoCfg;
  CRVideo_SetVideoCfg(cfg: VideoCfg): Promise<void>;
  CRVideo_GetAllVideoInfo(UID: string): VideoInfo[];
  CRVideo_GetDefaultVideo(UID: string): number;
  CRVideo_SetDefaultVideo(UID: string, videoID: number): void;
  CRVideo_GetOpenedVideoIDs(UID: string): number[];
}

export type CRVideoAPI = CRVideoFunctions & CRVideoH5Functions & CRVideoHolders;

/** Paging of list requests (extension): `page` counts from 1. */
export interface CRVideoPage {
  page?: number;
  limit?: number;
}
