import type { types } from 'mediasoup';
import { CRVideoError, type MediaPeerInfo, type MediaStatus, SdkErr } from '../../protocol/index.js';
import type { MediaPeer } from '../MediaHooks.js';

/** What one member (one device session) owns in a room: its two transports and what runs on them. */
export class MediaMember {
  /** Replaced when a prepared member enters (same device session, the core's fresh handle). */
  peer: MediaPeer;
  /**
   * Prepared while a call rings (`media.prepare`): it may make transports and producers, but nobody
   * consumes it, it consumes nobody and hears of nobody until it enters the room.
   */
  hidden = false;
  /** While hidden: the ringing call it was prepared for (its other party's prepared member may pre-consume it). */
  group: string | null = null;
  send: types.WebRtcTransport | null = null;
  recv: types.WebRtcTransport | null = null;
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  /** Producer ids consumed (or being consumed) on the receive transport: never twice. */
  readonly consuming = new Set<string>();
  /** Set by `media.ready`: the device's RTP capabilities; consumers are made only after it. */
  rtpCapabilities: types.RtpCapabilities | null = null;
  /** Tile sizes this member shows other members' videos at, by consumer id (`media.setTileSize`). */
  readonly tiles = new Map<string, { width: number; height: number; hidden: boolean }>();
  /** Consumers the client resumed (`media.resumeConsumer`): a tile shown again resumes only these. */
  readonly wanted = new Set<string>();
  audio: MediaStatus = 0;
  video: MediaStatus = 0;
  closed = false;

  constructor(peer: MediaPeer) {
    this.peer = peer;
  }

  get id(): string {
    return this.peer.peerId;
  }

  get UID(): string {
    return this.peer.UID;
  }

  info(): MediaPeerInfo {
    return { peerId: this.id, UID: this.UID, audio: this.audio, video: this.video };
  }

  /** One of this member's own transports, or 5. */
  transport(id: string): types.WebRtcTransport {
    if (this.send?.id === id) return this.send;
    if (this.recv?.id === id) return this.recv;
    throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no transport ${id} of this member`);
  }

  producer(id: string): types.Producer {
    const p = this.producers.get(id);
    if (!p) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no producer ${id} of this member`);
    return p;
  }

  consumer(id: string): types.Consumer {
    const c = this.consumers.get(id);
    if (!c) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no consumer ${id} of this member`);
    return c;
  }

  producerOfKind(kind: types.MediaKind): types.Producer | undefined {
    for (const p of this.producers.values()) if (p.kind === kind) return p;
    return undefined;
  }

  /** Closes both transports (and with them every producer and consumer). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send?.close();
    this.recv?.close();
    this.send = null;
    this.recv = null;
    this.producers.clear();
    this.consumers.clear();
    this.consuming.clear();
    this.tiles.clear();
    this.wanted.clear();
  }
}
