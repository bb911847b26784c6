import { type MediaNotificationHandlers, type MediaStatus, SdkErr } from '../../protocol/index.js';
import type { CRVideoDevice, SDKParams } from '../api.js';
import { h5DeviceErrorCode } from './deviceErrors.js';
import { H5Devices } from './H5Devices.js';
import { type CaptureSettings, type LocalKind, LocalMedia } from './LocalMedia.js';
import type { MediaContext, MediaEngine, MediaEngineFactory } from './MediaEngine.js';
import { dispatchMediaNotification, mediaNotificationHandlers } from './MediaNotifications.js';
import { MediaReceiver } from './MediaReceiver.js';
import { MediaSender } from './MediaSender.js';
import { type MediaStatsReport, netScoreOf } from './mediaStats.js';
import { RoomSession } from './RoomSession.js';
import { readRoomStats } from './roomStats.js';

export type { MediaStatsReport } from './mediaStats.js';

export interface MediasoupEngineOptions {
  /** getUserMedia constraints for the mic and the camera. */
  capture?: CaptureSettings;
  /** Cameras send three simulcast layers (VP8) so viewers get the layer their tile needs (default true). */
  simulcast?: boolean;
  /** While a call rings, set up its room's media before the answer (default true). */
  prepareOnRing?: boolean;
  /** A transport 'disconnected' this long gets an ICE restart (default 3000 ms); 'failed' gets one at once. */
  iceDisconnectedMs?: number;
  /** 'relay': media only through the server's TURN relays (networks that allow nothing else; tests). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  log?: (msg: string, extra?: unknown) => void;
}

/** The mic's 808–810 as the H5 device codes CloudRoom's OpenMicFailed carries. */
const H5_CODE: Record<number, number> = {
  [SdkErr.MIC_NORIGHT]: SdkErr.DEVICE_NOTALLOWED_ERR,
  [SdkErr.MIC_BEINGUSED]: SdkErr.DEVICE_OPEN_DEVICE_ERR,
  [SdkErr.MIC_UNKNOWERR]: SdkErr.DEVICE_UNKNOW_ERR,
};

const STATUS_CALLBACK = { audio: 'CRVideo_AudioStatusChanged', video: 'CRVideo_VideoStatusChanged' } as const;

/**
 * The SDK's media half in browsers (and the Electron renderer), on mediasoup-client: after
 * EnterMeeting3 it loads the device, makes one send and one receive transport, receives every other
 * member's tracks and publishes the own mic and camera when they are opened. The room's life (enter,
 * ring-time preparation, leave), the own devices and the stats live here; sending and the transports in
 * MediaSender, receiving in MediaReceiver, the server's media notifications in MediaNotifications.
 */
export class MediasoupEngine implements MediaEngine {
  readonly #ctx: MediaContext;
  readonly #log: (msg: string, extra?: unknown) => void;
  readonly #local: LocalMedia;
  readonly #sender: MediaSender;
  readonly #receiver: MediaReceiver;
  readonly #handlers: MediaNotificationHandlers<RoomSession>;
  #prepareOnRing: boolean;
  #room: RoomSession | null = null;
  #closed = false;
  readonly h5: H5Devices;
  #netScore = -1;

