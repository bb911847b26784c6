import { SdkErr } from '../../protocol/index.js';
import type { AudioCfg, CRVideoDevice, MicInfo, SpeakerInfo, VideoCfg } from '../api.js';
import type { LocalMedia } from './LocalMedia.js';
import type { MediaH5 } from './MediaEngine.js';

/** CloudRoom's VideoCfg sizes: 1 smooth 360p, 2 standard 480p, 3 high 720p, 4 full 1080p. */
const SIZE_HEIGHT: Record<number, number> = { 1: 360, 2: 480, 3: 720, 4: 1080 };
/** Their 16:9 widths, as CloudRoom's size table has them. */
const SIZE_WIDTH: Record<number, number> = { 1: 640, 2: 848, 3: 1280, 4: 1920 };
const RATIO: Record<number, number> = { 1: 16 / 9, 2: 4 / 3, 3: 1, 4: 3 / 4, 5: 9 / 16 };

export interface H5DevicesHooks {
  /** The camera list changed (CRVideo_VideoDevChanged for the own UID). */
  camerasChanged(): void;
  /** The encoder's bitrate cap (bps; 0 = none) and frame rate changed. */
  encoding(maxBitrate: number, maxFramerate: number): void;
  /** Plays or pauses every remote member's audio. */
  speakerPaused(paused: boolean): void;
  /** Routes remote audio to this output device. */
  speaker(deviceId: string): Promise<number>;
  log(msg: string, extra?: unknown): void;
}

/**
 * The own devices with CloudRoom's numeric IDs (1, 2, … per kind, stable for the page's life) and the
 * audio / video configuration, kept synchronously readable: the device list is refreshed on Init, on
 * every device change and after a capture opens (when labels become known).
 */
export class H5Devices implements MediaH5 {
  readonly #local: LocalMedia;
  readonly #hooks: H5DevicesHooks;
  #devices: CRVideoDevice[] = [];
  readonly #ids = new Map<string, number>();
  readonly #next: Record<CRVideoDevice['kind'], number> = { audioinput: 1, videoinput: 1, audiooutput: 1 };
  #videoCfg: VideoCfg = { size: 1, fps: 15, ratio: 1, width: 640, height: 360, maxbps: 0 };
  #audio = { autoGainControl: true, echoCancellation: true, noiseSuppression: true, micVolume: 100 };
  #speakerID = 0;
  #listening = false;

  constructor(local: LocalMedia, hooks: H5DevicesHooks) {
    this.#local = local;
    this.#hooks = hooks;
  }

  /** Re-reads the device list; tells when the cameras changed. */
  async refresh(): Promise<void> {
    const md = globalThis.navigator?.mediaDevices;
    if (md && !this.#listening && typeof md.addEventListener === 'function') {
      this.#listening = true;
      md.addEventListener('devicechange', () => void this.refresh());
    }
    let list: CRVideoDevice[];
    try {
      list = await this.#local.listDevices();
    } catch (err) {
      this.#hooks.log('could not list media devices', err);
      return;
    }
    const cams = (l: CRVideoDevice[]) =>
      l
        .filter((d) => d.kind === 'videoinput')
        .map((d) => `${d.deviceId}|${d.label}`)
        .join(',');
    const changed = this.#devices.length > 0 && cams(list) !== cams(this.#devices);
    for (const d of list) this.#idOf(d);
    this.#devices = list;
    if (changed) this.#hooks.camerasChanged();
  }

