import { CRVideoError, type RequestType, type ResponseData, SdkErr } from '../../protocol/index.js';
import type { CallbackName, CRVideoCallbacks, CRVideoFunctions, CRVideoH5Functions } from '../api.js';
import type { MediaEngine } from '../media/MediaEngine.js';
import type { Roster } from '../Roster.js';
import { toMeetID, toUID } from './coerce.js';

/** What the core lends these functions. */
export interface H5Context {
  fns: CRVideoFunctions;
  roster: Roster;
  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>>;
  emit<K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void;
  log(msg: string, extra?: unknown): void;
  media: MediaEngine | null;
  myUID(): string;
  inRoom(): number | null;
  ownStatus(kind: 'audio' | 'video'): number;
  badArgs(what: string, args: unknown, fail: (code: number) => void): void;
}

const AUDIO_DEFAULTS = {
  micID: 0,
  speakerID: 0,
  autoGainControl: true,
  echoCancellation: true,
  noiseSuppression: true,
  micVolume: 100,
};

/**
 * CloudRoom's functions beyond calls: the synchronous member getters (answered from the SDK's own copy
 * of the room), EnterMeeting / StopMeeting / Kickout / SetNickName, and the device and configuration
 * functions (answered by the media engine where there is one, with empty values otherwise).
 */
