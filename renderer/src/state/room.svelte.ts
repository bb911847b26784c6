import { SvelteMap } from 'svelte/reactivity';
import { SdkErr } from '../../../protocol/errors.js';
import type { MeetObj } from '../../../protocol/schemas.js';
import { LevelMeter } from '../lib/audio.js';
import { cookie, crv, extensions, on } from '../lib/crvideo.js';
import type { Session } from './session.svelte.js';

/** CRVideo mic / camera statuses. */
export const MediaStatus = { UNKNOWN: 0, NO_DEVICE: 1, CLOSED: 2, OPEN: 3, OPENING: 4 } as const;

/** One person in the room, as the tiles show them. */
export class Member {
  readonly UID: string;
  /** Seen in the room (entered, or any media event); false while we still wait for a called peer. */
  present = $state(false);
  audio = $state<number>(MediaStatus.UNKNOWN);
  video = $state<number>(MediaStatus.UNKNOWN);
  videoStream = $state.raw<MediaStream | null>(null);
  audioStream = $state.raw<MediaStream | null>(null);
  /** Remote video frames per second, measured by the tile (drives the network indicator). */
  fps = $state<number | null>(null);
  meter: LevelMeter | null = null;

  constructor(UID: string) {
    this.UID = UID;
  }
}

export type RoomPhase = 'idle' | 'entering' | 'in' | 'dropped';
export type NetQuality = 'good' | 'fair' | 'poor' | 'reconnecting';

const SPEAKING_LEVEL = 0.06;
const SPEAKER_HOLD_MS = 1200;

/**
 * The room the user sits in: members, their streams and mic / camera states, the active speaker, the
 * call timer and the network indicator. Fed by EnterMeetingRslt, User{Enter,Left}Meeting, the
 * {Audio,Video}StatusChanged notifications and Notify{Video,Audio}Stream.
 */
export class Room {
  /** What this store works with (passed in by state/stores.ts). */
  readonly #d: { session: Session };

  phase = $state<RoomPhase>('idle');
  meetObj = $state.raw<MeetObj | null>(null);
  readonly members = new SvelteMap<string, Member>();
  enteredAt = $state<number | null>(null);
  speaker = $state<string | null>(null);
  /** The last enter failure or media problem (sdkErr), for the UI to show. */
  error = $state<number | null>(null);

  #cookie = '';
  #levelTimer: ReturnType<typeof setInterval> | null = null;
  #speakerSince = 0;
  #reenterTimer: ReturnType<typeof setTimeout> | null = null;
  #onResult: ((sdkErr: number) => void) | null = null;
  /** Quality 0…5 from the SDK's CRVideo_GetMediaStats extension once its transports are connected. */
  #statsQuality = $state<number | null>(null);
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  /** True once the SDK reported an active speaker itself (then the local level meters only fill in). */
  #sdkSpeaker = false;

