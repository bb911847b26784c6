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
import { layerForTile } from './layers.js';
import { MediaMember } from './MediaMember.js';
import type { WorkerSlot } from './WorkerPool.js';

/** How long a layered consumer's fast start waits for layer 0 before it goes to its tile's layer. */
const WARM_UP_DEADLINE_MS = 300;

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
  readonly #levels: types.AudioLevelObserver | null;
  readonly #opts: ResolvedMediaOptions;
  readonly #log: Logger;
  #speaker = '';
  /**
   * Video consumers in their fast start: resumed at the lowest spatial layer, whose key frame is the
   * smallest and comes first, until that layer is being forwarded; then they get the layer their tile needs.
   */
  readonly #warming = new Set<string>();
  /** Consumers resumed at least once (a fast start only happens at the first resume). */
  readonly #started = new WeakSet<types.Consumer>();
  /** Audio producers in the speaker observer (open mics of entered members). */
  readonly #speaking = new Set<string>();
  #closed = false;

  private constructor(
    meetID: number,
    slot: WorkerSlot,
    router: types.Router,
    speakers: types.ActiveSpeakerObserver | null,
    levels: types.AudioLevelObserver | null,
    opts: ResolvedMediaOptions,
    log: Logger,
  ) {
    this.meetID = meetID;
    this.slot = slot;
    this.router = router;
    this.#speakers = speakers;
    this.#levels = levels;
    // Voice levels of the loud members, for CRVideo_MicEnergyUpdate (the SDK maps dBov to 0…10).
    levels?.on('volumes', (volumes) => {
      const out: { UID: string; volume: number }[] = [];
      for (const { producer, volume } of volumes) {
        const from = this.#memberOf(producer);
        if (from && !from.hidden) out.push({ UID: from.UID, volume });
      }
      for (const m of this.#visible()) m.peer.notify('media.audioLevels', { levels: out });
    });
    levels?.on('silence', () => {
      for (const m of this.#visible()) m.peer.notify('media.audioLevels', { levels: [] });
    });
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
    let levels: types.AudioLevelObserver | null = null;
    try {
      if (opts.activeSpeaker) {
        speakers = await router.createActiveSpeakerObserver({ interval: 500 });
        levels = await router.createAudioLevelObserver({ maxEntries: 16, threshold: -70, interval: 800 });
      }
    } catch (err) {
      router.close();
      throw err;
    }
    const roomLog = log.child({ meetID });
    roomLog.info({ worker: slot.index, pid: slot.worker.pid, router: router.id }, 'media room opened');
    return new MediaRoom(meetID, slot, router, speakers, levels, opts, roomLog);
  }

  get closed(): boolean {
    return this.#closed || this.router.closed;
  }

  /**
   * A member enters (or, `hidden`, prepares while a call rings). A prepared member that enters keeps
   * what it set up and becomes visible: it consumes the others and they consume it at once.
   */
  join(peer: MediaPeer, hidden = false, group: string | null = null): void {
    const old = this.members.get(peer.peerId);
    if (old?.hidden && !hidden && !old.closed) {
      old.enter(peer);
      this.#promote(old);
      return;
    }
    old?.close();
    const m = new MediaMember(peer, hidden, group);
    this.members.set(peer.peerId, m);
    this.#log.info(
      { UID: peer.UID, peer: peer.peerId.slice(0, 8), hidden },
      hidden ? 'media member prepared' : 'media member joined',
    );
  }

  /** Whether `peerId` is here only prepared (not entered). */
  isHidden(peerId: string): boolean {
    return this.members.get(peerId)?.hidden === true;
  }

  /**
   * The call these prepared members were prepared for was answered: their held producers resume here
   * (the client's own resume request would come a round trip later, after its enter) and the consumers
   * between them start at once with a key frame, so the first frame is on its way while both enter.
   */
  answered(peerIds: readonly string[]): void {
    const parties: MediaMember[] = [];
    for (const id of peerIds) {
      const m = this.members.get(id);
      if (!m?.hidden || m.closed) continue;
      m.markAnswered();
      parties.push(m);
    }
    if (parties.length === 0) return;
    this.#log.info({ UIDs: parties.map((m) => m.UID) }, 'call answered: prepared media starts');
    // The consumers first, then the producers, each group at once: mediasoup asks a video producer's
    // sender for a key frame when the producer resumes, and Chromium ignores a key frame request that
    // comes less than 300 ms after its last key frame. A consumer resumed after that key frame went by
    // asked in vain and waited for mediasoup's next request, a second later (bench:media --trace: one
    // call in 20–40 showed its first frame after 1.1–1.6 s). Resumed before, it forwards that key frame.
    void (async () => {
      const starts: Promise<void>[] = [];
      for (const viewer of parties)
        for (const c of viewer.consumers.values()) {
          if (!parties.includes(this.#memberOfProducerId(c.producerId) as MediaMember)) continue;
          starts.push(
            this.#applyView(viewer, c).catch((err: unknown) => {
              if (!c.closed) this.#log.warn({ err: (err as Error).message }, 'could not start a prepared consumer');
            }),
          );
        }
      await Promise.all(starts);
      await Promise.all(
        parties.flatMap((m) =>
          [...m.producers.values()].map((p) => (p.paused && !p.closed ? p.resume().catch(() => {}) : undefined)),
        ),
      );
    })();
  }

  /** Members that entered (prepared ones are invisible to everyone). */
  *#visible(): Iterable<MediaMember> {
    for (const m of this.members.values()) if (!m.hidden && !m.closed) yield m;
  }

  /**
   * Whether `to` may receive `from`: both entered, or both prepared for the same ringing call. The
   * latter connects the receive transports while the call rings; its consumers stay paused (and the
   * producers held) until both have entered, so nothing flows before the answer.
   */
  #sees(to: MediaMember, from: MediaMember): boolean {
    if (to === from || to.closed || from.closed) return false;
    if (!to.hidden && !from.hidden) return true;
    // The caller's device and the callee's devices: never two devices of one user.
    return to.hidden && from.hidden && to.group !== null && to.group === from.group && to.UID !== from.UID;
  }

  /** Members `m` may receive (for a prepared member: the other party of its call). */
  *#seenBy(m: MediaMember): Iterable<MediaMember> {
    for (const o of this.members.values()) if (this.#sees(m, o)) yield o;
  }

  /** A prepared member entered (`m.enter`): it consumes the others and they consume it. */
  #promote(m: MediaMember): void {
    this.#log.info({ UID: m.UID, peer: m.id.slice(0, 8), producers: m.producers.size }, 'prepared member entered');
    for (const producer of m.producers.values()) {
      if (producer.kind === 'audio') void this.#observe(producer);
    }
    for (const other of this.#visible()) {
      if (other === m) continue;
      if (m.rtpCapabilities) for (const p of other.producers.values()) void this.#consume(m, other, p);
      for (const p of m.producers.values()) void this.#consume(other, m, p);
    }
    // Consumers made while the call rang resume now where both sides have entered (and were resumed).
    for (const viewer of this.members.values()) {
      for (const c of viewer.consumers.values()) {
        const from = this.#memberOfProducerId(c.producerId);
        if (viewer !== m && from !== m) continue;
        this.#applyView(viewer, c).catch((err: unknown) => {
          if (!c.closed) this.#log.warn({ err: (err as Error).message }, 'could not resume a prepared consumer');
        });
      }
    }
    if (m.audio !== 0 || m.video !== 0) this.#broadcast(m, 'media.status', m.info());
    if (this.#speaker) m.peer.notify('media.activeSpeaker', { UID: this.#speaker });
  }

  /** Closes what the member owns and tells the others its media is gone. */
  leave(peerId: string): void {
    const m = this.members.get(peerId);
    if (!m) return;
    this.members.delete(peerId);
    m.close();
    if (m.hidden) {
      this.#log.info({ UID: m.UID, peer: peerId.slice(0, 8) }, 'prepared media member torn down');
      return;
    }
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
    return this.#handlers[type](m, payload);
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
      m.setRtpCapabilities(p.rtpCapabilities as types.RtpCapabilities);
      const peers: MediaPeerInfo[] = [];
      for (const other of this.#seenBy(m)) {
        if (!m.hidden) peers.push(other.info());
        for (const producer of other.producers.values()) void this.#consume(m, other, producer);
      }
      return { peers };
    },
    'media.produce': (m, p) => this.#produce(m, p),
    'media.closeProducer': async (m, p) => {
      const producer = m.producer(p.producerId);
      m.closeProducer(producer);
      this.#speakerGone(m, producer);
      return {};
    },
    'media.pauseProducer': async (m, p) => {
      const producer = m.producer(p.producerId);
      await producer.pause();
      this.#speakerGone(m, producer);
      // The observer keeps a paused producer as its dominant speaker and only announces a change, so the
      // same member opening the mic again would never be named: a closed mic leaves the observer.
      if (producer.kind === 'audio' && this.#speaking.delete(producer.id))
        await this.#speakers?.removeProducer({ producerId: producer.id }).catch(() => {});
      return {};
    },
    'media.resumeProducer': async (m, p) => {
      const producer = m.producer(p.producerId);
      await producer.resume();
      if (producer.kind === 'audio' && !m.hidden && !this.#speaking.has(producer.id))
        await this.#observe(producer, true);
      return {};
    },
    'media.resumeConsumer': async (m, p) => {
      const c = m.consumer(p.consumerId);
      m.want(c.id, true);
      await this.#applyView(m, c);
      return {};
    },
    'media.pauseConsumer': async (m, p) => {
      const c = m.consumer(p.consumerId);
      m.want(c.id, false);
      await c.pause();
      return {};
    },
    'media.prepare': async () => {
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'media.prepare is answered by the signaling server');
    },
    'media.setTileSize': async (m, p) => {
      const c = m.consumer(p.consumerId);
      m.setTile(c.id, { width: p.width, height: p.height, hidden: p.hidden === true });
      await this.#applyView(m, c);
      return {};
    },
    'media.setStatus': async (m, p) => {
      if (m.setStatus(p) && !m.hidden) {
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
      // UID too: a trace of the worker's objects (bench:media --trace) tells whose transport it is.
      appData: { peerId: m.id, UID: m.UID, direction },
    });
    if (m.closed || this.closed) {
      t.close();
      throw new CRVideoError(SdkErr.AUTHERROR, 'left the room while the transport was made');
    }
    if (o.maxIncomingBitrate > 0) await t.setMaxIncomingBitrate(o.maxIncomingBitrate).catch(() => {});
    const old = m.setTransport(direction, t);
    if (old) this.#log.info({ UID: m.UID, direction, old: old.id }, 'transport replaced');
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
    m.addProducer(producer);
    if (producer.kind === 'audio' && !m.hidden) await this.#observe(producer);
    this.#log.info({ UID: m.UID, kind: producer.kind, producer: producer.id }, 'producing');
    for (const other of this.members.values()) if (this.#sees(other, m)) void this.#consume(other, m, producer);
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
    if (to.closed || !recv || !caps || producer.closed || to.isConsuming(producer.id)) return;
    if (!this.#sees(to, from)) return;
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      this.#log.warn({ UID: to.UID, from: from.UID, kind: producer.kind }, 'member cannot receive this codec');
      return;
    }
    to.markConsuming(producer.id, true);
    let consumer: types.Consumer;
    try {
      consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true });
    } catch (err) {
      to.markConsuming(producer.id, false);
      if (!recv.closed && !producer.closed) this.#log.warn({ err: (err as Error).message }, 'consume failed');
      return;
    }
    if (to.closed || recv !== to.recv) {
      consumer.close();
      return;
    }
    to.addConsumer(consumer, recv, () => to.peer.notify('media.consumerClosed', { id: consumer.id }));
    consumer.on('producerpause', () => to.peer.notify('media.consumerPaused', { id: consumer.id }));
    consumer.on('producerresume', () => to.peer.notify('media.consumerResumed', { id: consumer.id }));
    if (consumer.type === 'simulcast' || consumer.type === 'svc') {
      consumer.on('layerschange', (layers) =>
        to.peer.notify('media.consumerLayers', {
          id: consumer.id,
          spatialLayer: layers?.spatialLayer ?? null,
          temporalLayer: layers?.temporalLayer ?? null,
        }),
      );
    }
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

  /**
   * Brings a video consumer in line with how its viewer shows it: paused while its tile is hidden (0 × 0)
   * or the client has not resumed it; otherwise resumed (with a key frame at once) at the simulcast layer
   * the tile needs, the top one for the active speaker. Within that ceiling mediasoup lowers the layer
   * itself when the viewer's bandwidth estimate cannot carry it.
   */
  async #applyView(m: MediaMember, c: types.Consumer): Promise<void> {
    if (c.closed) return;
    const from = this.#memberOfProducerId(c.producerId);
    const speaking = from !== undefined && from.UID === this.#speaker && this.#speaker !== '';
    const tile = m.tile(c.id);
    const shown = c.kind === 'audio' || !tile?.hidden;
    // Prepared while ringing: a consumer between the call's parties waits for the answer (or both enters).
    const entered = (!m.hidden || m.answered) && from !== undefined && (!from.hidden || from.answered);
    if (!m.wants(c.id) || !shown || !entered) {
      if (!c.paused) {
        await c.pause();
        if (m.wants(c.id)) this.#log.debug({ UID: m.UID, consumer: c.id }, 'tile hidden: consumer paused');
      }
      return;
    }
    const layered = c.kind === 'video' && (c.type === 'simulcast' || c.type === 'svc');
    if (layered && c.paused && !this.#started.has(c) && this.#opts.fastStartLayer) this.#warmUp(m, c);
    if (layered) {
      const layers = this.#spatialLayersOf(c);
      const wanted = speaking ? layers - 1 : layerForTile(tile?.height || undefined, layers);
      const spatialLayer = this.#warming.has(c.id) ? 0 : wanted;
      if (c.preferredLayers?.spatialLayer !== spatialLayer) {
        await c.setPreferredLayers({ spatialLayer, temporalLayer: 2 });
      }
      if (c.priority !== (speaking ? 2 : 1)) await c.setPriority(speaking ? 2 : 1);
    }
    if (c.paused) {
      this.#started.add(c);
      await c.resume();
      // resume asks for a key frame once the transport is connected; ask again now so a tile shown again
      // never waits for the next periodic key frame.
      if (c.kind === 'video') await c.requestKeyFrame().catch(() => {});
    }
  }

  /**
   * First resume of a layered video consumer: it starts at layer 0 (the smallest key frame, sent and
   * decoded first) and moves to its tile's layer once layer 0 is forwarded, or after 300 ms at most.
   */
  #warmUp(m: MediaMember, c: types.Consumer): void {
    this.#warming.add(c.id);
    const done = () => {
      if (!this.#warming.delete(c.id)) return;
      c.observer.off('layerschange', onLayers);
      clearTimeout(t);
      this.#applyView(m, c).catch((err: unknown) => {
        if (!c.closed) this.#log.warn({ err: (err as Error).message }, 'could not set the layer after the fast start');
      });
    };
    const onLayers = (layers?: types.ConsumerLayers) => {
      if (layers && layers.spatialLayer !== undefined) done();
    };
    const t = setTimeout(done, WARM_UP_DEADLINE_MS);
    t.unref();
    c.observer.on('layerschange', onLayers);
    c.observer.once('close', () => {
      this.#warming.delete(c.id);
      clearTimeout(t);
    });
  }

  /** Audio producers feed the active-speaker and audio-level observers (entered members only). */
  async #observe(producer: types.Producer, speakersOnly = false): Promise<void> {
    if (producer.paused) {
      // A paused mic joins the level observer only; it joins the speaker observer when it resumes.
      if (!speakersOnly) await this.#addTo(this.#levels, producer);
      return;
    }
    if (!this.#speaking.has(producer.id)) producer.observer.once('close', () => this.#speaking.delete(producer.id));
    this.#speaking.add(producer.id);
    await this.#addTo(this.#speakers, producer);
    if (!speakersOnly) await this.#addTo(this.#levels, producer);
  }

  async #addTo(observer: types.RtpObserver | null, producer: types.Producer): Promise<void> {
    await observer?.addProducer({ producerId: producer.id }).catch((err: unknown) => {
      if (!producer.closed) this.#log.warn({ err: (err as Error).message }, 'an audio observer refused a producer');
    });
  }

  /** Spatial layers the producer behind a consumer sends (simulcast streams or SVC layers). */
  #spatialLayersOf(c: types.Consumer): number {
    const producer = this.#memberOfProducerId(c.producerId)?.producers.get(c.producerId);
    const encodings = producer?.rtpParameters.encodings ?? [];
    if (encodings.length > 1) return encodings.length;
    const mode = encodings[0]?.scalabilityMode ?? c.rtpParameters.encodings?.[0]?.scalabilityMode ?? '';
    const spatial = /^[LS](\d+)/.exec(mode);
    return spatial ? Math.max(1, Number(spatial[1])) : 1;
  }

  /** Every viewer's consumer of `UID`'s video gets its layer again (the active speaker changed). */
  #reviewVideoOf(UID: string): void {
    if (!UID) return;
    for (const m of this.#visible()) {
      for (const c of m.consumers.values()) {
        if (c.kind !== 'video' || this.#memberOfProducerId(c.producerId)?.UID !== UID) continue;
        this.#applyView(m, c).catch((err: unknown) => {
          if (!c.closed) this.#log.warn({ err: (err as Error).message }, 'could not set the speaker layer');
        });
      }
    }
  }

  #setSpeaker(UID: string): void {
    if (this.#speaker === UID) return;
    const before = this.#speaker;
    this.#speaker = UID;
    this.#reviewVideoOf(before);
    this.#reviewVideoOf(UID);
    for (const m of this.#visible()) m.peer.notify('media.activeSpeaker', { UID });
  }

  /** The dominant speaker's mic closed: nobody is speaking until the observer says otherwise. */
  #speakerGone(m: MediaMember, producer: types.Producer): void {
    if (producer.kind === 'audio' && this.#speaker === m.UID) this.#setSpeaker('');
  }

  #broadcast<N extends MediaNotificationName>(except: MediaMember, name: N, data: MediaNotificationData<N>): void {
    if (except.hidden) return;
    for (const m of this.#visible()) if (m !== except) m.peer.notify(name, data);
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
