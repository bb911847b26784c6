import { Device, type types } from 'mediasoup-client';
import {
  issueText,
  type MediaNotificationData,
  type MediaNotificationName,
  type MediaStatus,
  mediaNotifications,
  SdkErr,
} from '../../protocol/index.js';
import type { CRVideoDevice, SDKParams } from '../api.js';
import { h5DeviceErrorCode } from './deviceErrors.js';
import { EnergyMeter } from './EnergyMeter.js';
import { H5Devices } from './H5Devices.js';
import { type CaptureSettings, type LocalKind, LocalMedia } from './LocalMedia.js';
import type { MediaContext, MediaEngine, MediaEngineFactory } from './MediaEngine.js';
import { MicEnergy } from './MicEnergy.js';
import {
  candidatePairOf,
  type InboundStats,
  inboundOf,
  type MediaStatsReport,
  netScoreOf,
  outboundOf,
  qualityOf,
} from './mediaStats.js';
import { RemoteMembers } from './RemoteMembers.js';
import { RoomSession } from './RoomSession.js';
import { videoEncodings } from './simulcast.js';
import { TileViews } from './TileViews.js';

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

function isMediaNotification(name: string): name is MediaNotificationName {
  return Object.hasOwn(mediaNotifications, name);
}

/**
 * The SDK's media half in browsers (and the Electron renderer), on mediasoup-client: after
 * EnterMeeting3 it loads the device, makes one send and one receive transport, receives every other
 * member's tracks and publishes the own mic and camera when they are opened.
 */
export class MediasoupEngine implements MediaEngine {
  readonly #ctx: MediaContext;
  readonly #log: (msg: string, extra?: unknown) => void;
  readonly #iceDisconnectedMs: number;
  readonly #local: LocalMedia;
  readonly #remote: RemoteMembers;
  readonly #tiles: TileViews;
  readonly #serverEnergy = new MicEnergy();
  #simulcast: boolean;
  #prepareOnRing: boolean;
  /** Opus in-band FEC and DTX (off only to measure what they bring). */
  #opusFecDtx = true;
  /** Cameras send VP9 SVC where the room and the browser have VP9 (else simulcast VP8). */
  #svc = false;
  #room: RoomSession | null = null;
  #device: { key: string; device: Device } | null = null;
  #speaker = '';
  #closed = false;
  readonly h5: H5Devices;
  readonly #energy: EnergyMeter;
  /** CloudRoom's remote mix: every other member's audio in one stream (NotifyAudioStream aSide 1). */
  #mix: { ctx: AudioContext; dest: MediaStreamAudioDestinationNode; told: boolean } | null = null;
  #speakerPaused = false;
  /** Bitrate cap of the camera from SDKParams.videoSendBW (bps; 0 = none). */
  #sendCap = 0;
  #netScore = -1;
  readonly #iceTransportPolicy: RTCIceTransportPolicy | undefined;

