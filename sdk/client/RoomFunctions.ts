import { SdkErr } from '../../protocol/index.js';
import type { CRVideoFunctions } from '../api.js';
import { toMeetID, toSubject, toUID } from '../h5/coerce.js';
import type { MediaEngine } from '../media/MediaEngine.js';
import { badArgs, type ClientContext, run } from './ClientContext.js';

type RoomFunctionNames =
  | 'CRVideo_CreateMeeting'
  | 'CRVideo_CreateMeeting2'
  | 'CRVideo_DestroyMeeting'
  | 'CRVideo_EnterMeeting3'
  | 'CRVideo_ExitMeeting'
  | 'CRVideo_OpenMic'
  | 'CRVideo_CloseMic'
  | 'CRVideo_OpenVideo'
  | 'CRVideo_CloseVideo'
  | 'CRVideo_GetDevices'
  | 'CRVideo_SetDevice';

/** Leaves the room the client sits in: the SDK's copy of it and the room's media. */
export function leaveRoom(ctx: Pick<ClientContext, 'session' | 'roster' | 'state' | 'media' | 'log'>): void {
  ctx.session.meetID = null;
  ctx.roster.clear();
  ctx.state.update();
  try {
    ctx.media?.exit();
  } catch (err) {
    ctx.log('media exit failed', err);
  }
}

/** CloudRoom's room functions: create / destroy / enter / exit a room, the own mic and camera, devices. */
export function createRoomFunctions(ctx: ClientContext): Pick<CRVideoFunctions, RoomFunctionNames> {
  const { session: s, roster, log } = ctx;

  const ownMedia = (what: string, uid: string, fn: (m: MediaEngine) => void): void => {
    if (toUID(uid) !== s.UID)
      return log(`${what}: only the own UID (${s.UID}) can be opened or closed here, got ${uid}`);
    if (ctx.media) fn(ctx.media);
  };

  const fns: Pick<CRVideoFunctions, RoomFunctionNames> = {
    CRVideo_CreateMeeting(subject = '', cookie) {
      const text = toSubject(subject);
      if (text === null)
        return badArgs(ctx, 'CreateMeeting', subject, (code) => ctx.emit('CRVideo_CreateMeetingFail', code, cookie));
      run(
        ctx,
        'createMeeting',
        { subject: text },
        (d) => ctx.emit('CRVideo_CreateMeetingSuccess', d.meetObj, cookie),
        (code) => ctx.emit('CRVideo_CreateMeetingFail', code, cookie),
      );
    },
    CRVideo_CreateMeeting2(cookie) {
      fns.CRVideo_CreateMeeting('', cookie);
    },
    CRVideo_DestroyMeeting(rawID, cookie) {
      const id = toMeetID(rawID);
      if (id === null)
        return badArgs(ctx, 'DestroyMeeting', rawID, (code) => ctx.emit('CRVideo_DestroyMeetingRslt', code, cookie));
      run(
        ctx,
        'destroyMeeting',
        { meetID: id },
        () => {
          if (s.meetID === id) ctx.leaveRoom();
          ctx.emit('CRVideo_DestroyMeetingRslt', SdkErr.NOERR, cookie);
        },
        (code) => ctx.emit('CRVideo_DestroyMeetingRslt', code, cookie),
      );
    },
    CRVideo_EnterMeeting3(rawID, cookie) {
      const id = toMeetID(rawID);
      if (id === null)
        return badArgs(ctx, 'EnterMeeting3', rawID, (code) => ctx.emit('CRVideo_EnterMeetingRslt', code, cookie));
      run(
        ctx,
        'enterMeeting',
        { meetID: id },
        (d) => {
          if (s.meetID !== null && s.meetID !== d.meetObj.ID) ctx.leaveRoom();
          s.meetID = d.meetObj.ID;
          roster.reset([
            ...(d.memberInfo ?? [{ UID: s.UID, nickname: s.creds?.payload.nickname || s.UID }]),
            ...d.members.map((m) => ({ UID: m })),
          ]);
          roster.setStatus(s.UID, 'audio', s.own.audio);
          roster.setStatus(s.UID, 'video', s.own.video);
          // Media starts before the app hears of it, so an OpenMic in the callback finds it under way.
          ctx.media?.enter(d.meetObj.ID, d.members).catch((err: unknown) => log('media could not start', err));
          ctx.emit('CRVideo_EnterMeetingRslt', SdkErr.NOERR, cookie);
        },
        (code) => ctx.emit('CRVideo_EnterMeetingRslt', code, cookie),
      );
    },
    CRVideo_ExitMeeting() {
      if (s.meetID === null || s.loginState !== 'in') return;
      ctx.leaveRoom();
      ctx.request('exitMeeting', {}).catch((err: unknown) => log('ExitMeeting failed', err));
    },
    CRVideo_OpenMic: (uid) => ownMedia('OpenMic', uid, (m) => m.openMic()),
    CRVideo_CloseMic: (uid) => ownMedia('CloseMic', uid, (m) => m.closeMic()),
    CRVideo_OpenVideo: (uid) => ownMedia('OpenVideo', uid, (m) => m.openVideo()),
    CRVideo_CloseVideo: (uid) => ownMedia('CloseVideo', uid, (m) => m.closeVideo()),
    CRVideo_GetDevices: () => (ctx.media ? ctx.media.getDevices() : Promise.resolve([])),
    CRVideo_SetDevice: (kind, deviceId) =>
      ctx.media ? ctx.media.setDevice(kind, deviceId) : Promise.resolve(SdkErr.MEETPARAM_ERR),
  };
  return fns;
}