  #idOf(d: CRVideoDevice): number {
    const key = `${d.kind}\0${d.deviceId}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#next[d.kind]++;
      this.#ids.set(key, id);
    }
    return id;
  }

  #find(kind: CRVideoDevice['kind'], id: number): CRVideoDevice | undefined {
    return this.#devices.find((d) => d.kind === kind && this.#idOf(d) === id);
  }

  #named(kind: CRVideoDevice['kind']): { id: number; name: string }[] {
    return this.#devices
      .filter((d) => d.kind === kind && d.deviceId !== 'default' && d.deviceId !== 'communications')
      .map((d, i) => ({ id: this.#idOf(d), name: d.label || `${kind} ${i + 1}` }));
  }

  /** The ID of the selected device of a kind (the first one when none is selected), 0 when there is none. */
  #selectedID(kind: CRVideoDevice['kind']): number {
    const sel = this.#local.selected(kind);
    const named = this.#named(kind);
    if (sel) {
      const d = this.#devices.find((x) => x.kind === kind && x.deviceId === sel);
      if (d) return this.#idOf(d);
    }
    return named[0]?.id ?? 0;
  }

  micNames(): MicInfo[] {
    return this.#named('audioinput').map((d) => ({ micID: d.id, micName: d.name }));
  }

  speakerNames(): SpeakerInfo[] {
    return this.#named('audiooutput').map((d) => ({ speakerID: d.id, speakerName: d.name }));
  }

  cameras(): { videoID: number; videoName: string }[] {
    return this.#named('videoinput').map((d) => ({ videoID: d.id, videoName: d.name }));
  }

  getAudioCfg(): AudioCfg {
    return {
      micID: this.#selectedID('audioinput'),
      speakerID: this.#speakerID || this.#selectedID('audiooutput'),
      ...this.#audio,
    };
  }

  setAudioCfg(cfg: Partial<AudioCfg>): void {
    const mic = cfg.micID === undefined ? undefined : this.#find('audioinput', Number(cfg.micID));
    if (cfg.micID !== undefined && !mic) this.#hooks.log(`SetAudioCfg: no microphone ${String(cfg.micID)} (sdkErr 5)`);
    if (mic) void this.#local.select('audioinput', mic.deviceId);
    const spk = cfg.speakerID === undefined ? undefined : this.#find('audiooutput', Number(cfg.speakerID));
    if (cfg.speakerID !== undefined && !spk)
      this.#hooks.log(`SetAudioCfg: no speaker ${String(cfg.speakerID)} (sdkErr 5)`);
    if (spk) {
      this.#speakerID = Number(cfg.speakerID);
      void this.#local.select('audiooutput', spk.deviceId).then(() => this.#hooks.speaker(spk.deviceId));
    }
    const c: MediaTrackConstraints = {};
    for (const k of ['autoGainControl', 'echoCancellation', 'noiseSuppression'] as const) {
      if (typeof cfg[k] === 'boolean') {
        this.#audio[k] = cfg[k];
        c[k] = cfg[k];
      }
    }
    if (typeof cfg.micVolume === 'number') this.#audio.micVolume = cfg.micVolume;
    if (Object.keys(c).length > 0) void this.#local.setCapture('audio', c);
  }

  getVideoCfg(): VideoCfg {
    return { ...this.#videoCfg };
  }

  async setVideoCfg(cfg: VideoCfg): Promise<void> {
    const next: VideoCfg = { ...this.#videoCfg };
    if (cfg.size !== undefined || cfg.ratio !== undefined) {
      next.size = SIZE_HEIGHT[Number(cfg.size)] ? Number(cfg.size) : (next.size ?? 1);
      next.ratio = RATIO[Number(cfg.ratio)] ? Number(cfg.ratio) : (next.ratio ?? 1);
      next.height = SIZE_HEIGHT[next.size] ?? 360;
      next.width =
        next.ratio === 1
          ? (SIZE_WIDTH[next.size] ?? 640)
          : 8 * Math.round((next.height * (RATIO[next.ratio] ?? 16 / 9)) / 8);
    } else if (cfg.width !== undefined && cfg.height !== undefined) {
      next.width = Number(cfg.width) || 640;
      next.height = Number(cfg.height) || 360;
    }
    if (cfg.fps !== undefined) next.fps = Math.max(1, Math.min(60, Number(cfg.fps) || 15));
    if (cfg.maxbps !== undefined) next.maxbps = Math.max(0, Number(cfg.maxbps) || 0);
    if (typeof cfg.aspectRatio === 'number' && cfg.aspectRatio > 0) next.aspectRatio = cfg.aspectRatio;
    if (!(next.width && next.height && next.fps)) {
      this.#hooks.log('SetVideoCfg: bad VideoCfg (sdkErr 5)');
      throw { errCode: SdkErr.MEETPARAM_ERR, errDesc: 'bad VideoCfg' };
    }
    this.#videoCfg = next;
    await this.#local.setCapture('video', {
      width: { ideal: next.width },
      height: { ideal: next.height },
      frameRate: { ideal: next.fps },
      ...(next.aspectRatio ? { aspectRatio: { ideal: next.aspectRatio } } : {}),
    });
    this.#hooks.encoding(next.maxbps ?? 0, next.fps ?? 15);
  }

  /** The bitrate cap the encoder should use now (bps; 0 = none). */
  get maxBitrate(): number {
    return this.#videoCfg.maxbps ?? 0;
  }

  defaultVideo(): number {
    return this.#selectedID('videoinput');
  }

  async setDefaultVideo(videoID: number): Promise<boolean> {
    const cam = this.#find('videoinput', videoID);
    if (!cam) return false;
    const code = await this.#local.select('videoinput', cam.deviceId);
    return code === SdkErr.NOERR;
  }

  setSpeakerPaused(paused: boolean): void {
    this.#hooks.speakerPaused(paused);
  }
}
