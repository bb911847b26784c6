import { type MediaStatus, SdkErr } from '../../protocol/index.js';
import type { CRVideoDevice } from '../api.js';
import { captureErrorCode, describeCaptureError } from './deviceErrors.js';

export type LocalKind = 'audio' | 'video';

export interface LocalMediaEvents {
  /** The own mic / camera status changed (API statuses: 1 no device, 2 closed, 3 open, 4 opening). */
  status(kind: LocalKind, oldStatus: MediaStatus, newStatus: MediaStatus): void;
  /** The capture track changed: a new one (opened, device switched) or null (closed, device lost). */
  track(kind: LocalKind, track: MediaStreamTrack | null): void;
  log(msg: string, extra?: unknown): void;
}

/** getUserMedia constraints per kind (a selected device is added as `deviceId: { exact }`). */
export interface CaptureSettings {
  audio: MediaTrackConstraints;
  video: MediaTrackConstraints;
}

export const DEFAULT_CAPTURE: CaptureSettings = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } },
};

interface Slot {
  status: MediaStatus;
  track: MediaStreamTrack | null;
  /** Bumped by every open / close / switch: a capture that finishes after a newer action is discarded. */
  gen: number;
}

const INPUT = { audio: 'audioinput', video: 'videoinput' } as const;
const KINDS: readonly CRVideoDevice['kind'][] = ['audioinput', 'videoinput', 'audiooutput'];

function captureError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * The own microphone and camera: capture, close (the track is stopped, so the camera light goes off),
 * device choice, and the API status of each. Independent of any room: the engine publishes the tracks.
 */
