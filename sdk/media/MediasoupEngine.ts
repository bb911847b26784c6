import { Device, type types } from 'mediasoup-client';
import {
  issueText,
  type MediaNotificationData,
  type MediaNotificationName,
  type MediaStatus,
  mediaNotifications,
  SdkErr,
} from '../../protocol/index.js';
import type { CRVideoDevice } from '../api.js';
import { type CaptureSettings, type LocalKind, LocalMedia } from './LocalMedia.js';
import type { MediaContext, MediaEngine, MediaEngineFactory } from './MediaEngine.js';
import {
  candidatePairOf,
  type InboundStats,
  inboundOf,
  type MediaStatsReport,
  outboundOf,
  qualityOf,
} from './mediaStats.js';
import { RemoteMembers } from './RemoteMembers.js';

export type { MediaStatsReport } from './mediaStats.js';

export interface MediasoupEngineOptions {
  /** getUserMedia constraints for the mic and the camera. */
  capture?: CaptureSettings;
  /** A transport 'disconnected' this long gets an ICE restart (default 3000 ms); 'failed' gets one at once. */
  iceDisconnectedMs?: number;
  /** 'relay': media only through the server's TURN relays (networks that allow nothing else; tests). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  log?: (msg: string, extra?: unknown) => void;
}

interface RemoteConsumer {
  consumer: types.Consumer;
  UID: string;
  peerId: string;
}

/** One stay in one room: the device, the two transports, and what runs on them. */
class RoomSession {
  readonly meetID: number;
  device: Device | null = null;
  send: types.Transport | null = null;
  recv: types.Transport | null = null;
  readonly producers: Record<LocalKind, types.Producer | null> = { audio: null, video: null };
  readonly consumers = new Map<string, RemoteConsumer>();
  /** Consumers being created: started at once (mediasoup-client batches them), awaited by their close. */
  readonly consuming = new Map<string, Promise<void>>();
  /** Set once `media.ready` is answered: status updates start then. */
  ready = false;
  closed = false;
  /** Notifications are handled one after another (a consumer's close never overtakes its creation). */
  inbox: Promise<void> = Promise.resolve();
  readonly publishing: Record<LocalKind, Promise<void>> = { audio: Promise.resolve(), video: Promise.resolve() };
  readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(meetID: number) {
    this.meetID = meetID;
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.consumers.values()) c.consumer.close();
    this.consumers.clear();
    this.send?.close();
    this.recv?.close();
  }
}

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
  #room: RoomSession | null = null;
  #device: { key: string; device: Device } | null = null;
  #speaker = '';
  #closed = false;
  readonly #iceTransportPolicy: RTCIceTransportPolicy | undefined;

  constructor(ctx: MediaContext, options: MediasoupEngineOptions = {}) {
    this.#ctx = ctx;
    this.#log = options.log ?? ((msg, extra) => console.warn(`[CRVideo media] ${msg}`, extra ?? ''));
    this.#iceDisconnectedMs = options.iceDisconnectedMs ?? 3000;
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
    if (this.#room && !this.#room.closed && this.#room.meetID === meetID) return;
    if (this.#room) this.#leaveRoom();
    const room = new RoomSession(meetID);
    this.#room = room;
    try {
      await this.#setUp(room);
    } catch (err) {
      if (this.#room === room) this.#log(`media set-up in room ${meetID} failed`, err);
      throw err;
    }
  }

  async #setUp(room: RoomSession): Promise<void> {
    const live = () => this.#room === room && !room.closed;
    const detecting = this.#local.detect();
    // Everything that does not depend on the device runs at once: one round trip instead of four.
    const [{ rtpCapabilities }, s, r] = await Promise.all([
      this.#ctx.request('media.getRouterRtpCapabilities', {}),
      this.#ctx.request('media.createTransport', { direction: 'send' }),
      this.#ctx.request('media.createTransport', { direction: 'recv' }),
    ]);
    if (!live()) return;
    const device = await this.#loadDevice(rtpCapabilities as types.RtpCapabilities);
    if (!live()) return;
    room.device = device;

    const send = device.createSendTransport(this.#withRelay(s));
    room.send = send;
    this.#wire(room, send);
    send.on('produce', ({ kind, rtpParameters }, ok, fail) => {
      this.#ctx
        .request('media.produce', { transportId: send.id, kind, rtpParameters })
        .then(({ id }) => ok({ id }), fail);
    });
    room.recv = device.createRecvTransport(this.#withRelay(r));
    this.#wire(room, room.recv);
    // Publish what is already captured now: the others receive it while we finish setting up.
    for (const kind of ['audio', 'video'] as const) if (this.#local.track(kind)) this.#publish(kind);

    const { peers } = await this.#ctx.request('media.ready', { rtpCapabilities: device.rtpCapabilities });
    if (!live()) return;
    for (const p of peers) this.#remote.update(p);
    await detecting;
    if (!live()) return;
    room.ready = true;
    this.#pushStatus(room);
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
      return;
    }
    if (producer && !producer.closed) {
      if (producer.track !== track) await producer.replaceTrack({ track });
      if (producer.paused) {
        producer.resume();
        await this.#ctx.request('media.resumeProducer', { producerId: producer.id });
      }
      return;
    }
    if (!room.device.canProduce(kind)) {
      this.#log(`this browser cannot send ${kind} with the room's codecs`);
      return;
    }
    const p = await room.send.produce({
      track,
      stopTracks: false,
      ...(kind === 'audio' ? { codecOptions: { opusDtx: true, opusFec: true } } : {}),
    });
    if (room.closed) {
      p.close();
      return;
    }
    room.producers[kind] = p;
    p.on('transportclose', () => {
      if (room.producers[kind] === p) room.producers[kind] = null;
    });
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
    // The server created it paused; resuming also asks the sender for a key frame.
    this.#ctx.request('media.resumeConsumer', { consumerId: d.id }).catch((err: unknown) => {
      if (!room.closed && !consumer.closed) this.#log(`resuming ${d.kind} of ${d.UID} failed`, err);
    });
    const stream = new MediaStream([consumer.track]);
    if (d.kind === 'audio') {
      this.#remote.play(d.UID, d.peerId, stream);
      this.#ctx.emit('CRVideo_NotifyAudioStream', d.UID, stream);
    } else {
      this.#ctx.emit('CRVideo_NotifyVideoStream', d.UID, stream);
    }
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
    this.#remote.clear();
    this.#speaker = '';
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
    const code = await this.#local.open(kind);
    if (code !== SdkErr.NOERR) this.#emitExt('CRVideo_NotifyDeviceError', code, kind === 'audio' ? 'mic' : 'camera');
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
