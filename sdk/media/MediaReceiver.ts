import type { MediaNotificationData } from '../../protocol/index.js';
import { EnergyMeter } from './EnergyMeter.js';
import type { MediaContext } from './MediaEngine.js';
import { MicEnergy } from './MicEnergy.js';
import { consumerRtpParameters } from './mediasoupTypes.js';
import { RemoteMembers } from './RemoteMembers.js';
import type { RoomSession } from './RoomSession.js';
import { TileViews } from './TileViews.js';

const STATUS_CALLBACK = { audio: 'CRVideo_AudioStatusChanged', video: 'CRVideo_VideoStatusChanged' } as const;

export interface MediaReceiverOptions {
  ctx: MediaContext;
  /** The room the engine is in now (null outside rooms). */
  room: () => RoomSession | null;
  log: (msg: string, extra?: unknown) => void;
}

/**
 * The receiving half of the media engine: the other members' consumers on the receive transport, their
 * audio (played per member and mixed into CloudRoom's one remote stream), their voice levels, the active
 * speaker and the simulcast layers received, and the tile sizes told to the server.
 */
export class MediaReceiver {
  readonly #ctx: MediaContext;
  readonly #log: (msg: string, extra?: unknown) => void;
  readonly remote: RemoteMembers;
  readonly #tiles: TileViews;
  /** Voice levels from the SDK's own meter of each track (also the own mic outside rooms). */
  readonly energy: EnergyMeter;
  readonly #serverEnergy = new MicEnergy();
  /**
   * The one AudioContext of the page's SDK (the own mic's level meter and the remote mix): each context
   * runs its own audio rendering, which on a small machine delays the first video frame of a call.
   */
  #audio: AudioContext | null = null;
  /** CloudRoom's remote mix: every other member's audio in one stream (NotifyAudioStream aSide 1). */
  #mix: { dest: MediaStreamAudioDestinationNode; sources: MediaStreamAudioSourceNode[]; told: boolean } | null = null;
  #speaker = '';
  #speakerPaused = false;

