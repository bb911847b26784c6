/**
 * Every name of CloudRoom's H5 API reference, section by section, and whether CRVideo Phone implements
 * it: the one list the SDK builds its not-supported answers from, the tests check the globals against,
 * and `npm run api-table` turns into the README's table.
 */

/** How a function outside this product's scope answers: through its own callback, a rejected Promise, or a value. */
export interface Unsupported {
  /** The Rslt / Fail callback that reports the failure. */
  cb?: string;
  /**
   * Its arguments: 'err' = the not-supported code, a number = that argument of the call (e.g. the cookie),
   * null / '' = a placeholder of the documented type.
   */
  args?: readonly ('err' | number | null | '')[];
  /** The documented return is a Promise: it rejects with `{ errCode, errDesc }`. */
  promise?: true;
  /** A synchronous getter's return: an empty value of the documented type. */
  returns?: unknown;
}

export interface ApiEntry {
  name: string;
  kind: 'function' | 'callback' | 'method';
  /** null when implemented; how it answers otherwise. */
  unsupported: Unsupported | null;
}

export interface ApiSection {
  id: string;
  title: string;
  entries: readonly ApiEntry[];
}

const fn = (name: string): ApiEntry => ({ name: `CRVideo_${name}`, kind: 'function', unsupported: null });
const cb = (name: string): ApiEntry => ({ name: `CRVideo_${name}`, kind: 'callback', unsupported: null });
const method = (name: string, supported = true): ApiEntry => ({
  name,
  kind: 'method',
  unsupported: supported ? null : {},
});
/** A function outside the product: answers through `how`. */
const no = (name: string, how: Unsupported = {}): ApiEntry => ({
  name: `CRVideo_${name}`,
  kind: 'function',
  unsupported: how,
});
/** A callback holder of a feature outside the product: exists, never fires. */
const noCb = (name: string): ApiEntry => ({ name: `CRVideo_${name}`, kind: 'callback', unsupported: {} });
const rslt = (callback: string, ...args: NonNullable<Unsupported['args']>): Unsupported => ({
  cb: `CRVideo_${callback}`,
  args,
});
const rejects: Unsupported = { promise: true };