export function h5Functions(ctx: H5Context): CRVideoH5Functions {
  const { roster, media, log } = ctx;
  const h5 = () => media?.h5 ?? null;
  const isMe = (uid: unknown) => toUID(uid) === ctx.myUID() && ctx.myUID() !== '';
  const status = (kind: 'audio' | 'video', uid: unknown): number => {
    const u = toUID(uid);
    if (u === null) return 0;
    if (isMe(u)) return ctx.ownStatus(kind);
    const m = roster.get(u);
    return m ? (kind === 'audio' ? m.audioStatus : m.videoStatus) : 0;
  };
  /** A Promise-style room action: resolves `ok`, rejects `{ errCode, errDesc }`. */
  const roomAction = <T extends RequestType, R>(what: string, type: T, payload: unknown, ok: R): Promise<R> =>
    ctx.request(type, payload).then(
      () => ok,
      (err: unknown) => {
        const code = CRVideoError.codeOf(err);
        log(`${what} failed (sdkErr ${code})`);
        return Promise.reject({ errCode: code, errDesc: err instanceof Error ? err.message : String(err) });
      },
    );

  return {
    CRVideo_EnterMeeting(meetID, _pswd, _UID, _nickname, cookie) {
      ctx.fns.CRVideo_EnterMeeting3(meetID, cookie);
    },
    CRVideo_StopMeeting(rawID, cookie) {
      const id = toMeetID(rawID);
      if (id === null)
        return ctx.badArgs('StopMeeting', rawID, (code) => ctx.emit('CRVideo_StopMeetingRslt', code, cookie));
      ctx.request('destroyMeeting', { meetID: id }).then(
        () => {
          if (ctx.inRoom() === id) ctx.fns.CRVideo_ExitMeeting();
          ctx.emit('CRVideo_StopMeetingRslt', SdkErr.NOERR, cookie);
        },
        (err: unknown) => ctx.emit('CRVideo_StopMeetingRslt', CRVideoError.codeOf(err), cookie),
      );
    },
    CRVideo_Kickout(rawUID) {
      const uid = toUID(rawUID);
      if (uid === null) {
        log(`Kickout: bad UID ${String(rawUID)} (sdkErr 5)`);
        return Promise.reject({ errCode: SdkErr.MEETPARAM_ERR, errDesc: 'bad UID' });
      }
      return roomAction('Kickout', 'kickout', { UID: uid }, { errCode: 0, userID: uid });
    },
    CRVideo_GetAllMembers: () => roster.list(),
    CRVideo_GetMemberInfo(uid) {
      const u = toUID(uid);
      return (u !== null && roster.get(u)) || {};
    },
    CRVideo_GetMemberNickName(uid) {
      const u = toUID(uid);
      return (u !== null && roster.get(u)?.nickname) || '';
    },
    CRVideo_IsUserInMeeting(uid) {
      const u = toUID(uid);
      return u !== null && roster.has(u);
    },
    CRVideo_SetNickName(rawUID, newName) {
      const uid = toUID(rawUID);
      if (uid === null || typeof newName !== 'string' || newName.length > 128) {
        log(`SetNickName: bad arguments (sdkErr 5)`);
        return Promise.reject({ errCode: SdkErr.MEETPARAM_ERR, errDesc: 'bad arguments' });
      }
      return roomAction(
        'SetNickName',
        'setNickName',
        { UID: uid, nickname: newName },
        {
          errCode: 0,
          userID: uid,
          newname: newName,
        },
      );
    },
    CRVideo_GetAudioStatus: (uid) => status('audio', uid),
    CRVideo_GetVideoStatus: (uid) => status('video', uid),
    CRVideo_GetMicEnergy(uid) {
      const u = toUID(uid);
      return u === null ? 0 : roster.energy(u);
    },
    CRVideo_CreatVideoObj() {
      log('CreatVideoObj needs a browser page (the browser SDK provides it)');
      return null;
    },
    CRVideo_GetAudioMicNames: () => h5()?.micNames() ?? [],
    CRVideo_GetAudioSpkNames: () => h5()?.speakerNames() ?? [],
    CRVideo_GetAudioCfg: () => h5()?.getAudioCfg() ?? { ...AUDIO_DEFAULTS },
    CRVideo_SetAudioCfg(cfg) {
      if (typeof cfg !== 'object' || cfg === null) return log('SetAudioCfg: bad AudioCfg (sdkErr 5)');
      h5()?.setAudioCfg(cfg);
    },
    CRVideo_SetAllAudioClose() {
      // Only the own microphone can be closed from here; the others' stay as they are.
      if (ctx.ownStatus('audio') === 3 || ctx.ownStatus('audio') === 4) ctx.fns.CRVideo_CloseMic(ctx.myUID());
      return Promise.resolve();
    },
    CRVideo_PauseSpeaker: () => h5()?.setSpeakerPaused(true),
    CRVideo_PlaySpeaker: () => h5()?.setSpeakerPaused(false),
    CRVideo_GetVideoCfg: () => h5()?.getVideoCfg() ?? { size: 1, fps: 15, ratio: 1, width: 640, height: 360 },
    CRVideo_SetVideoCfg(cfg) {
      if (typeof cfg !== 'object' || cfg === null) {
        log('SetVideoCfg: bad VideoCfg (sdkErr 5)');
        return Promise.reject({ errCode: SdkErr.MEETPARAM_ERR, errDesc: 'bad VideoCfg' });
      }
      return h5()?.setVideoCfg(cfg) ?? Promise.resolve();
    },
    CRVideo_GetAllVideoInfo(uid) {
      const u = toUID(uid);
      if (u === null) return [];
      if (isMe(u)) return (h5()?.cameras() ?? []).map((c) => ({ UID: u, userID: u, ...c }));
      // Another member: their camera, when they have one (we receive one camera per member).
      const vs = status('video', u);
      return vs >= 2 ? [{ UID: u, userID: u, videoID: 1, videoName: 'camera' }] : [];
    },
    CRVideo_GetDefaultVideo(uid) {
      const u = toUID(uid);
      if (u === null) return 0;
      if (isMe(u)) return h5()?.defaultVideo() ?? 0;
      return status('video', u) >= 2 ? 1 : 0;
    },
    CRVideo_SetDefaultVideo(uid, videoID) {
      const id = Number(videoID);
      if (!isMe(uid)) return log(`SetDefaultVideo: only the own camera can be chosen here, got ${String(uid)}`);
      const m = h5();
      if (!m || !Number.isInteger(id)) return log(`SetDefaultVideo: bad videoID ${String(videoID)} (sdkErr 5)`);
      if (m.defaultVideo() === id) return;
      void m.setDefaultVideo(id).then((ok) => {
        if (!ok) return log(`SetDefaultVideo: no camera ${id} (sdkErr 5)`);
        ctx.emit('CRVideo_DefVideoChanged', ctx.myUID(), id);
      });
    },
    CRVideo_GetOpenedVideoIDs(uid) {
      const u = toUID(uid);
      if (u === null || status('video', u) !== 3) return [];
      return [isMe(u) ? (h5()?.defaultVideo() ?? 1) : 1];
    },
  };
}
