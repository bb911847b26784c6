import type { types } from 'mediasoup';
import { CRVideoError, type MediaPeerInfo, type MediaStatus, SdkErr } from '../../protocol/index.js';
import type { MediaPeer } from '../MediaHooks.js';

/** How a member shows one consumer's video (`media.setTileSize`). */
export interface Tile {
  width: number;
  height: number;
  hidden: boolean;
}

/**
 * What one member (one device session) owns in a room: its two transports and what runs on them. The
 * member alone changes this state (its room calls the methods below and reads the rest); `close()`
 * closes the transports and with them every producer and consumer.
 */
export class MediaMember {
  #peer: MediaPeer;
  #hidden: boolean;
  #group: string | null;
  #answered = false;
  #send: types.WebRtcTransport | null = null;
  #recv: types.WebRtcTransport | null = null;
  readonly #producers = new Map<string, types.Producer>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** Producer ids consumed (or being consumed) on the receive transport: never twice. */
  readonly #consuming = new Set<string>();
  #rtpCapabilities: types.RtpCapabilities | null = null;
  readonly #tiles = new Map<string, Tile>();
  readonly #wanted = new Set<string>();
  #audio: MediaStatus = 0;
  #video: MediaStatus = 0;
  #closed = false;

  /** `hidden`: prepared while call `group` rings (see `hidden`). */
  constructor(peer: MediaPeer, hidden = false, group: string | null = null) {
    this.#peer = peer;
    this.#hidden = hidden;
    this.#group = hidden ? group : null;
  }

  /** The core's handle of the device session (replaced when a prepared member enters). */
  get peer(): MediaPeer {
    return this.#peer;
  }

  get id(): string {
    return this.#peer.peerId;
  }

  get UID(): string {
    return this.#peer.UID;
  }

  /**
   * Prepared while a call rings (`media.prepare`): it may make transports and producers, but nobody
   * consumes it, it consumes nobody and hears of nobody until it enters the room.
   */
  get hidden(): boolean {
    return this.#hidden;
  }

  /** While hidden: the ringing call it was prepared for (its other party's prepared member may pre-consume it). */
  get group(): string | null {
    return this.#group;
  }

  /**
   * Prepared, and its call was answered (the accept reached the server): its media may flow to the other
   * party of the call before both have entered the room (the first frame does not wait for the enters).
   */
  get answered(): boolean {
    return this.#answered;
  }