  constructor(ctx: MediaContext, options: MediasoupEngineOptions = {}) {
    this.#ctx = ctx;
    this.#log = options.log ?? ((msg, extra) => console.warn(`[CRVideo media] ${msg}`, extra ?? ''));
    this.#iceDisconnectedMs = options.iceDisconnectedMs ?? 3000;
    this.#simulcast = options.simulcast ?? true;
    this.#prepareOnRing = options.prepareOnRing ?? true;
    this.#tiles = new TileViews((consumerId, view) => {
      const room = this.#room;
      if (!room || room.closed) return;
      this.#ctx.request('media.setTileSize', { consumerId, ...view }).catch((err: unknown) => {
        if (!room.closed) this.#log('could not tell the tile size', err);
      });
    });
    this.#iceTransportPolicy = options.iceTransportPolicy;
    this.#local = new LocalMedia(
      {
        status: (kind, old, status) => this.#ownStatus(kind, old, status),
        track: (kind, track) => this.#ownTrack(kind, track),
        log: this.#log,
      },
      options.capture,
    );
    this.#remote = new RemoteMembers({
      status: (kind, UID, old, status) => this.#ctx.emit(STATUS_CALLBACK[kind], UID, old, status),
      log: this.#log,
    });
    this.#energy = new EnergyMeter((UID, old, level) => this.#ctx.emit('CRVideo_MicEnergyUpdate', UID, old, level));
    this.h5 = new H5Devices(this.#local, {
      camerasChanged: () => this.#ctx.emit('CRVideo_VideoDevChanged', this.#ctx.myUID()),
      encoding: () => this.#applyEncoding(),
      speakerPaused: (paused) => {
        this.#speakerPaused = paused;
        for (const el of this.#remote.players()) el.muted = paused;
      },
      speaker: (deviceId) => this.#remote.setSink(deviceId),
      log: this.#log,
    });
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
    if (Number.isFinite(kbps) && kbps > 0) {
      this.#sendCap = kbps * 1000;
      this.#applyEncoding();
    }
  }

  /** The camera's encoder: bitrate cap (VideoCfg.maxbps, else SDKParams.videoSendBW) and frame rate. */
  #applyEncoding(): void {
    const p = this.#room?.producers.video;
    if (!p || p.closed) return;
    const cfg = this.h5.getVideoCfg();
    const maxBitrate = cfg.maxbps || this.#sendCap;
    const params: RTCRtpEncodingParameters = { maxFramerate: cfg.fps ?? 15 };
    if (maxBitrate > 0) params.maxBitrate = maxBitrate;
    p.setRtpEncodingParameters(params).catch((err: unknown) => this.#log('could not apply the video settings', err));
  }

  /** Adds a member's audio to the remote mix (NotifyAudioStream(1, stream), told once per room). */
  #addToMix(stream: MediaStream): void {
    const AC = globalThis.AudioContext;
    if (!AC) return;
    try {
      if (!this.#mix) {
        const ctx = new AC();
        this.#mix = { ctx, dest: ctx.createMediaStreamDestination(), told: false };
      }
      this.#mix.ctx.createMediaStreamSource(stream).connect(this.#mix.dest);
      if (this.#mix.ctx.state === 'suspended') void this.#mix.ctx.resume().catch(() => {});
      if (!this.#mix.told) {
        this.#mix.told = true;
        this.#ctx.emit('CRVideo_NotifyAudioStream', 1, this.#mix.dest.stream);
      }
    } catch (err) {
      this.#log('could not mix the remote audio', err);
    }
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
    return this.#speaker;
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
    for (const p of room.heldForRing) {
      room.heldForRing.delete(p);
      if (p.closed || !this.#local.track(p.kind as LocalKind)) continue;
      p.resume();
      this.#ctx.request('media.resumeProducer', { producerId: p.id }).catch((err: unknown) => {
        if (live()) this.#log(`resuming the ${p.kind} producer failed`, err);
      });
    }
    const { peers } = await this.#ctx.request('media.ready', { rtpCapabilities: room.device?.rtpCapabilities ?? {} });
    if (!live()) return;
    for (const p of peers) this.#remote.update(p);
    room.ready = true;
    this.#pushStatus(room);
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
    const device = await this.#loadDevice(rtpCapabilities as types.RtpCapabilities);
    if (!live()) return false;
    room.device = device;

    const send = device.createSendTransport(this.#withRelay(s));
    room.send = send;
    this.#wire(room, send);
    send.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      this.#ctx
        .request('media.produce', { transportId: send.id, kind, rtpParameters, paused: appData.heldForRing === true })
        .then(({ id }) => ok({ id }), fail);
    });
    room.recv = device.createRecvTransport(this.#withRelay(r));
    this.#wire(room, room.recv);
    // Publish what is already captured now: the others receive it while we finish setting up.
    for (const kind of ['audio', 'video'] as const) if (this.#local.track(kind)) this.#publish(kind);

    const { peers } = await this.#ctx.request('media.ready', { rtpCapabilities: device.rtpCapabilities });
    if (!live()) return false;
    await detecting;
    if (!live()) return false;
    // Prepared only: the enter (#enterPrepared) asks for the members again once they can see us.
    if (!room.entered) return true;
    for (const p of peers) this.#remote.update(p);
    room.ready = true;
    this.#pushStatus(room);
    room.later(1000, () => void this.#netTick(room));
    return true;
  }

  /** Transport options with the server's TURN relays (and the relay-only policy, when asked for). */
  #withRelay(o: unknown): types.TransportOptions {
    const t = o as types.TransportOptions & { iceServers?: RTCIceServer[] };
    return {
      ...t,
      ...(t.iceServers ? { iceServers: t.iceServers } : {}),
      ...(this.#iceTransportPolicy ? { iceTransportPolicy: this.#iceTransportPolicy } : {}),
    };
  }

  /** A Device loaded with these router capabilities (kept: every room offers the same codecs). */
  async #loadDevice(caps: types.RtpCapabilities): Promise<Device> {
    const key = JSON.stringify(caps);
    if (this.#device?.key === key) return this.#device.device;
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities: caps });
    this.#device = { key, device };
    return device;
  }

  /** connect + ICE supervision of a transport. */
  #wire(room: RoomSession, t: types.Transport): void {
    t.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.#ctx.request('media.connectTransport', { transportId: t.id, dtlsParameters }).then(() => ok(), fail);
    });
    t.on('connectionstatechange', (state) => {
      if (room.closed) return;
      if (state === 'failed') {
        this.#log(`${t.direction} transport ICE failed; restarting ICE`);
        this.#ctx.emit('CRVideo_PeerConnectionError', `${t.direction} media connection failed`);
        void this.#restartIce(room, t);
      } else if (state === 'disconnected') {
        room.later(this.#iceDisconnectedMs, () => {
          if (t.connectionState === 'disconnected') void this.#restartIce(room, t);
        });
      }
    });
  }

  async #restartIce(room: RoomSession, t: types.Transport): Promise<boolean> {
    if (room.closed || t.closed) return false;
    let done = false;
    try {
      const { iceParameters, iceServers } = await this.#ctx.request('media.restartIce', { transportId: t.id });
      // Fresh TURN credentials first: the old ones may have expired while the call went on.
      if (iceServers) await t.updateIceServers({ iceServers });
      if (room.closed || t.closed) return false;
      await t.restartIce({ iceParameters: iceParameters as types.IceParameters });
      done = true;
    } catch (err) {
      this.#log(`ICE restart of the ${t.direction} transport failed`, err);
    }
    // Check again a while later: a restart during a longer outage may need another one.
    room.later(5000, () => {
      if (!t.closed && (t.connectionState === 'failed' || t.connectionState === 'disconnected')) {
        void this.#restartIce(room, t);
      }
    });
    return done;
  }

  #ownStatus(kind: LocalKind, old: MediaStatus, status: MediaStatus): void {
    this.#ctx.emit(STATUS_CALLBACK[kind], this.#ctx.myUID(), old, status);
    const room = this.#room;
    if (room?.ready && !room.closed) this.#pushStatus(room);
  }

  #pushStatus(room: RoomSession): void {
    const payload = { audio: this.#local.status('audio'), video: this.#local.status('video') };
    this.#ctx.request('media.setStatus', payload).catch((err: unknown) => {
      if (!room.closed) this.#log('could not publish the mic / camera status', err);
    });
  }

  #ownTrack(kind: LocalKind, track: MediaStreamTrack | null): void {
    // The self-preview: a fresh stream per capture, so a <video> showing it restarts cleanly.
    if (kind === 'video' && track)
      this.#ctx.emit('CRVideo_NotifyVideoStream', this.#ctx.myUID(), new MediaStream([track]));
    if (kind === 'audio') {
      this.#energy.set(this.#ctx.myUID(), track);
      if (track) this.#ctx.emit('CRVideo_NotifyAudioStream', 0, new MediaStream([track]));
    }
    // Labels are known once a capture opened: the synchronous device lists catch up.
    if (track) void this.h5.refresh();
    this.#publish(kind);
  }

  /** Brings the producer of `kind` in line with the capture: produce, swap the track, pause or resume. */
  #publish(kind: LocalKind): void {
    const room = this.#room;
    if (!room) return;
    room.publishing[kind] = room.publishing[kind]
      .then(() => this.#syncProducer(room, kind))
      .catch((err: unknown) => {
        if (!room.closed) this.#log(`publishing the ${kind === 'audio' ? 'mic' : 'camera'} failed`, err);
      });
  }

  async #syncProducer(room: RoomSession, kind: LocalKind): Promise<void> {
    if (room.closed || !room.send || !room.device) return;
    const track = this.#local.track(kind);
    const producer = room.producers[kind];
    if (!track) {
      if (producer && !producer.closed && !producer.paused) {
        producer.pause();
        await this.#ctx.request('media.pauseProducer', { producerId: producer.id });
      }
      // Stop the producer's copy too: the device is released only when no copy of its track lives.
      if (producer && !producer.closed && producer.track) {
        await producer.replaceTrack({ track: null });
        room.sources.delete(producer);
      }
      return;
    }
    if (producer && !producer.closed) {
      if (room.sources.get(producer) !== track) {
        const copy = track.clone();
        copy.enabled = !producer.paused;
        await producer.replaceTrack({ track: copy });
        room.sources.set(producer, track);
      }
      if (producer.paused && !room.heldForRing.has(producer)) {
        producer.resume();
        await this.#ctx.request('media.resumeProducer', { producerId: producer.id });
      }
      return;
    }
    if (!room.device.canProduce(kind)) {
      this.#log(`this browser cannot send ${kind} with the room's codecs`);
      return;
    }
    const held = !room.entered;
    // The producer sends its own copy of the capture: held (paused) while the call rings, the copy is
    // disabled, so only black frames / silence leave (nothing at all goes on to anyone: the server holds
    // the producer paused too), while the app's preview of the capture keeps playing. Resuming at the
    // answer only enables the copy: no renegotiation on the way to the first frame.
    const copy = track.clone();
    copy.enabled = !held;
    const p = await room.send.produce({
      track: copy,
      stopTracks: true,
      appData: { heldForRing: held },
      ...(kind === 'audio'
        ? { codecOptions: { opusDtx: this.#opusFecDtx, opusFec: this.#opusFecDtx } }
        : videoEncodings(room.device, this.#simulcast, track.getSettings?.().height, this.#svc)),
    });
    if (room.closed) {
      p.close();
      return;
    }
    room.sources.set(p, track);
    // Produced while the call rings: the transport is connected now; nothing is shown until the enter.
    if (held && !room.entered) {
      room.heldForRing.add(p);
    } else if (held) {
      p.resume();
      this.#ctx.request('media.resumeProducer', { producerId: p.id }).catch(() => {});
    }
    room.producers[kind] = p;
    p.on('transportclose', () => {
      if (room.producers[kind] === p) room.producers[kind] = null;
    });
    if (kind === 'video') this.#applyEncoding();
  }

  onNotification(name: string, data: unknown): void {
    const room = this.#room;
    if (!room || room.closed) return;
    if (!isMediaNotification(name)) return this.#log(`unknown media notification ${name}`);
    const parsed = mediaNotifications[name].safeParse(data);
    if (!parsed.success) return this.#log(`malformed ${name} dropped: ${issueText(parsed.error)}`);
    if (name === 'media.newConsumer') {
      const d = parsed.data as MediaNotificationData<'media.newConsumer'>;
      const p = this.#consume(room, d)
        .catch((err: unknown) => {
          if (!room.closed) this.#log(`receiving ${d.kind} of ${d.UID} failed`, err);
        })
        .finally(() => room.consuming.delete(d.id));
      room.consuming.set(d.id, p);
      return;
    }
    room.inbox = room.inbox
      .then(() => this.#handle(room, name, parsed.data))
      .catch((err: unknown) => {
        if (!room.closed) this.#log(`handling ${name} failed`, err);
      });
  }

  async #handle(room: RoomSession, name: MediaNotificationName, data: unknown): Promise<void> {
    if (room.closed) return;
    switch (name) {
      case 'media.newConsumer':
        return;
      case 'media.consumerClosed': {
        const { id } = data as MediaNotificationData<'media.consumerClosed'>;
        await room.consuming.get(id);
        const c = room.consumers.get(id);
        if (!c) return;
        room.consumers.delete(id);
        this.#tiles.removed(id);
        c.consumer.close();
        if (c.consumer.kind === 'audio') this.#remote.stopIfPlaying(c.UID, c.consumer.track);
        return;
      }
      case 'media.status':
        return this.#remote.update(data as MediaNotificationData<'media.status'>);
      case 'media.peerLeft': {
        const { UID, peerId } = data as MediaNotificationData<'media.peerLeft'>;
        await Promise.all(room.consuming.values());
        for (const [id, c] of room.consumers) {
          if (c.peerId !== peerId) continue;
          room.consumers.delete(id);
          this.#tiles.removed(id);
          c.consumer.close();
        }
        return this.#remote.left(UID, peerId);
      }
      case 'media.activeSpeaker': {
        const { UID } = data as MediaNotificationData<'media.activeSpeaker'>;
        if (UID === this.#speaker) return;
        this.#speaker = UID;
        this.#emitExt('CRVideo_NotifyActiveSpeaker', UID);
        return;
      }
      case 'media.prepareEnded': {
        if ((data as MediaNotificationData<'media.prepareEnded'>).meetID === room.meetID && !room.entered) {
          this.#leaveRoom();
        }
        return;
      }
      case 'media.consumerLayers': {
        const d = data as MediaNotificationData<'media.consumerLayers'>;
        const c = room.consumers.get(d.id);
        if (c) this.#emitExt('CRVideo_NotifyVideoLayer', c.UID, d.spatialLayer ?? -1, d.temporalLayer ?? -1);
        return;
      }
      case 'media.audioLevels':
        return this.#audioLevels((data as MediaNotificationData<'media.audioLevels'>).levels);
      case 'media.consumerPaused':
      case 'media.consumerResumed':
        // The member's status (media.status) tells the app; the track simply stops and goes on.
        return;
    }
  }

  async #consume(room: RoomSession, d: MediaNotificationData<'media.newConsumer'>): Promise<void> {
    const recv = room.recv;
    if (!recv || recv.closed) return;
    const consumer = await recv.consume({
      id: d.id,
      producerId: d.producerId,
      kind: d.kind,
      rtpParameters: d.rtpParameters as types.RtpParameters,
      // Same stream id for a member's audio and video: the browser keeps them in lip sync.
      streamId: d.peerId,
    });
    if (room.closed) {
      consumer.close();
      return;
    }
    room.consumers.set(d.id, { consumer, UID: d.UID, peerId: d.peerId });
    // The tile's size (or that it is hidden) goes first, so the server resumes at the right layer.
    if (d.kind === 'video') this.#tiles.added(d.id, d.UID);
    // The server created it paused; resuming also asks the sender for a key frame.
    this.#ctx.request('media.resumeConsumer', { consumerId: d.id }).catch((err: unknown) => {
      if (!room.closed && !consumer.closed) this.#log(`resuming ${d.kind} of ${d.UID} failed`, err);
    });
    const show = () => {
      if (room.closed || consumer.closed) return;
      const stream = new MediaStream([consumer.track]);
      if (d.kind === 'audio') {
        this.#remote.play(d.UID, d.peerId, stream);
        for (const el of this.#remote.players()) el.muted = this.#speakerPaused;
        this.#energy.set(d.UID, consumer.track);
        this.#addToMix(stream);
        this.#ctx.emit('CRVideo_NotifyMemberAudioStream', d.UID, stream);
      } else {
        this.#ctx.emit('CRVideo_NotifyVideoStream', d.UID, stream);
      }
    };
    // Received while the call still rings (the other party's prepared, paused media): the app hears of
    // it once the room is entered.
    if (room.entered) show();
    else room.heldStreams.push(show);
  }

  /**
   * The server's audio levels (its AudioLevelObserver). CRVideo_MicEnergyUpdate comes from the SDK's own
   * meter of each track (EnergyMeter), which also works for the own mic outside a room; these levels
   * only answer the extension below.
   */
  #audioLevels(levels: readonly { UID: string; volume: number }[]): void {
    this.#serverEnergy.update(levels);
  }

  /** The member's voice level 0…10 as the server last measured it. */
  micEnergy(UID: string): number {
    return this.#serverEnergy.level(UID);
  }

  /**
   * Extension `CRVideo_SetVideoTileSize(UID, width, height)`: the app shows `UID`'s video this big (CSS
   * pixels; 0 × 0 = not shown, its video pauses). The server sends the simulcast layer that fits.
   */
  setTileSize(UID: string, width: number, height: number): void {
    this.#tiles.setSize(String(UID), Number(width), Number(height));
  }

  /**
   * Extension `CRVideo_SetMediaOptions({ simulcast, svc, prepareOnRing, opusFecDtx })`: whether cameras
   * produced from now on send three layers (`svc`: as one VP9 SVC stream where VP9 is there), whether
   * ringing calls prepare media before the answer, whether mics send Opus in-band FEC and DTX.
   */
  setOptions(
    o: { simulcast?: unknown; svc?: unknown; prepareOnRing?: unknown; opusFecDtx?: unknown } | null | undefined,
  ): void {
    if (typeof o?.opusFecDtx === 'boolean') this.#opusFecDtx = o.opusFecDtx;
    if (typeof o?.svc === 'boolean') this.#svc = o.svc;
    if (typeof o?.simulcast === 'boolean') this.#simulcast = o.simulcast;
    if (typeof o?.prepareOnRing === 'boolean') this.#prepareOnRing = o.prepareOnRing;
  }

  onResumed(): void {
    const room = this.#room;
    if (!room || room.closed) return;
    for (const t of [room.send, room.recv]) {
      if (t && !t.closed && (t.connectionState === 'failed' || t.connectionState === 'disconnected')) {
        void this.#restartIce(room, t);
      }
    }
  }

  #leaveRoom(): void {
    const room = this.#room;
    this.#room = null;
    room?.close();
    this.#tiles.clear();
    this.#serverEnergy.clear();
    this.#remote.clear();
    this.#speaker = '';
    this.#energy.clear();
    this.#netScore = -1;
    const mix = this.#mix;
    this.#mix = null;
    void mix?.ctx.close().catch(() => {});
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
      this.#emitExt('CRVideo_NotifyDeviceError', code, kind === 'audio' ? 'mic' : 'camera');
      const h5 = H5_CODE[code] ?? code;
      if (kind === 'audio') this.#ctx.emit('CRVideo_OpenMicFailed', h5, `the microphone could not open (${h5})`);
      else this.#ctx.emit('CRVideo_OpenVideoFailed', h5, `the camera could not open (${h5})`, this.h5.defaultVideo());
    }
    return code;
  }

  /** Fires an extension callback the core's API type may not list (a client without that holder ignores it). */
  #emitExt(name: string, ...args: unknown[]): void {
    (this.#ctx.emit as unknown as (n: string, ...a: unknown[]) => void)(name, ...args);
  }

  /** Restarts ICE on both transports (done by itself when ICE fails); for a known network change. Resolves to how many. */
  async restartIce(): Promise<number> {
    const room = this.#room;
    if (!room || room.closed) return 0;
    const done = await Promise.all(
      [room.send, room.recv].map((t) => (t && !t.closed ? this.#restartIce(room, t) : false)),
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
      return await this.#remote.setSink(deviceId);
    } catch (err) {
      this.#log(`selecting ${kind} ${deviceId} failed`, err);
      return SdkErr.UNKNOWERR;
    }
  }

  /** Extension `CRVideo_GetMediaStats`: connection health and per-member receive figures. */
  async getStats(): Promise<MediaStatsReport> {
    const room = this.#room;
    const report: MediaStatsReport = {
      meetID: room?.meetID ?? null,
      connected: false,
      rttMs: null,
      availableOutgoingBitrate: null,
      quality: 0,
      sent: { audio: null, video: null },
      members: {},
    };
    if (!room || room.closed || !room.send || !room.recv) return report;
    report.connected = room.send.connectionState === 'connected' && room.recv.connectionState === 'connected';
    try {
      const pair = candidatePairOf(await room.send.getStats());
      report.rttMs = pair.rttMs;
      report.availableOutgoingBitrate = pair.outgoing;
      if (report.rttMs === null) report.rttMs = candidatePairOf(await room.recv.getStats()).rttMs;
      for (const kind of ['audio', 'video'] as const) {
        const p = room.producers[kind];
        if (p && !p.closed) report.sent[kind] = outboundOf(await p.getStats());
      }
      let lost = 0;
      let got = 0;
      for (const c of room.consumers.values()) {
        const s: InboundStats | null = inboundOf(await c.consumer.getStats());
        report.members[c.UID] ??= { audio: null, video: null };
        const m = report.members[c.UID];
        if (m) m[c.consumer.kind as LocalKind] = s;
        lost += s?.packetsLost ?? 0;
        got += s?.packetsReceived ?? 0;
      }
      if (report.connected) report.quality = qualityOf(got + lost > 0 ? lost / (got + lost) : 0, report.rttMs);
    } catch (err) {
      this.#log('reading media stats failed', err);
    }
    return report;
  }

  /** Audio elements playing the other members (tests, debugging). */
  remotePlayers(): HTMLAudioElement[] {
    return this.#remote.players();
  }

  close(): void {
    if (this.#closed) return;
    this.exit();
    this.#tiles.close();
    this.#energy.close();
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
