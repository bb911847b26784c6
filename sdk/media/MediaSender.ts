import { Device, type types } from 'mediasoup-client';
import type { MediaResponseData } from '../../protocol/index.js';
import type { H5Devices } from './H5Devices.js';
import type { LocalKind, LocalMedia } from './LocalMedia.js';
import type { MediaContext } from './MediaEngine.js';
import { routerCapabilities, transportOptions } from './mediasoupTypes.js';
import type { RoomSession } from './RoomSession.js';
import { videoEncodings } from './simulcast.js';

export interface MediaSenderOptions {
  ctx: MediaContext;
  local: LocalMedia;
  /** The room the engine is in now (null outside rooms). */
  room: () => RoomSession | null;
  /** The device configuration (VideoCfg: bitrate cap, frame rate); set once it exists. */
  h5: () => H5Devices | null;
  /** A transport 'disconnected' this long gets an ICE restart; 'failed' gets one at once. */
  iceDisconnectedMs: number;
  iceTransportPolicy: RTCIceTransportPolicy | undefined;
  simulcast: boolean;
  log: (msg: string, extra?: unknown) => void;
}

/**
 * The sending half of the media engine and the transports it runs on: the mediasoup-client Device, the
 * send and receive transports (connect, ICE supervision and restarts), and one producer per captured
 * kind kept in line with the capture (held paused while a call rings).
 */
export class MediaSender {
  readonly #o: MediaSenderOptions;
  readonly #ctx: MediaContext;
  readonly #log: (msg: string, extra?: unknown) => void;
  #device: { key: string; device: Device } | null = null;
  /** Cameras send three simulcast layers (VP8) so viewers get the layer their tile needs. */
  simulcast: boolean;
  /** Cameras send VP9 SVC where the room and the browser have VP9 (else simulcast VP8). */
  svc = false;
  /** Opus in-band FEC and DTX (off only to measure what they bring). */
  opusFecDtx = true;
  /** Bitrate cap of the camera from SDKParams.videoSendBW (bps; 0 = none). */
  #sendCap = 0;

  constructor(o: MediaSenderOptions) {
    this.#o = o;
    this.#ctx = o.ctx;
    this.#log = o.log;
    this.simulcast = o.simulcast;
  }

  /** SDKParams.videoSendBW (kbps): the camera's bitrate cap when VideoCfg sets none. */
  setSendCap(bps: number): void {
    this.#sendCap = bps;
    this.applyEncoding();
  }

  /** A Device loaded with these router capabilities (kept: every room offers the same codecs). */
  async loadDevice(caps: MediaResponseData<'media.getRouterRtpCapabilities'>['rtpCapabilities']): Promise<Device> {
    const key = JSON.stringify(caps);
    if (this.#device?.key === key) return this.#device.device;
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities: routerCapabilities(caps) });
    this.#device = { key, device };
    return device;
  }

  /** Makes the room's send and receive transports from what the server created for them. */
  openTransports(
    room: RoomSession,
    device: Device,
    s: MediaResponseData<'media.createTransport'>,
    r: MediaResponseData<'media.createTransport'>,
  ): void {
    const send = device.createSendTransport(transportOptions(s, this.#o.iceTransportPolicy));
    room.send = send;
    this.#wire(room, send);
    send.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      this.#ctx
        .request('media.produce', { transportId: send.id, kind, rtpParameters, paused: appData.heldForRing === true })
        .then(({ id }) => ok({ id }), fail);
    });
    room.recv = device.createRecvTransport(transportOptions(r, this.#o.iceTransportPolicy));
    this.#wire(room, room.recv);
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
        void this.restartIce(room, t);
      } else if (state === 'disconnected') {
        room.later(this.#o.iceDisconnectedMs, () => {
          if (t.connectionState === 'disconnected') void this.restartIce(room, t);
        });
      }
    });
  }

  /** Restarts ICE on one transport (with fresh TURN credentials); checks again 5 s later. */
  async restartIce(room: RoomSession, t: types.Transport): Promise<boolean> {
    if (room.closed || t.closed) return false;
    let done = false;
    try {
      const { iceParameters, iceServers } = await this.#ctx.request('media.restartIce', { transportId: t.id });
      // Fresh TURN credentials first: the old ones may have expired while the call went on.
      if (iceServers) await t.updateIceServers({ iceServers });
      if (room.closed || t.closed) return false;
      await t.restartIce({ iceParameters });
      done = true;
    } catch (err) {
      this.#log(`ICE restart of the ${t.direction} transport failed`, err);
    }
    // Check again a while later: a restart during a longer outage may need another one.
    room.later(5000, () => {
      if (!t.closed && (t.connectionState === 'failed' || t.connectionState === 'disconnected')) {
        void this.restartIce(room, t);
      }
    });
    return done;
  }

  /** The room was entered after a preparation: the producers held while the call rang send now. */
  releaseHeld(room: RoomSession, live: () => boolean): void {
    for (const p of room.heldForRing) {
      room.heldForRing.delete(p);
      if (p.closed || !this.#o.local.track(p.kind)) continue;
      p.resume();
      this.#ctx.request('media.resumeProducer', { producerId: p.id }).catch((err: unknown) => {
        if (live()) this.#log(`resuming the ${p.kind} producer failed`, err);
      });
    }
  }

  /**
   * The call was answered: the held producers' copies of the capture are enabled (black frames and
   * silence until now), without a request; `releaseHeld` at the enter tells the server too.
   */
  enableHeld(room: RoomSession): void {
    room.answered = true;
    for (const p of room.heldForRing) if (!p.closed && this.#o.local.track(p.kind)) p.resume();
  }

  /** Tells the server the own mic / camera status (the others see it as media.status). */
  pushStatus(room: RoomSession): void {
    const local = this.#o.local;
    const payload = { audio: local.status('audio'), video: local.status('video') };
    this.#ctx.request('media.setStatus', payload).catch((err: unknown) => {
      if (!room.closed) this.#log('could not publish the mic / camera status', err);
    });
  }

  /** The camera's encoder: bitrate cap (VideoCfg.maxbps, else SDKParams.videoSendBW) and frame rate. */
  applyEncoding(): void {
    const p = this.#o.room()?.producers.video;
    const h5 = this.#o.h5();
    if (!p || p.closed || !h5) return;
    const cfg = h5.getVideoCfg();
    const maxBitrate = cfg.maxbps || this.#sendCap;
    const params: RTCRtpEncodingParameters = { maxFramerate: cfg.fps ?? 15 };
    if (maxBitrate > 0) params.maxBitrate = maxBitrate;
    p.setRtpEncodingParameters(params).catch((err: unknown) => this.#log('could not apply the video settings', err));
  }

  /** Brings the producer of `kind` in line with the capture: produce, swap the track, pause or resume. */
  publish(kind: LocalKind): void {
    const room = this.#o.room();
    if (!room) return;
    room.publishing[kind] = room.publishing[kind]
      .then(() => this.#syncProducer(room, kind))
      .catch((err: unknown) => {
        if (!room.closed) this.#log(`publishing the ${kind === 'audio' ? 'mic' : 'camera'} failed`, err);
      });
  }

  async #syncProducer(room: RoomSession, kind: LocalKind): Promise<void> {
    if (room.closed || !room.send || !room.device) return;
    const track = this.#o.local.track(kind);
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
    const held = !room.entered && !room.answered;
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
        ? { codecOptions: { opusDtx: this.opusFecDtx, opusFec: this.opusFecDtx } }
        : videoEncodings(room.device, this.simulcast, track.getSettings?.().height, this.svc)),
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
    if (kind === 'video') this.applyEncoding();
  }
}
