import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import {
  CRVideoError,
  type MediaNotificationData,
  type MediaNotificationName,
  type MediaPeerInfo,
  type MediaRequestPayload,
  type MediaRequestType,
  type MediaResponseData,
  SdkErr,
} from '../../protocol/index.js';
import type { MediaPeer } from '../MediaHooks.js';
import { MEDIA_CODECS, type ResolvedMediaOptions } from './config.js';
import { MediaMember } from './MediaMember.js';
import type { WorkerSlot } from './WorkerPool.js';

/** mediasoup object counts of one room, read from the worker (not from our own bookkeeping). */
export interface RoomCounts {
  transports: number;
  producers: number;
  consumers: number;
  rtpObservers: number;
}

type Handler<T extends MediaRequestType> = (m: MediaMember, p: MediaRequestPayload<T>) => Promise<MediaResponseData<T>>;

/** Wraps mediasoup's own parameter errors (TypeError, bad state) as sdkErr 5; keeps CRVideoErrors. */
function asParamError(err: unknown, what: string): CRVideoError {
  if (err instanceof CRVideoError) return err;
  return new CRVideoError(SdkErr.MEETPARAM_ERR, `${what}: ${(err as Error).message}`, { cause: err });
}

/** One room on one worker: its router, its members' media, and who consumes whom. */
export class MediaRoom {
  readonly meetID: number;
  readonly slot: WorkerSlot;
  readonly router: types.Router;
  readonly members = new Map<string, MediaMember>();
  readonly #speakers: types.ActiveSpeakerObserver | null;
  readonly #opts: ResolvedMediaOptions;
  readonly #log: Logger;
  #speaker = '';
  #closed = false;

  private constructor(
    meetID: number,
    slot: WorkerSlot,
    router: types.Router,
    speakers: types.ActiveSpeakerObserver | null,
    opts: ResolvedMediaOptions,
    log: Logger,
  ) {
    this.meetID = meetID;
    this.slot = slot;
    this.router = router;
    this.#speakers = speakers;
    this.#opts = opts;
    this.#log = log;
    speakers?.on('dominantspeaker', ({ producer }) => {
      const from = this.#memberOf(producer);
      if (from) this.#setSpeaker(from.UID);
    });
  }