export class LocalMedia {
  readonly #slots: Record<LocalKind, Slot> = {
    audio: { status: 0, track: null, gen: 0 },
    video: { status: 0, track: null, gen: 0 },
  };
  readonly #selected: Partial<Record<CRVideoDevice['kind'], string>> = {};
  readonly #events: LocalMediaEvents;
  #capture: CaptureSettings;

  constructor(events: LocalMediaEvents, capture: CaptureSettings = DEFAULT_CAPTURE) {
    this.#events = events;
    this.#capture = { audio: { ...capture.audio }, video: { ...capture.video } };
  }

  /** The capture constraints of a kind (CRVideo_Get/SetAudioCfg, Get/SetVideoCfg). */
  capture(kind: LocalKind): MediaTrackConstraints {
    return { ...this.#capture[kind] };
  }

  /** New capture constraints; an open capture takes them at once where the browser can. */
  async setCapture(kind: LocalKind, c: MediaTrackConstraints): Promise<void> {
    this.#capture = { ...this.#capture, [kind]: { ...this.#capture[kind], ...c } };
    const track = this.#slots[kind].track;
    if (!track) return;
    try {
      await track.applyConstraints(this.#capture[kind]);
    } catch (err) {
      this.#events.log(`${kind} capture kept its settings: ${describeCaptureError(err)}`);
    }
  }

  status(kind: LocalKind): MediaStatus {
    return this.#slots[kind].status;
  }

  track(kind: LocalKind): MediaStreamTrack | null {
    return this.#slots[kind].track;
  }

  selected(kind: CRVideoDevice['kind']): string | undefined {
    return this.#selected[kind];
  }

  async listDevices(): Promise<CRVideoDevice[]> {
    const md = globalThis.navigator?.mediaDevices;
    if (!md?.enumerateDevices) return [];
    const all = await md.enumerateDevices();
    return all
      .filter((d) => KINDS.includes(d.kind))
      .map((d) => ({ deviceId: d.deviceId, label: d.label, kind: d.kind as CRVideoDevice['kind'] }));
  }

  /** Turns still-unknown statuses into 2 (closed, a device exists) or 1 (no device). */
  async detect(): Promise<void> {
    let devices: CRVideoDevice[] = [];
    try {
      devices = await this.listDevices();
    } catch (err) {
      this.#events.log('could not list media devices', err);
    }
    for (const kind of ['audio', 'video'] as const) {
      if (this.#slots[kind].status !== 0) continue;
      this.#set(kind, devices.some((d) => d.kind === INPUT[kind]) ? 2 : 1);
    }
  }

  /** Opens the mic or camera; resolves to 0 or the 808–810 (mic) / 8001–8007 (camera) code (the status is then 1). */
  async open(kind: LocalKind): Promise<number> {
    const slot = this.#slots[kind];
    if (slot.status === 3 || slot.status === 4) return SdkErr.NOERR;
    const gen = ++slot.gen;
    this.#set(kind, 4);
    try {
      const track = await this.#getTrack(kind, this.#selected[INPUT[kind]]);
      if (slot.gen !== gen) {
        track.stop();
        return SdkErr.NOERR;
      }
      this.#use(kind, track);
      this.#set(kind, 3);
      return SdkErr.NOERR;
    } catch (err) {
      if (slot.gen !== gen) return SdkErr.NOERR;
      const code = captureErrorCode(kind, err);
      this.#events.log(
        `${kind === 'audio' ? 'mic' : 'camera'} could not open (sdkErr ${code}): ${describeCaptureError(err)}`,
      );
      this.#set(kind, 1);
      return code;
    }
  }

  /** Stops the capture (camera light off) and sets status 2. */
  close(kind: LocalKind): void {
    const slot = this.#slots[kind];
    slot.gen++;
    this.#drop(kind);
    if (slot.status === 3 || slot.status === 4) this.#set(kind, 2);
  }

  /** Selects a device ('' = the system default). An open mic / camera switches at once; resolves to sdkErr. */
  async select(kind: CRVideoDevice['kind'], deviceId: string): Promise<number> {
    if (!KINDS.includes(kind) || typeof deviceId !== 'string') return SdkErr.MEETPARAM_ERR;
    if (deviceId) {
      const list = await this.listDevices().catch(() => []);
      if (!list.some((d) => d.kind === kind && d.deviceId === deviceId)) return SdkErr.MEETPARAM_ERR;
    }
    const previous = this.#selected[kind];
    if (deviceId) this.#selected[kind] = deviceId;
    else delete this.#selected[kind];
    if (kind === 'audiooutput') return SdkErr.NOERR;
    const lk: LocalKind = kind === 'audioinput' ? 'audio' : 'video';
    const slot = this.#slots[lk];
    if (slot.status !== 3 || !slot.track) return SdkErr.NOERR;
    const gen = ++slot.gen;
    let track: MediaStreamTrack;
    try {
      track = await this.#getTrack(lk, deviceId);
    } catch (err) {
      if (slot.gen !== gen) return SdkErr.NOERR;
      let code = captureErrorCode(lk, err);
      // Some systems open one camera at a time: release the old one and try once more.
      if (code === SdkErr.MIC_BEINGUSED || code === SdkErr.DEVICE_OPEN_DEVICE_ERR) {
        this.#drop(lk);
        try {
          track = await this.#getTrack(lk, deviceId);
          if (slot.gen !== gen) {
            track.stop();
            return SdkErr.NOERR;
          }
          this.#use(lk, track);
          return SdkErr.NOERR;
        } catch (err2) {
          code = captureErrorCode(lk, err2);
          this.#set(lk, 1);
        }
      }
      if (previous) this.#selected[kind] = previous;
      else delete this.#selected[kind];
      this.#events.log(`switching ${kind} failed (sdkErr ${code}): ${describeCaptureError(err)}`);
      return code;
    }
    if (slot.gen !== gen) {
      track.stop();
      return SdkErr.NOERR;
    }
    const old = slot.track;
    this.#use(lk, track);
    if (old) {
      old.onended = null;
      old.stop();
    }
    return SdkErr.NOERR;
  }

  /** Stops both captures (exit, close): an open mic / camera becomes 2. */
  releaseAll(): void {
    this.close('audio');
    this.close('video');
  }

  async #getTrack(kind: LocalKind, deviceId: string | undefined): Promise<MediaStreamTrack> {
    const md = globalThis.navigator?.mediaDevices;
    if (!md?.getUserMedia) throw captureError('NotSupportedError', 'no navigator.mediaDevices (insecure page?)');
    const base = this.#capture[kind];
    const c: MediaTrackConstraints = deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
    const stream = await md.getUserMedia(kind === 'audio' ? { audio: c } : { video: c });
    const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (!track) throw captureError('NotFoundError', `getUserMedia gave no ${kind} track`);
    return track;
  }

  #use(kind: LocalKind, track: MediaStreamTrack): void {
    const slot = this.#slots[kind];
    slot.track = track;
    track.onended = () => {
      if (slot.track !== track) return;
      this.#events.log(`${kind === 'audio' ? 'mic' : 'camera'} was lost (device unplugged or revoked)`);
      slot.track = null;
      slot.gen++;
      this.#events.track(kind, null);
      this.#set(kind, 1);
    };
    this.#events.track(kind, track);
  }

  #drop(kind: LocalKind): void {
    const slot = this.#slots[kind];
    const track = slot.track;
    if (!track) return;
    slot.track = null;
    track.onended = null;
    track.stop();
    this.#events.track(kind, null);
  }

  #set(kind: LocalKind, status: MediaStatus): void {
    const slot = this.#slots[kind];
    const old = slot.status;
    if (old === status) return;
    slot.status = status;
    this.#events.status(kind, old, status);
  }
}