export const H5_API: readonly ApiSection[] = [
  {
    id: 'basic',
    title: 'Basic functions',
    entries: [fn('GetSDKVersion'), fn('WriteLog'), fn('SetSDKParams')],
  },
  { id: 'init', title: 'Init / uninit', entries: [fn('Init'), fn('Uninit')] },
  {
    id: 'login',
    title: 'Login / logout / line off',
    entries: [
      fn('SetServerAddr'),
      fn('Login'),
      fn('LoginByToken'),
      fn('UpdateToken'),
      fn('Logout'),
      cb('LoginSuccess'),
      cb('LoginFail'),
      cb('NotifyTokenWillExpire'),
      cb('LineOff'),
    ],
  },
  {
    id: 'queue',
    title: 'Queues and seats',
    entries: [
      no('InitQueueDat', rslt('InitQueueDatRslt', 'err', 0)),
      no('GetAllQueueInfo', { returns: [] }),
      no('RefreshAllQueueStatus'),
      no('GetQueueStatus', rslt('GetQueueStatusRslt', null, 'err', 1)),
      no('GetQueuingInfo', { returns: null }),
      no('GetServingQueues', { returns: [] }),
      no('GetSessionInfo', { returns: null }),
      no('StartQueuing', rslt('StartQueuingRslt', 'err', 2)),
      no('StopQueuing', rslt('StopQueuingRslt', 'err', 0)),
      no('StartService', rslt('StartServiceRslt', 0, 'err', 2)),
      no('StopService', rslt('StopServiceRslt', 0, 'err', 1)),
      no('ReqAssignUser', rslt('ReqAssignUserRslt', 'err', null, 0)),
      no('AcceptAssignUser', rslt('ResponseAssignUserRslt', 'err', 2)),
      no('RejectAssignUser', rslt('ResponseAssignUserRslt', 'err', 2)),
      noCb('InitQueueDatRslt'),
      noCb('QueueStatusChanged'),
      noCb('GetQueueStatusRslt'),
      noCb('QueuingInfoChanged'),
      noCb('StartQueuingRslt'),
      noCb('StopQueuingRslt'),
      noCb('StartServiceRslt'),
      noCb('StopServiceRslt'),
      noCb('ResponseAssignUserRslt'),
      noCb('AutoAssignUser'),
      noCb('ReqAssignUserRslt'),
      noCb('CancelAssignUser'),
    ],
  },
  {
    id: 'call',
    title: 'Calls',
    entries: [
      fn('Call'),
      fn('AcceptCall'),
      fn('RejectCall'),
      fn('HangupCall'),
      fn('SetDNDStatus'),
      fn('GetUserStatus'),
      fn('GetOneUserStatus'),
      fn('StartUserStatusNotify'),
      fn('StopUserStatusNotify'),
      cb('CallSuccess'),
      cb('CallFail'),
      cb('AcceptCallSuccess'),
      cb('AcceptCallFail'),
      cb('RejectCallSuccess'),
      cb('RejectCallFail'),
      cb('HangupCallSuccess'),
      cb('HangupCallFail'),
      cb('NotifyCallIn'),
      cb('NotifyCallAccepted'),
      cb('NotifyCallRejected'),
      cb('NotifyCallHangup'),
      cb('SetDNDStatusSuccess'),
      cb('SetDNDStatusFail'),
      cb('GetUserStatusSuccess'),
      cb('GetUserStatusFail'),
      cb('StartUserStatusNotifyRslt'),
      cb('StopUserStatusNotifyRslt'),
      cb('NotifyUserStatus'),
    ],
  },
  {
    id: 'invite',
    title: 'Invitations',
    entries: [
      no('Invite', { ...rslt('InviteFail', '', 'err', 2), returns: '' }),
      no('AcceptInvite', rslt('AcceptInviteFail', 0, 'err', 2)),
      no('RejectInvite', rslt('RejectInviteFail', 0, 'err', 2)),
      no('CancelInvite', rslt('CancelInviteFail', 0, 'err', 2)),
      noCb('InviteSuccess'),
      noCb('InviteFail'),
      noCb('AcceptInviteSuccess'),
      noCb('AcceptInviteFail'),
      noCb('RejectInviteSuccess'),
      noCb('RejectInviteFail'),
      noCb('CancelInviteSuccess'),
      noCb('CancelInviteFail'),
      noCb('NotifyInviteIn'),
      noCb('NotifyInviteAccepted'),
      noCb('NotifyInviteRejected'),
      noCb('NotifyInviteCanceled'),
    ],
  },
  {
    id: 'room',
    title: 'Room management',
    entries: [
      fn('CreateMeeting2'),
      fn('DestroyMeeting'),
      cb('CreateMeetingSuccess'),
      cb('CreateMeetingFail'),
      cb('DestroyMeetingRslt'),
      cb('MeetingStopped'),
    ],
  },
  {
    id: 'room_in_out',
    title: 'Entering and leaving rooms',
    entries: [
      fn('EnterMeeting3'),
      fn('ExitMeeting'),
      fn('Kickout'),
      cb('EnterMeetingRslt'),
      cb('UserEnterMeeting'),
      cb('UserLeftMeeting'),
      cb('MeetingDropped'),
    ],
  },
  {
    id: 'room_basic_msg',
    title: 'Room basics (main video, pages, connection)',
    entries: [
      no('GetMainVideo', { returns: '' }),
      no('SetMainVideo'),
      no('SetMainVideoMode'),
      no('GetMainVideoMode', { returns: 0 }),
      no('SwitchToPage', rejects),
      no('GetCurrentMainPage', { returns: 0 }),
      no('GetCurrentSubPage', { returns: '0.0' }),
      noCb('NotifyMainVideoChanged'),
      noCb('NotifyMainVideoModeChanged'),
      noCb('NotifySwitchToPage'),
      cb('PeerConnectionError'),
      cb('NetStateChanged'),
    ],
  },
  {
    id: 'room_attr',
    title: 'Room and user attributes',
    entries: [
      no('GetMeetingAttrs', rslt('GetMeetingAttrsFail', 'err', 1)),
      no('GetMeetingAllAttrs', rslt('GetMeetingAllAttrsFail', 'err', 0)),
      no('SetMeetingAttrs', rslt('SetMeetingAttrsRslt', 'err', 2)),
      no('AddOrUpdateMeetingAttrs', rslt('AddOrUpdateMeetingAttrsRslt', 'err', 2)),
      no('DelMeetingAttrs', rslt('DelMeetingAttrsRslt', 'err', 2)),
      no('ClearMeetingAttrs', rslt('ClearMeetingAttrsRslt', 'err', 1)),
      no('GetUserAttrs', rslt('GetUserAttrsFail', 'err', 2)),
      no('SetUserAttrs', rslt('SetUserAttrsRslt', 'err', 3)),
      no('AddOrUpdateUserAttrs', rslt('AddOrUpdateUserAttrsRslt', 'err', 3)),
      no('DelUserAttrs', rslt('DelUserAttrsRslt', 'err', 3)),
      no('ClearUserAttrs', rslt('ClearUserAttrsRslt', 'err', 2)),
      no('ClearAllUserAttrs', rslt('ClearAllUserAttrsRslt', 'err', 1)),
      noCb('GetMeetingAttrsSuccess'),
      noCb('GetMeetingAttrsFail'),
      noCb('GetMeetingAllAttrsSuccess'),
      noCb('GetMeetingAllAttrsFail'),
      noCb('SetMeetingAttrsRslt'),
      noCb('AddOrUpdateMeetingAttrsRslt'),
      noCb('DelMeetingAttrsRslt'),
      noCb('ClearMeetingAttrsRslt'),
      noCb('GetUserAttrsSuccess'),
      noCb('GetUserAttrsFail'),
      noCb('SetUserAttrsRslt'),
      noCb('AddOrUpdateUserAttrsRslt'),
      noCb('DelUserAttrsRslt'),
      noCb('ClearUserAttrsRslt'),
      noCb('ClearAllUserAttrsRslt'),
      noCb('NotifyMeetingAttrsChanged'),
      noCb('NotifyUserAttrsChanged'),
    ],
  },
  {
    id: 'room_members',
    title: 'Room members',
    entries: [
      fn('GetAllMembers'),
      fn('GetMemberInfo'),
      fn('GetMemberNickName'),
      fn('IsUserInMeeting'),
      fn('SetNickName'),
      cb('NotifyNickNameChanged'),
    ],
  },
  {
    id: 'audio_set',
    title: 'Audio',
    entries: [
      fn('GetAudioMicNames'),
      fn('GetAudioSpkNames'),
      fn('SetAudioCfg'),
      fn('GetAudioCfg'),
      fn('GetMicEnergy'),
      fn('OpenMic'),
      fn('CloseMic'),
      fn('GetAudioStatus'),
      fn('SetAllAudioClose'),
      fn('PauseSpeaker'),
      fn('PlaySpeaker'),
      no('StartGetAudioPCM', { returns: 806 }),
      no('StopGetAudioPCM'),
      cb('AudioStatusChanged'),
      cb('MicEnergyUpdate'),
      cb('NotifyAudioStream'),
      cb('OpenMicFailed'),
      noCb('NotifyAudioPCMDat'),
    ],
  },
  {
    id: 'video_set',
    title: 'Video',
    entries: [
      fn('CreatVideoObj'),
      fn('GetVideoCfg'),
      fn('SetVideoCfg'),
      fn('GetVideoStatus'),
      fn('GetDefaultVideo'),
      fn('SetDefaultVideo'),
      fn('GetAllVideoInfo'),
      fn('GetOpenedVideoIDs'),
      fn('OpenVideo'),
      fn('CloseVideo'),
      no('SetEnableMutiVideo'),
      no('GetEnableMutiVideo', { returns: false }),
      no('AddStreamCam', { returns: 0 }),
      no('RemoveStreamVideo'),
      no('AddCanvasVCam', { returns: 0 }),
      no('RemoveCanvasVCam'),
      no('SetVirtualBackground', rejects),
      cb('VideoDevChanged'),
      cb('DefVideoChanged'),
      cb('VideoStatusChanged'),
      cb('NotifyVideoStream'),
      cb('OpenVideoFailed'),
      cb('OpenVideoTimeout'),
    ],
  },
  {
    id: 'screenShare',
    title: 'Screen share',
    entries: [
      no('CreatScreenShareObj', { returns: null }),
      no('SetScreenShareCfg'),
      no('StartScreenShare', rslt('StartScreenShareRslt', 'err')),
      no('StopScreenShare', rslt('StopScreenShareRslt', 'err')),
      no('StartScreenMark', rslt('StartScreenMarkRslt', 'err')),
      no('StopScreenMark', rslt('StopScreenMarkRslt', 'err')),
      noCb('StartScreenShareRslt'),
      noCb('StopScreenShareRslt'),
      noCb('StartScreenMarkRslt'),
      noCb('StopScreenMarkRslt'),
      noCb('NotifyScreenShareStarted'),
      noCb('NotifyScreenShareStopped'),
      noCb('NotifyScreenMarkStarted'),
      noCb('NotifyScreenMarkStopped'),
    ],
  },
  {
    id: 'mediaShare',
    title: 'Media file playback',
    entries: [
      no('CreatMediaObj', { returns: null }),
      no('StartPlayMedia', { returns: 806 }),
      no('PausePlayMedia'),
      no('StopPlayMedia'),
      no('SetMediaplaypos'),
      no('SetMediaVolume'),
      no('Getmediainfo', { returns: null }),
      no('GetMediaImg', { returns: '' }),
      noCb('NotifyMediaOpened'),
      noCb('NotifyMediaStart'),
      noCb('NotifyMediaStop'),
      noCb('NotifyMediaPause'),
      noCb('NotifyPlayPosSetted'),
    ],
  },
  {
    id: 'board',
    title: 'Whiteboard',
    entries: [
      no('Creatboard', rejects),
      no('Closeboard', rejects),
      no('SetBoardCurPageNo', rejects),
      no('CreateBoardUIObj', { returns: null }),
      noCb('NotifyInitBoards'),
      noCb('NotifyCreateBoard'),
      noCb('NotifyCloseBoard'),
      noCb('NotifyBoardCurPageNo'),
    ],
  },
  {
    id: 'svrRecorder',
    title: 'Cloud mixer: recording / live streaming',
    entries: [
      no('CreateCloudMixer', { ...rslt('CreateCloudMixerFailed', '', 'err'), returns: '' }),
      no('UpdateCloudMixerContent', rejects),
      no('DestroyCloudMixer', rejects),
      no('GetAllCloudMixerInfo', { returns: [] }),
      no('GetCloudMixerInfo', { returns: null }),
      noCb('CreateCloudMixerFailed'),
      noCb('CloudMixerStateChanged'),
      noCb('CloudMixerOutputInfoChanged'),
      noCb('CloudMixerInfoChanged'),
    ],
  },
  {
    id: 'videoUI',
    title: 'Video UI object (CRVideo_CreatVideoObj)',
    entries: [
      method('id'),
      method('height'),
      method('width'),
      method('left'),
      method('top'),
      method('show'),
      method('hide'),
      method('handler'),
      method('setVideo'),
      method('clear'),
      method('isPicEmpty'),
      method('setNickNameStyle'),
      method('setNickNameContent'),
      method('setVisibleNickName'),
      method('getVisibleNickName'),
      method('dblClickFullScreen'),
      method('savePic'),
      method('savePicToBase64'),
      method('getVideoID'),
      method('destroy'),
      method('ScreenShareObj.setVideo', false),
      method('ScreenShareObj.setMark', false),
      method('MediaObj.setVideo', false),
    ],
  },
  {
    id: 'boardUI',
    title: 'Whiteboard UI object',
    entries: [
      'handler',
      'setCurBoardPage',
      'isScaledContents',
      'setTitleStyle',
      'setBoardStyle',
      'setPen',
      'undo',
      'redo',
      'clear',
      'importImg',
      'getCanvasElement',
    ].map((m) => method(`BoardUIObj.${m}`, false)),
  },
  {
    id: 'cmd',
    title: 'Point-to-point messages (outside rooms)',
    entries: [
      no('SendCmd', { ...rslt('SendCmdRslt', '', 'err', 2), returns: '' }),
      no('SendBuffer', { ...rslt('SendBufferRslt', '', 'err', 2), returns: '' }),
      no('SendFile', { ...rslt('SendFileRslt', '', 'err', 2), returns: '' }),
      no('CancelSend'),
      noCb('SendCmdRslt'),
      noCb('SendBufferRslt'),
      noCb('SendFileRslt'),
      noCb('SendProgress'),
      noCb('NotifyCmdData'),
      noCb('NotifyBufferData'),
      noCb('NotifyFileData'),
    ],
  },
  {
    id: 'msg',
    title: 'Broadcast messages (in rooms)',
    entries: [
      no('SendMeetingCustomMsg', rslt('SendMeetingCustomMsgRslt', 'err', 1)),
      noCb('SendMeetingCustomMsgRslt'),
      noCb('NotifyMeetingCustomMsg'),
    ],
  },
];

/**
 * Names CloudRoom's shipped H5 SDK and its older (WebIE) reference have beside the H5 page, which real
 * apps and CloudRoom's own demo use. Implemented; not counted in the H5 percentage.
 */
export const CLOUDROOM_EXTRA: readonly ApiEntry[] = [
  fn('CreateMeeting'),
  fn('EnterMeeting'),
  fn('StopMeeting'),
  fn('HungupCall'),
  cb('StopMeetingRslt'),
  cb('NotifyCallHungup'),
  cb('UpdateTokenRslt'),
];

/** Every global function / holder name (the video-object methods are not globals). */
export function globalEntries(): ApiEntry[] {
  return [...H5_API.flatMap((s) => s.entries), ...CLOUDROOM_EXTRA].filter((e) => e.kind !== 'method');
}

/** Every callback holder name of CloudRoom's API, implemented or not. */
export function h5HolderNames(): string[] {
  return globalEntries()
    .filter((e) => e.kind === 'callback')
    .map((e) => e.name);
}