  static async create(meetID: number, slot: WorkerSlot, opts: ResolvedMediaOptions, log: Logger): Promise<MediaRoom> {
    const router = await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { meetID } });
    let speakers: types.ActiveSpeakerObserver | null = null;
    try {
      if (opts.activeSpeaker) speakers = await router.createActiveSpeakerObserver({ interval: 500 });
    } catch (err) {
      router.close();
      throw err;
    }
    const roomLog = log.child({ meetID });
    roomLog.info({ worker: slot.index, pid: slot.worker.pid, router: router.id }, 'media room opened');
    return new MediaRoom(meetID, slot, router, speakers, opts, roomLog);
  }

  get closed(): boolean {
    return this.#closed || this.router.closed;
  }

  join(peer: MediaPeer): void {
    this.members.get(peer.peerId)?.close();
    this.members.set(peer.peerId, new MediaMember(peer));
    this.#log.info({ UID: peer.UID, peer: peer.peerId.slice(0, 8) }, 'media member joined');
  }

  /** Closes what the member owns and tells the others its media is gone. */
  leave(peerId: string): void {
    const m = this.members.get(peerId);
    if (!m) return;
    this.members.delete(peerId);
    m.close();
    if (this.#speaker === m.UID && ![...this.members.values()].some((o) => o.UID === m.UID)) this.#setSpeaker('');
    this.#broadcast(m, 'media.peerLeft', { peerId: m.id, UID: m.UID });
    this.#log.info({ UID: m.UID, peer: peerId.slice(0, 8), left: this.members.size }, 'media member left');
  }

  member(peerId: string): MediaMember {
    const m = this.members.get(peerId);
    if (!m) throw new CRVideoError(SdkErr.AUTHERROR, 'not a member of this room');
    return m;
  }

  async handle<T extends MediaRequestType>(
    peerId: string,
    type: T,
    payload: MediaRequestPayload<T>,
  ): Promise<MediaResponseData<T>> {
    const m = this.member(peerId);
    const handler = this.#handlers[type] as Handler<T>;
    return handler(m, payload);
  }

  readonly #handlers: { [K in MediaRequestType]: Handler<K> } = {
    'media.getRouterRtpCapabilities': async () => ({
      rtpCapabilities: this.router
        .rtpCapabilities as MediaResponseData<'media.getRouterRtpCapabilities'>['rtpCapabilities'],
    }),
    'media.createTransport': (m, p) => this.#createTransport(m, p.direction),
    'media.connectTransport': async (m, p) => {
      const t = m.transport(p.transportId);
      try {
        await t.connect({ dtlsParameters: p.dtlsParameters as types.DtlsParameters });
      } catch (err) {
        throw asParamError(err, 'connectTransport');
      }
      return {};
    },
    'media.restartIce': async (m, p) => {
      const iceParameters = await m.transport(p.transportId).restartIce();
      this.#log.info({ UID: m.UID, transport: p.transportId }, 'ICE restarted');
      return { iceParameters };
    },
    'media.ready': async (m, p) => {
      if (!m.recv) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'create the receive transport first');
      m.rtpCapabilities = p.rtpCapabilities as types.RtpCapabilities;
      const peers: MediaPeerInfo[] = [];
      for (const other of this.members.values()) {
        if (other === m) continue;
        peers.push(other.info());
        for (const producer of other.producers.values()) void this.#consume(m, other, producer);
      }
      return { peers };
    },
    'media.produce': (m, p) => this.#produce(m, p),
    'media.closeProducer': async (m, p) => {
      const producer = m.producer(p.producerId);
      m.producers.delete(producer.id);
      producer.close();
      this.#speakerGone(m, producer);
      return {};
    },
    'media.pauseProducer': async (m, p) => {
      const producer = m.producer(p.producerId);
      await producer.pause();
      this.#speakerGone(m, producer);
      return {};
    },
    'media.resumeProducer': async (m, p) => {
      await m.producer(p.producerId).resume();
      return {};
    },
    'media.resumeConsumer': async (m, p) => {
      await m.consumer(p.consumerId).resume();
      return {};
    },
    'media.pauseConsumer': async (m, p) => {
      await m.consumer(p.consumerId).pause();
      return {};
    },
    'media.setStatus': async (m, p) => {
      const before = `${m.audio}/${m.video}`;
      if (p.audio !== undefined) m.audio = p.audio;
      if (p.video !== undefined) m.video = p.video;
      if (`${m.audio}/${m.video}` !== before) {
        this.#log.info({ UID: m.UID, audio: m.audio, video: m.video }, 'media status');
        this.#broadcast(m, 'media.status', m.info());
      }
      return {};
    },
    'media.getStats': (m) => this.#stats(m),
  };

  async #createTransport(
    m: MediaMember,
    direction: 'send' | 'recv',
  ): Promise<MediaResponseData<'media.createTransport'>> {
    const o = this.#opts;
    const t = await this.router.createWebRtcTransport({
      webRtcServer: this.slot.webRtcServer,
      enableUdp: true,
      enableTcp: o.enableTcp,
      preferUdp: true,
      initialAvailableOutgoingBitrate: o.initialAvailableOutgoingBitrate,
      appData: { peerId: m.id, direction },
    });
    if (m.closed || this.closed) {
      t.close();
      throw new CRVideoError(SdkErr.AUTHERROR, 'left the room while the transport was made');
    }
    if (o.maxIncomingBitrate > 0) await t.setMaxIncomingBitrate(o.maxIncomingBitrate).catch(() => {});
    const old = direction === 'send' ? m.send : m.recv;
    if (old) {
      this.#log.info({ UID: m.UID, direction, old: old.id }, 'transport replaced');
      old.close();
      if (direction === 'recv') m.consuming.clear();
    }
    if (direction === 'send') m.send = t;
    else m.recv = t;
    t.on('dtlsstatechange', (state) => {
      if (state === 'failed') this.#log.warn({ UID: m.UID, direction, state }, 'DTLS failed');
      else if (state === 'closed') this.#log.debug({ UID: m.UID, direction }, 'DTLS closed by the client');
    });
    t.on('icestatechange', (state) => {
      if (state === 'disconnected') this.#log.info({ UID: m.UID, direction, state }, 'ICE state');
    });
    return {
      id: t.id,
      iceParameters: t.iceParameters,
      iceCandidates: t.iceCandidates,
      dtlsParameters: t.dtlsParameters as MediaResponseData<'media.createTransport'>['dtlsParameters'],
    };
  }

  async #produce(m: MediaMember, p: MediaRequestPayload<'media.produce'>): Promise<MediaResponseData<'media.produce'>> {
    const t = m.transport(p.transportId);
    if (t !== m.send) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'produce on the send transport');
    let producer: types.Producer;
    try {
      producer = await t.produce({
        kind: p.kind,
        rtpParameters: p.rtpParameters as types.RtpParameters,
        paused: p.paused ?? false,
        appData: { peerId: m.id },
      });
    } catch (err) {
      throw asParamError(err, 'produce');
    }
    if (m.closed || t.closed) {
      producer.close();
      throw new CRVideoError(SdkErr.AUTHERROR, 'left the room while producing');
    }
    // One producer per kind: a new one replaces the old (the client re-produced after a transport change).
    const old = m.producerOfKind(p.kind);
    if (old) {
      m.producers.delete(old.id);
      old.close();
    }
    m.producers.set(producer.id, producer);
    producer.on('transportclose', () => m.producers.delete(producer.id));
    if (producer.kind === 'audio' && this.#speakers) {
      await this.#speakers.addProducer({ producerId: producer.id }).catch((err) => {
        this.#log.warn({ err: (err as Error).message }, 'active speaker observer refused a producer');
      });
    }
    this.#log.info({ UID: m.UID, kind: producer.kind, producer: producer.id }, 'producing');
    for (const other of this.members.values()) if (other !== m) void this.#consume(other, m, producer);
    return { id: producer.id };
  }

  /** Creates a paused consumer of `from`'s producer on `to`'s receive transport and announces it to `to`. */
  async #consume(to: MediaMember, from: MediaMember, producer: types.Producer): Promise<void> {
    // Started without awaiting (void): a failure here must be logged, never left as an unhandled rejection.
    await this.#consumeUnguarded(to, from, producer).catch((err: unknown) => {
      this.#log.error({ UID: to.UID, from: from.UID, err }, 'consume failed unexpectedly');
    });
  }

  async #consumeUnguarded(to: MediaMember, from: MediaMember, producer: types.Producer): Promise<void> {
    const recv = to.recv;
    const caps = to.rtpCapabilities;
    if (to.closed || !recv || !caps || producer.closed || to.consuming.has(producer.id)) return;
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      this.#log.warn({ UID: to.UID, from: from.UID, kind: producer.kind }, 'member cannot receive this codec');
      return;
    }
    to.consuming.add(producer.id);
    let consumer: types.Consumer;
    try {
      consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true });
    } catch (err) {
      to.consuming.delete(producer.id);
      if (!recv.closed && !producer.closed) this.#log.warn({ err: (err as Error).message }, 'consume failed');
      return;
    }
    if (to.closed || recv !== to.recv) {
      consumer.close();
      return;
    }
    const forget = () => {
      to.consumers.delete(consumer.id);
      if (recv === to.recv) to.consuming.delete(producer.id);
    };
    to.consumers.set(consumer.id, consumer);
    consumer.on('transportclose', forget);
    consumer.on('producerclose', () => {
      forget();
      to.peer.notify('media.consumerClosed', { id: consumer.id });
    });
    consumer.on('producerpause', () => to.peer.notify('media.consumerPaused', { id: consumer.id }));
    consumer.on('producerresume', () => to.peer.notify('media.consumerResumed', { id: consumer.id }));
    to.peer.notify('media.newConsumer', {
      id: consumer.id,
      producerId: producer.id,
      peerId: from.id,
      UID: from.UID,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as MediaNotificationData<'media.newConsumer'>['rtpParameters'],
      producerPaused: consumer.producerPaused,
    });
  }

  async #stats(m: MediaMember): Promise<MediaResponseData<'media.getStats'>> {
    const transports: MediaResponseData<'media.getStats'>['transports'] = [];
    for (const [direction, t] of [
      ['send', m.send],
      ['recv', m.recv],
    ] as const) {
      if (!t) continue;
      const [s] = await t.getStats();
      transports.push({
        transportId: t.id,
        direction,
        iceState: t.iceState,
        dtlsState: t.dtlsState,
        bytesSent: s?.bytesSent ?? 0,
        bytesReceived: s?.bytesReceived ?? 0,
        sendBitrate: s?.sendBitrate ?? 0,
        recvBitrate: s?.recvBitrate ?? 0,
        ...(s?.availableOutgoingBitrate !== undefined ? { availableOutgoingBitrate: s.availableOutgoingBitrate } : {}),
      });
    }
    const producers = [...m.producers.values()].map((p) => ({
      kind: p.kind,
      score: p.score.reduce((best, s) => Math.max(best, s.score), 0),
    }));
    const consumers: MediaResponseData<'media.getStats'>['consumers'] = [];
    for (const c of m.consumers.values()) {
      const from = this.#memberOfProducerId(c.producerId);
      consumers.push({ kind: c.kind, score: c.score.score, ...(from ? { UID: from.UID } : {}) });
    }
    return { transports, producers, consumers };
  }

  #memberOf(producer: types.Producer): MediaMember | undefined {
    const peerId = producer.appData.peerId;
    return typeof peerId === 'string' ? this.members.get(peerId) : undefined;
  }

  #memberOfProducerId(producerId: string): MediaMember | undefined {
    for (const m of this.members.values()) if (m.producers.has(producerId)) return m;
    return undefined;
  }

  #setSpeaker(UID: string): void {
    if (this.#speaker === UID) return;
    this.#speaker = UID;
    for (const m of this.members.values()) m.peer.notify('media.activeSpeaker', { UID });
  }

  /** The dominant speaker's mic closed: nobody is speaking until the observer says otherwise. */
  #speakerGone(m: MediaMember, producer: types.Producer): void {
    if (producer.kind === 'audio' && this.#speaker === m.UID) this.#setSpeaker('');
  }

  #broadcast<N extends MediaNotificationName>(except: MediaMember, name: N, data: MediaNotificationData<N>): void {
    for (const m of this.members.values()) if (m !== except) m.peer.notify(name, data);
  }

  /** Counts read from the worker: what really exists, whatever our maps say. */
  async counts(): Promise<RoomCounts> {
    if (this.closed) return { transports: 0, producers: 0, consumers: 0, rtpObservers: 0 };
    const d = await this.router.dump();
    return {
      transports: d.transportIds.length,
      producers: d.mapProducerIdConsumerIds.length,
      consumers: d.mapConsumerIdProducerId.length,
      rtpObservers: d.rtpObserverIds.length,
    };
  }

  /** Closes the router (and everything in it). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const m of this.members.values()) m.close();
    this.members.clear();
    this.router.close();
    this.#log.info('media room closed');
  }
}