  /** Its call was answered: see `answered`. */
  markAnswered(): void {
    if (this.#hidden) this.#answered = true;
  }

  /** A prepared member enters the room (same device session, the core's fresh handle): it is visible now. */
  enter(peer: MediaPeer): void {
    this.#peer = peer;
    this.#hidden = false;
    this.#group = null;
    this.#answered = false;
  }

  get send(): types.WebRtcTransport | null {
    return this.#send;
  }

  get recv(): types.WebRtcTransport | null {
    return this.#recv;
  }

  /** Uses `t` as the send or receive transport; a transport it replaces is closed (and returned). */
  setTransport(direction: 'send' | 'recv', t: types.WebRtcTransport): types.WebRtcTransport | null {
    const old = direction === 'send' ? this.#send : this.#recv;
    if (old) {
      old.close();
      // Consumers die with the old receive transport: every producer may be consumed again.
      if (direction === 'recv') this.#consuming.clear();
    }
    if (direction === 'send') this.#send = t;
    else this.#recv = t;
    return old;
  }

  get producers(): ReadonlyMap<string, types.Producer> {
    return this.#producers;
  }

  /** A new producer; one of the same kind is replaced and closed (the client re-produced after a transport change). */
  addProducer(producer: types.Producer): void {
    const old = this.producerOfKind(producer.kind);
    if (old) {
      this.#producers.delete(old.id);
      old.close();
    }
    this.#producers.set(producer.id, producer);
    producer.on('transportclose', () => this.#producers.delete(producer.id));
  }

  /** Closes one of its producers (`media.closeProducer`). */
  closeProducer(producer: types.Producer): void {
    this.#producers.delete(producer.id);
    producer.close();
  }

  get consumers(): ReadonlyMap<string, types.Consumer> {
    return this.#consumers;
  }

  /** Whether producer `producerId` is consumed (or being consumed) here. */
  isConsuming(producerId: string): boolean {
    return this.#consuming.has(producerId);
  }

  /** Marks producer `producerId` as being consumed (before the consumer exists), or not any more. */
  markConsuming(producerId: string, on: boolean): void {
    if (on) this.#consuming.add(producerId);
    else this.#consuming.delete(producerId);
  }

  /** A consumer made on receive transport `recv`; it is forgotten when that transport or its producer closes. */
  addConsumer(consumer: types.Consumer, recv: types.WebRtcTransport, onProducerClose: () => void): void {
    const forget = () => {
      this.#consumers.delete(consumer.id);
      if (recv === this.#recv) this.#consuming.delete(consumer.producerId);
    };
    this.#consumers.set(consumer.id, consumer);
    consumer.on('transportclose', forget);
    consumer.on('producerclose', () => {
      forget();
      onProducerClose();
    });
  }

  /** Set by `media.ready`: the device's RTP capabilities; consumers are made only after it. */
  get rtpCapabilities(): types.RtpCapabilities | null {
    return this.#rtpCapabilities;
  }

  setRtpCapabilities(caps: types.RtpCapabilities): void {
    this.#rtpCapabilities = caps;
  }

  /** How this member shows consumer `consumerId`'s video (`media.setTileSize`), if it said. */
  tile(consumerId: string): Tile | undefined {
    return this.#tiles.get(consumerId);
  }

  setTile(consumerId: string, tile: Tile): void {
    this.#tiles.set(consumerId, tile);
  }

  /** Whether the client resumed consumer `consumerId` (`media.resumeConsumer`): a tile shown again resumes only these. */
  wants(consumerId: string): boolean {
    return this.#wanted.has(consumerId);
  }

  want(consumerId: string, on: boolean): void {
    if (on) this.#wanted.add(consumerId);
    else this.#wanted.delete(consumerId);
  }

  get audio(): MediaStatus {
    return this.#audio;
  }

  get video(): MediaStatus {
    return this.#video;
  }

  /** Sets the mic / camera status as the API shows it; true when it changed. */
  setStatus(s: { audio?: MediaStatus | undefined; video?: MediaStatus | undefined }): boolean {
    const before = `${this.#audio}/${this.#video}`;
    if (s.audio !== undefined) this.#audio = s.audio;
    if (s.video !== undefined) this.#video = s.video;
    return `${this.#audio}/${this.#video}` !== before;
  }

  get closed(): boolean {
    return this.#closed;
  }

  info(): MediaPeerInfo {
    return { peerId: this.id, UID: this.UID, audio: this.#audio, video: this.#video };
  }

  /** One of this member's own transports, or 5. */
  transport(id: string): types.WebRtcTransport {
    if (this.#send?.id === id) return this.#send;
    if (this.#recv?.id === id) return this.#recv;
    throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no transport ${id} of this member`);
  }

  producer(id: string): types.Producer {
    const p = this.#producers.get(id);
    if (!p) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no producer ${id} of this member`);
    return p;
  }

  consumer(id: string): types.Consumer {
    const c = this.#consumers.get(id);
    if (!c) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no consumer ${id} of this member`);
    return c;
  }

  producerOfKind(kind: types.MediaKind): types.Producer | undefined {
    for (const p of this.#producers.values()) if (p.kind === kind) return p;
    return undefined;
  }

  /** Closes both transports (and with them every producer and consumer). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
    this.#producers.clear();
    this.#consumers.clear();
    this.#consuming.clear();
    this.#tiles.clear();
    this.#wanted.clear();
  }
}
