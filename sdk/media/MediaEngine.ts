import type { RequestType, ResponseData } from '../../protocol/index.js';
import type { CallbackName, CRVideoCallbacks, CRVideoDevice } from '../api.js';

/** What the SDK core gives a media engine: the signaling line, the callbacks, who we are. */
export interface MediaContext {
  /** Sends a request (media.* types) on the signaling line; rejects with a CRVideoError. */
  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>>;
  /** Fires an API callback holder (a throwing app callback is caught by the core). */
  emit<K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]): void;
  /** The logged-in UID ('' before login). */
  myUID(): string;
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
}

export type MediaEngineFactory = (ctx: MediaContext) => MediaEngine;