  constructor(o: MediaReceiverOptions) {
    this.#ctx = o.ctx;
    this.#log = o.log;
    this.#tiles = new TileViews((consumerId, view) => {
      const room = o.room();
      if (!room || room.closed) return;
      this.#ctx.request('media.setTileSize', { consumerId, ...view }).catch((err: unknown) => {
        if (!room.closed) this.#log('could not tell the tile size', err);
      });
    });
    this.remote = new RemoteMembers({
      status: (kind, UID, old, status) => this.#ctx.emit(STATUS_CALLBACK[kind], UID, old, status),
      log: this.#log,
    });
    this.energy = new EnergyMeter(
      (UID, old, level) => this.#ctx.emit('CRVideo_MicEnergyUpdate', UID, old, level),
      () => this.#audioContext(),
    );
  }

  /** UID of the loudest member right now ('' when nobody speaks). */
  get activeSpeaker(): string {
    return this.#speaker;
  }

  /** `media.newConsumer`: starts receiving at once (mediasoup-client batches them); its close waits for it. */
  newConsumer(room: RoomSession, d: MediaNotificationData<'media.newConsumer'>): void {
    const p = this.#consume(room, d)
      .catch((err: unknown) => {
        if (!room.closed) this.#log(`receiving ${d.kind} of ${d.UID} failed`, err);
      })
      .finally(() => room.consuming.delete(d.id));
    room.consuming.set(d.id, p);
  }

  /** `media.consumerClosed`: its producer closed or its sender left. */
  async consumerClosed(room: RoomSession, id: string): Promise<void> {
    await room.consuming.get(id);
    const c = room.consumers.get(id);
    if (!c) return;
    room.consumers.delete(id);
    this.#tiles.removed(id);
    c.consumer.close();
    if (c.consumer.kind === 'audio') this.remote.stopIfPlaying(c.UID, c.consumer.track);
  }

  /** `media.peerLeft`: every consumer of that member goes. */
  async peerLeft(room: RoomSession, { UID, peerId }: MediaNotificationData<'media.peerLeft'>): Promise<void> {
    await Promise.all(room.consuming.values());
    for (const [id, c] of room.consumers) {
      if (c.peerId !== peerId) continue;
      room.consumers.delete(id);
      this.#tiles.removed(id);
      c.consumer.close();
    }
    this.remote.left(UID, peerId);
  }

  /** `media.activeSpeaker`: told to the app once per change (extension CRVideo_NotifyActiveSpeaker). */
  speakerChanged(UID: string): void {
    if (UID === this.#speaker) return;
    this.#speaker = UID;
    this.#ctx.emit('CRVideo_NotifyActiveSpeaker', UID);
  }

  /** `media.consumerLayers`: the layer received of a member's video (extension CRVideo_NotifyVideoLayer). */
  layersChanged(room: RoomSession, d: MediaNotificationData<'media.consumerLayers'>): void {
    const c = room.consumers.get(d.id);
    if (c) this.#ctx.emit('CRVideo_NotifyVideoLayer', c.UID, d.spatialLayer ?? -1, d.temporalLayer ?? -1);
  }

  /**
   * The server's audio levels (its AudioLevelObserver). CRVideo_MicEnergyUpdate comes from the SDK's own
   * meter of each track (EnergyMeter), which also works for the own mic outside a room; these levels
   * only answer `micEnergy`.
   */
  audioLevels(levels: readonly { UID: string; volume: number }[]): void {
    this.#serverEnergy.update(levels);
  }

  /** The member's voice level 0…10 as the server last measured it. */
  micEnergy(UID: string): number {
    return this.#serverEnergy.level(UID);
  }

  /** Extension `CRVideo_SetVideoTileSize(UID, width, height)` (0 × 0 = not shown). */
  setTileSize(UID: string, width: number, height: number): void {
    this.#tiles.setSize(UID, width, height);
  }

  /** PauseSpeaker: every member's audio muted (or not). */
  setSpeakerPaused(paused: boolean): void {
    this.#speakerPaused = paused;
    for (const el of this.remote.players()) el.muted = paused;
  }

  async #consume(room: RoomSession, d: MediaNotificationData<'media.newConsumer'>): Promise<void> {
    const recv = room.recv;
    if (!recv || recv.closed) return;
    const consumer = await recv.consume({
      id: d.id,
      producerId: d.producerId,
      kind: d.kind,
      rtpParameters: consumerRtpParameters(d.rtpParameters),
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
        this.remote.play(d.UID, d.peerId, stream);
        for (const el of this.remote.players()) el.muted = this.#speakerPaused;
        this.energy.setReceiver(d.UID, consumer.track, consumer.rtpReceiver);
        // The remote mix costs a running AudioContext: made only for an app that takes it.
        if (this.#mix || (this.#ctx.listens?.('CRVideo_NotifyAudioStream') ?? true)) this.#addToMix(stream);
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

  /** Adds a member's audio to the remote mix (NotifyAudioStream(1, stream), told once per room). */
  #addToMix(stream: MediaStream): void {
    const ctx = this.#audioContext();
    if (!ctx) return;
    try {
      this.#mix ??= { dest: ctx.createMediaStreamDestination(), sources: [], told: false };
      const src = ctx.createMediaStreamSource(stream);
      src.connect(this.#mix.dest);
      this.#mix.sources.push(src);
      if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
      if (!this.#mix.told) {
        this.#mix.told = true;
        this.#ctx.emit('CRVideo_NotifyAudioStream', 1, this.#mix.dest.stream);
      }
    } catch (err) {
      this.#log('could not mix the remote audio', err);
    }
  }

  /** The room was left: forgets every member, tile, level and the mix. */
  clear(): void {
    this.#tiles.clear();
    this.#serverEnergy.clear();
    this.remote.clear();
    this.#speaker = '';
    this.energy.clear();
    for (const src of this.#mix?.sources ?? []) src.disconnect();
    this.#mix = null;
  }

  /** The shared AudioContext, made on first use (null where Web Audio is missing). */
  #audioContext(): AudioContext | null {
    if (this.#audio && this.#audio.state !== 'closed') return this.#audio;
    const AC = globalThis.AudioContext;
    if (!AC) return null;
    try {
      this.#audio = new AC();
    } catch {
      this.#audio = null;
    }
    return this.#audio;
  }

  close(): void {
    this.#tiles.close();
    this.energy.close();
    const audio = this.#audio;
    this.#audio = null;
    void audio?.close().catch(() => {});
  }
}