  readonly me = $derived.by(() => this.members.get(this.#d.session.UID) ?? null);
  readonly muted = $derived(
    this.me ? this.me.audio !== MediaStatus.OPEN && this.me.audio !== MediaStatus.OPENING : true,
  );
  readonly cameraOff = $derived(
    this.me ? this.me.video !== MediaStatus.OPEN && this.me.video !== MediaStatus.OPENING : true,
  );

  /**
   * Network indicator: reconnecting from the line state; otherwise the SDK's transport quality
   * (CRVideo_GetMediaStats, loss and round-trip time) when available, else the frame rate of remote video.
   */
  readonly quality = $derived.by((): NetQuality => {
    if (this.#d.session.reconnecting || this.phase === 'dropped') return 'reconnecting';
    const q = this.#statsQuality;
    if (q !== null) return q >= 4 ? 'good' : q === 3 ? 'fair' : 'poor';
    let worst: number | null = null;
    for (const m of this.members.values()) {
      if (m.UID === this.#d.session.UID || m.video !== MediaStatus.OPEN || m.fps === null) continue;
      worst = worst === null ? m.fps : Math.min(worst, m.fps);
    }
    if (worst === null || worst >= 12) return 'good';
    return worst >= 5 ? 'fair' : 'poor';
  });

  constructor(deps: { session: Session }) {
    this.#d = deps;
    on('CRVideo_EnterMeetingRslt', (code, c) => {
      if (c !== this.#cookie) return;
      const done = this.#onResult;
      this.#onResult = null;
      if (code !== SdkErr.NOERR) {
        console.warn(`[ui] enter meeting failed meetID=${this.meetObj?.ID} sdkErr=${code}`);
        this.error = code;
        done?.(code);
        return;
      }
      console.info(`[ui] in room meetID=${this.meetObj?.ID}`);
      this.phase = 'in';
      this.enteredAt ??= Date.now();
      this.error = null;
      this.#member(this.#d.session.UID).present = true;
      const api = crv();
      api.CRVideo_OpenMic(this.#d.session.UID);
      api.CRVideo_OpenVideo(this.#d.session.UID);
      done?.(0);
    });
    on('CRVideo_UserEnterMeeting', (UID) => {
      if (this.phase !== 'idle') this.#member(UID).present = true;
    });
    on('CRVideo_UserLeftMeeting', (UID) => {
      const m = this.members.get(UID);
      if (!m || UID === this.#d.session.UID) return;
      m.meter?.close();
      this.members.delete(UID);
    });
    on('CRVideo_AudioStatusChanged', (UID, _old, status) => {
      if (this.phase === 'idle') return;
      const m = this.#member(UID);
      m.present = true;
      m.audio = status;
    });
    on('CRVideo_VideoStatusChanged', (UID, _old, status) => {
      if (this.phase === 'idle') return;
      const m = this.#member(UID);
      m.present = true;
      m.video = status;
    });
    on('CRVideo_NotifyVideoStream', (UID, stream) => {
      if (this.phase === 'idle') return;
      const m = this.#member(UID);
      m.present = true;
      m.videoStream = stream;
    });
    on('CRVideo_NotifyMemberAudioStream', (UID, stream) => {
      if (this.phase === 'idle') return;
      const m = this.#member(UID);
      m.present = true;
      m.audioStream = stream;
      m.meter?.close();
      try {
        m.meter = new LevelMeter(stream);
      } catch {
        m.meter = null;
      }
    });
    on('CRVideo_EnterMeetingRslt', () => this.#hookExtensions());
    // The server's pick of the loudest member; until one arrives the local level meters decide.
    on('CRVideo_NotifyActiveSpeaker', (UID) => {
      if (this.phase === 'idle') return;
      this.#sdkSpeaker = true;
      this.speaker = UID || null;
    });
    on('CRVideo_NotifyDeviceError', (code, device) => {
      if (this.phase === 'idle') return;
      console.warn(`[ui] own ${device} failed sdkErr=${code}`);
      this.error = code;
    });
    on('CRVideo_MeetingDropped', (reason) => {
      if (this.phase === 'idle' || !this.meetObj) return;
      console.warn(`[ui] dropped from room meetID=${this.meetObj.ID} reason=${reason}`);
      this.phase = 'dropped';
      this.#clearMedia();
      const ID = this.meetObj.ID;
      this.#reenterTimer = setTimeout(() => {
        this.#reenterTimer = null;
        if (this.phase === 'dropped' && this.meetObj?.ID === ID) this.#enter(ID);
      }, 1000);
    });
  }

  #hookExtensions(): void {
    const ext = extensions();
    const getStats = ext.CRVideo_GetMediaStats;
    if (getStats && !this.#statsTimer && this.phase !== 'idle') {
      const poll = async () => {
        try {
          const r = await getStats();
          if (this.phase === 'in') this.#statsQuality = r?.connected ? r.quality : null;
        } catch {
          this.#statsQuality = null;
        }
      };
      this.#statsTimer = setInterval(() => void poll(), 2000);
      void poll();
    }
  }

  /** Enters a call's room; `done(sdkErr)` fires with EnterMeetingRslt. `peers` get tiles at once. */
  enter(meetObj: MeetObj, peers: string[], done: (sdkErr: number) => void): void {
    this.leave();
    this.meetObj = meetObj;
    this.#member(this.#d.session.UID).present = true;
    for (const p of peers) this.#member(p);
    this.#onResult = done;
    this.#enter(meetObj.ID);
    this.#levelTimer = setInterval(() => this.#pickSpeaker(), 150);
  }

  /** Someone was called into this room: show their tile as "waiting" until they arrive. */
  expect(UID: string): void {
    if (this.phase !== 'idle') this.#member(UID);
  }

  /** Drops the tile of someone who will not come (their call ended before they entered). */
  forget(UID: string): void {
    const m = this.members.get(UID);
    if (m && !m.present) this.members.delete(UID);
  }

  /** Exits the room (if in one) and releases everything. Safe to call twice. */
  leave(): void {
    if (this.#reenterTimer) clearTimeout(this.#reenterTimer);
    this.#reenterTimer = null;
    if (this.#levelTimer) clearInterval(this.#levelTimer);
    this.#levelTimer = null;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = null;
    this.#statsQuality = null;
    this.#sdkSpeaker = false;
    if (this.phase !== 'idle') {
      console.info(`[ui] leaving room meetID=${this.meetObj?.ID}`);
      if (this.#d.session.phase === 'signedIn') crv().CRVideo_ExitMeeting();
    }
    this.#clearMedia();
    this.members.clear();
    this.phase = 'idle';
    this.meetObj = null;
    this.enteredAt = null;
    this.speaker = null;
    this.error = null;
    this.#onResult = null;
  }

  toggleMic(): void {
    const api = crv();
    if (this.muted) api.CRVideo_OpenMic(this.#d.session.UID);
    else api.CRVideo_CloseMic(this.#d.session.UID);
  }

  toggleCamera(): void {
    const api = crv();
    if (this.cameraOff) api.CRVideo_OpenVideo(this.#d.session.UID);
    else api.CRVideo_CloseVideo(this.#d.session.UID);
  }

  #enter(meetID: number): void {
    this.phase = 'entering';
    this.#cookie = cookie('enter');
    console.info(`[ui] entering room meetID=${meetID}`);
    crv().CRVideo_EnterMeeting3(meetID, this.#cookie);
  }

  #member(UID: string): Member {
    let m = this.members.get(UID);
    if (!m) {
      m = new Member(UID);
      this.members.set(UID, m);
    }
    return m;
  }

  #clearMedia(): void {
    for (const m of this.members.values()) {
      m.meter?.close();
      m.meter = null;
      m.videoStream = null;
      m.audioStream = null;
      m.fps = null;
    }
  }

  #pickSpeaker(): void {
    if (this.#sdkSpeaker) return;
    let best: string | null = null;
    let bestLevel = SPEAKING_LEVEL;
    for (const m of this.members.values()) {
      if (!m.meter || m.audio !== MediaStatus.OPEN) continue;
      const level = m.meter.level();
      if (level > bestLevel) {
        best = m.UID;
        bestLevel = level;
      }
    }
    const now = Date.now();
    if (best && best !== this.speaker) {
      this.speaker = best;
      this.#speakerSince = now;
    } else if (best) {
      this.#speakerSince = now;
    } else if (this.speaker && now - this.#speakerSince > SPEAKER_HOLD_MS) {
      this.speaker = null;
    }
  }
}