  constructor(ctx: MediaContext, options: MediasoupEngineOptions = {}) {
    this.#ctx = ctx;
    this.#log = options.log ?? ((msg, extra) => console.warn(`[CRVideo media] ${msg}`, extra ?? ''));
    this.#prepareOnRing = options.prepareOnRing ?? true;
    const room = () => this.#room;
    this.#receiver = new MediaReceiver({ ctx, room, log: this.#log });
    this.#local = new LocalMedia(
      {
        status: (kind, old, status) => this.#ownStatus(kind, old, status),
        track: (kind, track) => this.#ownTrack(kind, track),
        log: this.#log,
      },
      options.capture,
    );
    let h5: H5Devices | null = null;
    this.#sender = new MediaSender({
      ctx,
      local: this.#local,
      room,
      h5: () => h5,
      iceDisconnectedMs: options.iceDisconnectedMs ?? 3000,
      iceTransportPolicy: options.iceTransportPolicy,
      simulcast: options.simulcast ?? true,
      log: this.#log,
    });
    this.#handlers = mediaNotificationHandlers({
      receiver: this.#receiver,
      prepareEnded: (r, meetID) => {
        if (meetID === r.meetID && !r.entered) this.#leaveRoom();
      },
      log: this.#log,
    });
    h5 = new H5Devices(this.#local, {
      camerasChanged: () => this.#ctx.emit('CRVideo_VideoDevChanged', this.#ctx.myUID()),
      encoding: () => this.#sender.applyEncoding(),
      speakerPaused: (paused) => this.#receiver.setSpeakerPaused(paused),
      speaker: (deviceId) => this.#receiver.remote.setSink(deviceId),
      log: this.#log,
    });
    this.h5 = h5;
    void this.h5.refresh();
  }

  /**
   * `CRVideo_Init`, as CloudRoom's H5 SDK does it: 8004 without WebRTC / media devices, 8003 when the
   * devices cannot be listed, then one permission request for what exists (8002 denied, 8007 busy,
   * 8001 other) whose tracks are stopped at once; resolves 0 (also with no devices at all).
   */
  async checkDevices(): Promise<number> {
    const md = globalThis.navigator?.mediaDevices;
    if (!globalThis.RTCPeerConnection || !md?.enumerateDevices || !md.getUserMedia) {
      this.#log('Init: this browser has no WebRTC or media devices (8004)');
      throw SdkErr.DEVICE_HAVENOTAPI_ERR;
    }
    let list: MediaDeviceInfo[];
    try {
      list = await md.enumerateDevices();
    } catch (err) {
      this.#log('Init: could not list media devices (8003)', err);
      throw SdkErr.DEVICE_UPDATELIST_ERR;
    }
    const audio = list.some((d) => d.kind === 'audioinput');
    const video = list.some((d) => d.kind === 'videoinput');
    const labelled = list.every((d) => d.label !== '');
    if ((audio || video) && !labelled) {
      try {
        const stream = await md.getUserMedia({ audio, video });
        for (const t of stream.getTracks()) t.stop();
      } catch (err) {
        const code = h5DeviceErrorCode(err);
        this.#log(`Init: no access to the devices (${code})`, err);
        throw code;
      }
    }
    await this.h5.refresh();
    return SdkErr.NOERR;
  }

  setParams(params: SDKParams): void {
    const kbps = Number(params.videoSendBW);
    if (Number.isFinite(kbps) && kbps > 0) this.#sender.setSendCap(kbps * 1000);
  }

  /** CloudRoom's network score from the transports' stats, told when it changes (every 2 s in a room). */
  async #netTick(room: RoomSession): Promise<void> {
    if (room.closed) return;
    const report = await this.getStats();
    if (room.closed) return;
    let lost = 0;
    let got = 0;
    for (const m of Object.values(report.members))
      for (const k of ['audio', 'video'] as const) {
        lost += m[k]?.packetsLost ?? 0;
        got += m[k]?.packetsReceived ?? 0;
      }
    const score = netScoreOf(report.connected, got + lost > 0 ? lost / (got + lost) : 0, report.rttMs);
    if (score !== this.#netScore) {
      this.#netScore = score;
      this.#ctx.emit('CRVideo_NetStateChanged', score);
    }
    room.later(2000, () => void this.#netTick(room));
  }

  /** The room this engine is in (null outside rooms). */
  get meetID(): number | null {
    return this.#room?.meetID ?? null;
  }

  /** UID of the loudest member right now ('' when nobody speaks). */
  get activeSpeaker(): string {
    return this.#receiver.activeSpeaker;
  }

  async enter(meetID: number, _members: string[]): Promise<void> {
    if (this.#closed) return;
    const current = this.#room;
    if (current && !current.closed && current.meetID === meetID) {
      if (current.entered) return;
      // Prepared while the call rang: what is ready stays, the rest follows now.
      current.entered = true;
      if (await current.setUp) return this.#enterPrepared(current);
      if (this.#room !== current) return;
    }
    if (this.#room) this.#leaveRoom();
    const room = new RoomSession(meetID);
    this.#room = room;
    room.setUp = this.#setUp(room);
    try {
      await room.setUp;
    } catch (err) {
      if (this.#room === room) this.#log(`media set-up in room ${meetID} failed`, err);
      throw err;
    }
  }

  /**
   * While call `callID` rings (both sides), sets up media in its room `meetID` before the answer:
   * router capabilities, device, transports, and producers of what is captured (held paused, nothing
   * leaves for anyone). An enter of the same room continues from there; `unprepare` or the server's
   * `media.prepareEnded` undoes it. Skipped while this engine is in a room.
   */
  prepare(callID: string, meetID: number): void {
    if (this.#closed || !this.#prepareOnRing || (this.#room && !this.#room.closed)) return;
    const room = new RoomSession(meetID, callID);
    this.#room = room;
    room.setUp = this.#setUp(room).then(
      (ok) => ok,
      (err: unknown) => {
        if (this.#room === room && !room.entered) {
          this.#log(`ring-time media preparation in room ${meetID} failed`, err);
          this.#leaveRoom();
        }
        return false;
      },
    );
  }

  /**
   * The call `callID` was answered: the producers held while it rang send their capture now (the server
   * forwards them from the accept on), so the first frame does not wait for the enter's round trip.
   */
  answered(callID: string): void {
    const room = this.#room;
    if (room && !room.closed && room.callID === callID && !room.entered) this.#sender.enableHeld(room);
  }

  /** The call `callID` does not go ahead (or was answered elsewhere): drop its preparation unless entered. */
  unprepare(callID: string): void {
    const room = this.#room;
    if (room && room.callID === callID && !room.entered) this.#leaveRoom();
  }

  /** The room was entered after a preparation: release the held producers, receive the others. */
  async #enterPrepared(room: RoomSession): Promise<void> {
    const live = () => this.#room === room && !room.closed;
    const held = room.heldStreams;
    room.heldStreams = [];
    for (const show of held) show();
    this.#sender.releaseHeld(room, live);
    const { peers } = await this.#ctx.request('media.ready', { rtpCapabilities: room.device?.rtpCapabilities ?? {} });
    if (!live()) return;
    for (const p of peers) this.#receiver.remote.update(p);
    room.ready = true;
    this.#sender.pushStatus(room);
    // The network score (NetStateChanged) runs from the enter, also for a room prepared while ringing.
    room.later(1000, () => void this.#netTick(room));
  }

  /** Resolves true when the room is set up (entered, or prepared and waiting for the enter). */
  async #setUp(room: RoomSession): Promise<boolean> {
    const live = () => this.#room === room && !room.closed;
    const detecting = this.#local.detect();
    // Everything that does not depend on the device runs at once: one round trip instead of four. The
    // server answers one socket's requests in order, so media.prepare goes first in the same burst.
    const preparing = room.callID ? this.#ctx.request('media.prepare', { callID: room.callID }) : null;
    const [{ rtpCapabilities }, s, r] = await Promise.all([
      this.#ctx.request('media.getRouterRtpCapabilities', {}),
      this.#ctx.request('media.createTransport', { direction: 'send' }),
      this.#ctx.request('media.createTransport', { direction: 'recv' }),
      preparing,
    ]);
    if (!live()) return false;
    const device = await this.#sender.loadDevice(rtpCapabilities);
    if (!live()) return false;
    room.device = device;
    this.#sender.openTransports(room, device, s, r);
    // Publish what is already captured now: the others receive it while we finish setting up.
    for (const kind of ['audio', 'video'] as const) if (this.#local.track(kind)) this.#sender.publish(kind);

    const { peers } = await this.#ctx.request('media.ready', { rtpCapabilities: device.rtpCapabilities });
    if (!live()) return false;
    await detecting;
    if (!live()) return false;
    // Prepared only: the enter (#enterPrepared) asks for the members again once they can see us.
    if (!room.entered) return true;
    for (const p of peers) this.#receiver.remote.update(p);
    room.ready = true;
    this.#sender.pushStatus(room);
    room.later(1000, () => void this.#netTick(room));
    return true;
  }

  #ownStatus(kind: LocalKind, old: MediaStatus, status: MediaStatus): void {
    this.#ctx.emit(STATUS_CALLBACK[kind], this.#ctx.myUID(), old, status);
    const room = this.#room;
    if (room?.ready && !room.closed) this.#sender.pushStatus(room);
  }

  #ownTrack(kind: LocalKind, track: MediaStreamTrack | null): void {
    // The self-preview: a fresh stream per capture, so a <video> showing it restarts cleanly.
    if (kind === 'video' && track)
      this.#ctx.emit('CRVideo_NotifyVideoStream', this.#ctx.myUID(), new MediaStream([track]));
    if (kind === 'audio') {
      this.#receiver.energy.set(this.#ctx.myUID(), track);
      if (track) this.#ctx.emit('CRVideo_NotifyAudioStream', 0, new MediaStream([track]));
    }
    // Labels are known once a capture opened: the synchronous device lists catch up.
    if (track) void this.h5.refresh();
    this.#sender.publish(kind);
  }

  /** A server media notification (from the line here, or over IPC): checked, then handled by its name. */
  onNotification(name: string, data: unknown): void {
    const room = this.#room;
    if (!room || room.closed) return;
    dispatchMediaNotification(this.#handlers, name, data, room, this.#log);
  }

  /** The member's voice level 0…10 as the server last measured it. */
  micEnergy(UID: string): number {
    return this.#receiver.micEnergy(UID);
  }

  /**
   * Extension `CRVideo_SetVideoTileSize(UID, width, height)`: the app shows `UID`'s video this big (CSS
   * pixels; 0 × 0 = not shown, its video pauses). The server sends the simulcast layer that fits.
   */
  setTileSize(UID: string, width: number, height: number): void {
    this.#receiver.setTileSize(String(UID), Number(width), Number(height));
  }

  /**
   * Extension `CRVideo_SetMediaOptions({ simulcast, svc, prepareOnRing, opusFecDtx })`: whether cameras
   * produced from now on send three layers (`svc`: as one VP9 SVC stream where VP9 is there), whether
   * ringing calls prepare media before the answer, whether mics send Opus in-band FEC and DTX.
   */
  setOptions(
    o: { simulcast?: unknown; svc?: unknown; prepareOnRing?: unknown; opusFecDtx?: unknown } | null | undefined,
  ): void {
    if (typeof o?.opusFecDtx === 'boolean') this.#sender.opusFecDtx = o.opusFecDtx;
    if (typeof o?.svc === 'boolean') this.#sender.svc = o.svc;
    if (typeof o?.simulcast === 'boolean') this.#sender.simulcast = o.simulcast;
    if (typeof o?.prepareOnRing === 'boolean') this.#prepareOnRing = o.prepareOnRing;
  }

  onResumed(): void {
    const room = this.#room;
    if (!room || room.closed) return;
    for (const t of [room.send, room.recv]) {
      if (t && !t.closed && (t.connectionState === 'failed' || t.connectionState === 'disconnected')) {
        void this.#sender.restartIce(room, t);
      }
    }
  }

  #leaveRoom(): void {
    const room = this.#room;
    this.#room = null;
    room?.close();
    this.#receiver.clear();
    this.#netScore = -1;
  }

  exit(): void {
    this.#leaveRoom();
    this.#local.releaseAll();
  }

  openMic(): void {
    if (!this.#closed) void this.#open('audio');
  }

  closeMic(): void {
    this.#local.close('audio');
  }

  openVideo(): void {
    if (!this.#closed) void this.#open('video');
  }

  /** Opens a capture; a failure (status 1) is also told as the extension CRVideo_NotifyDeviceError(sdkErr, kind). */
  async #open(kind: LocalKind): Promise<number> {
    // CloudRoom tells a camera that takes over 10 s to start (the app should ask the user to retry).
    const slow =
      kind === 'video'
        ? setTimeout(() => {
            if (this.#local.status('video') === 4) this.#ctx.emit('CRVideo_OpenVideoTimeout');
          }, 10_000)
        : null;
    const code = await this.#local.open(kind);
    if (slow) clearTimeout(slow);
    if (code !== SdkErr.NOERR) {
      this.#ctx.emit('CRVideo_NotifyDeviceError', code, kind === 'audio' ? 'mic' : 'camera');
      const h5 = H5_CODE[code] ?? code;
      if (kind === 'audio') this.#ctx.emit('CRVideo_OpenMicFailed', h5, `the microphone could not open (${h5})`);
      else this.#ctx.emit('CRVideo_OpenVideoFailed', h5, `the camera could not open (${h5})`, this.h5.defaultVideo());
    }
    return code;
  }

  /** Restarts ICE on both transports (done by itself when ICE fails); for a known network change. Resolves to how many. */
  async restartIce(): Promise<number> {
    const room = this.#room;
    if (!room || room.closed) return 0;
    const done = await Promise.all(
      [room.send, room.recv].map((t) => (t && !t.closed ? this.#sender.restartIce(room, t) : false)),
    );
    return done.filter(Boolean).length;
  }

  closeVideo(): void {
    this.#local.close('video');
  }

  getDevices(): Promise<CRVideoDevice[]> {
    return this.#local.listDevices().catch((err: unknown) => {
      this.#log('could not list media devices', err);
      return [];
    });
  }

  async setDevice(kind: CRVideoDevice['kind'], deviceId: string): Promise<number> {
    try {
      const code = await this.#local.select(kind, deviceId);
      if (code !== SdkErr.NOERR || kind !== 'audiooutput') return code;
      return await this.#receiver.remote.setSink(deviceId);
    } catch (err) {
      this.#log(`selecting ${kind} ${deviceId} failed`, err);
      return SdkErr.UNKNOWERR;
    }
  }

  /** Extension `CRVideo_GetMediaStats`: connection health and per-member receive figures. */
  getStats(): Promise<MediaStatsReport> {
    return readRoomStats(this.#room, this.#log);
  }

  /** Audio elements playing the other members (tests, debugging). */
  remotePlayers(): HTMLAudioElement[] {
    return this.#receiver.remote.players();
  }

  close(): void {
    if (this.#closed) return;
    this.exit();
    this.#receiver.close();
    this.#closed = true;
  }
}

/** A MediaEngineFactory for the SDK core (`createCRVideoCore({ media: createMediasoupEngine() })`). */
export function createMediasoupEngine(
  options: MediasoupEngineOptions = {},
  onCreated?: (engine: MediasoupEngine) => void,
): MediaEngineFactory {
  return (ctx) => {
    const engine = new MediasoupEngine(ctx, options);
    onCreated?.(engine);
    return engine;
  };
}
