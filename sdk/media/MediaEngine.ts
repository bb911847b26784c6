import type { RequestType, ResponseData } from '../../protocol/index.js';
import type {
  AudioCfg,
  CallbackName,
  CRVideoCallbacks,
  CRVideoDevice,
  MicInfo,
  SDKParams,
  SpeakerInfo,
  VideoCfg,
} from '../api.js';

/** What the SDK core gives a media engine: the signaling line, the callbacks, who we are. */
export interface MediaContext {
  /** Sends a request (media.* types) on the signaling line; rejects with a CRVideoError. */
  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>>;
  /** Fires an API callback holder (a throwing app callback is caught by the core). */
  emit<K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void;
  /** The logged-in UID ('' before login). */
  myUID(): string;
  /** Whether the app set this callback (work only its callback needs is skipped otherwise; absent: yes). */
  listens?(name: CallbackName): boolean;
}

/**
 * The media half of the SDK (mediasoup-client in browsers). The core is environment-neutral and
 * works without one (Node tests, bots): then media calls are no-ops.
 */
export interface MediaEngine {
  /**
   * A call rings (callee: NotifyCallIn; caller: CallSuccess): set up media in its room `meetID` before
   * the answer, invisible to the others until `enter` (optional: engines without it start at enter).
   */
  prepare?(callID: string, meetID: number): void;
  /** Call `callID` was answered (by this callee, or told to this caller): prepared media may send now. */
  answered?(callID: string): void;
  /** Call `callID` does not go ahead here (rejected, cancelled, timed out, answered elsewhere). */
  unprepare?(callID: string): void;
  /** Called after EnterMeeting3 succeeded: load the device, create transports, consume members. */
  enter(meetID: number, members: string[]): Promise<void>;
  /** Called on ExitMeeting, hang-up clean-up, MeetingDropped/Stopped, logout: release every track and transport. */
  exit(): void;
  /** Every server notification whose name starts with `media.`. */
  onNotification(name: string, data: unknown): void;
  /** Called after the signaling line resumed from a drop (restart ICE where needed). */
  onResumed(): void;
  openMic(): void;
  closeMic(): void;
  openVideo(): void;
  closeVideo(): void;
  getDevices(): Promise<CRVideoDevice[]>;
  setDevice(kind: CRVideoDevice['kind'], deviceId: string): Promise<number>;
  close(): void;
  /** `CRVideo_Init`: can this browser do media, may it use the devices? Resolves 0, rejects 8001–8007. */
  checkDevices?(): Promise<number>;
  /** The app's SDK parameters changed (e.g. videoSendBW). */
  setParams?(params: SDKParams): void;
  /** CloudRoom's device and configuration functions (browsers). */
  h5?: MediaH5;
}

/** The own devices and their configuration, with CloudRoom's numeric IDs (1, 2, … per kind, stable per page). */
export interface MediaH5 {
  micNames(): MicInfo[];
  speakerNames(): SpeakerInfo[];
  cameras(): { videoID: number; videoName: string }[];
  getAudioCfg(): AudioCfg;
  setAudioCfg(cfg: Partial<AudioCfg>): void;
  getVideoCfg(): VideoCfg;
  /** Applies size / fps / ratio to the capture and maxbps to the encoder. */
  setVideoCfg(cfg: VideoCfg): Promise<void>;
  defaultVideo(): number;
  /** Switches the camera; resolves false when the ID is unknown. */
  setDefaultVideo(videoID: number): Promise<boolean>;
  /** Speaker paused (PauseSpeaker) or playing. */
  setSpeakerPaused(paused: boolean): void;
}

export type MediaEngineFactory = (ctx: MediaContext) => MediaEngine;
