import type { Logger } from 'pino';
import {
  CRVideoError,
  issueText,
  type MediaRequestType,
  type MediaResponseData,
  mediaRequestSchemas,
  mediaRequests,
  SdkErr,
} from '../../protocol/index.js';
import type { MediaPeer, RoomMediaPlane } from '../MediaHooks.js';
import { type MediaPlaneOptions, type ResolvedMediaOptions, resolveMediaOptions } from './config.js';
import { MediaRoom, type RoomCounts } from './MediaRoom.js';
import { validateMediaParams } from './validateParams.js';
import { WorkerPool, type WorkerSlot } from './WorkerPool.js';

export type { MediaPlaneOptions } from './config.js';

export interface MediaPlaneStats {
  workers: {
    index: number;
    pid: number;
    alive: boolean;
    /** Routers the worker process really has (from its dump). */
    routers: number;
    /** WebRTC transports on its WebRtcServer. */
    transports: number;
    rooms: number;
    members: number;
  }[];
  rooms: ({ meetID: number; worker: number; members: number } & RoomCounts)[];
  totals: { rooms: number; members: number; routers: number } & RoomCounts;
}

type RoomDroppedListener = (meetID: number, peerIds: string[]) => void;

function isMediaRequest(type: string): type is MediaRequestType {
  return Object.hasOwn(mediaRequests, type);
}

/**
 * The server's media plane: a pool of mediasoup workers, a router per live room on the least-loaded
 * worker, per member one send and one receive transport. Implements the core's RoomMediaPlane seam.
 */
export class MediaPlane implements RoomMediaPlane {
  readonly #pool: WorkerPool;
  readonly #opts: ResolvedMediaOptions;
  readonly #log: Logger;
  /** Rooms being opened or open, by meetID. */
  readonly #opening = new Map<number, Promise<MediaRoom>>();
  readonly #rooms = new Map<number, MediaRoom>();
  /** Members whose join is in progress (peerId → meetID): a leave meanwhile cancels the join. */
  readonly #joining = new Map<string, number>();
  /** Members prepared while a call rings (peerId → meetID), until they enter or are torn down. */
  readonly #prepared = new Map<string, number>();
  readonly #droppedListeners: RoomDroppedListener[] = [];
  #closed = false;

  private constructor(pool: WorkerPool, opts: ResolvedMediaOptions, log: Logger) {
    this.#pool = pool;
    this.#opts = opts;
    this.#log = log;
    pool.on('died', (slot) => this.#workerDied(slot));
  }

  /** Starts the worker pool (one worker per CPU core unless `numWorkers` says otherwise). */
  static async create(options: MediaPlaneOptions | Record<string, unknown> = {}): Promise<MediaPlane> {
    const opts = resolveMediaOptions(options);
    const log = opts.logger.child({ mod: 'MediaPlane' });
    const pool = await WorkerPool.create(opts, log);
    log.info({ workers: opts.numWorkers, listenIp: opts.listenIp, announced: opts.announcedAddress }, 'media plane up');
    return new MediaPlane(pool, opts, log);
  }

  /** pids of the live worker processes (tests kill them; the benchmark reads their CPU and memory). */
  workerPids(): number[] {
    return this.#pool.slots.filter((s) => s.alive).map((s) => s.worker.pid);
  }

  /** pid of the worker carrying room `meetID`, if it is open. */
  workerPidOf(meetID: number): number | undefined {
    return this.#rooms.get(meetID)?.slot.worker.pid;
  }

  async join(meetID: number, peer: MediaPeer): Promise<void> {
    return this.#join(meetID, peer, false);
  }

  /**
   * Ring-time preparation: `peer` gets media in room `meetID` before entering it (see `media.prepare`);
   * nobody sees it until it joins. Replaces an earlier preparation of the same peer elsewhere.
   */
  async prepare(meetID: number, peer: MediaPeer, group: string | null = null): Promise<void> {
    return this.#join(meetID, peer, true, group);
  }

  /** Tears down `peerId`'s preparation in `meetID` if it has not entered; true when there was one. */
  unprepare(meetID: number, peerId: string): boolean {
    if (this.#prepared.get(peerId) !== meetID) return false;
    this.#prepared.delete(peerId);
    const room = this.#rooms.get(meetID);
    if (room?.isHidden(peerId)) this.leave(meetID, peerId);
    else if (this.#joining.get(peerId) === meetID) this.#joining.delete(peerId);
    return true;
  }

  /** The call of prepared `peerIds` in `meetID` was answered: their media starts before they enter. */
  answered(meetID: number, peerIds: readonly string[]): void {
    const room = this.#rooms.get(meetID);
    if (room && !room.closed) room.answered(peerIds);
  }

  /** The room `peerId` is prepared in (not entered), if any. */
  preparedRoomOf(peerId: string): number | undefined {
    return this.#prepared.get(peerId);
  }

  async #join(meetID: number, peer: MediaPeer, hidden: boolean, group: string | null = null): Promise<void> {
    if (this.#closed) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'media plane closed');
    const preparedIn = this.#prepared.get(peer.peerId);
    if (preparedIn !== undefined && (preparedIn !== meetID || hidden)) this.unprepare(preparedIn, peer.peerId);
    if (preparedIn === meetID && !hidden) this.#prepared.delete(peer.peerId);
    if (hidden) this.#prepared.set(peer.peerId, meetID);
    this.#joining.set(peer.peerId, meetID);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const room = await this.#room(meetID);
        if (this.#joining.get(peer.peerId) !== meetID) {
          this.#closeIfEmpty(room);
          return;
        }
        if (room.closed) continue;
        room.join(peer, hidden, group);
        return;
      }
      throw new CRVideoError(SdkErr.SERVER_EXCEPTION, `room ${meetID}: media router kept closing`);
    } finally {
      if (this.#joining.get(peer.peerId) === meetID) this.#joining.delete(peer.peerId);
    }
  }

  /** The open room, or opens it on the least-loaded live worker. */
  #room(meetID: number): Promise<MediaRoom> {
    const open = this.#rooms.get(meetID);
    if (open && !open.closed) return Promise.resolve(open);
    let opening = this.#opening.get(meetID);
    if (!opening) {
      opening = (async () => {
        const slot = await this.#pool.pick((s) => this.#load(s));
        const room = await MediaRoom.create(meetID, slot, this.#opts, this.#log);
        this.#rooms.set(meetID, room);
        return room;
      })();
      this.#opening.set(meetID, opening);
      const settled = () => {
        if (this.#opening.get(meetID) === opening) this.#opening.delete(meetID);
      };
      opening.then(settled, settled);
    }
    return opening;
  }

  /** Load of a worker: its members, plus its rooms (so empty rooms still spread). */
  #load(slot: WorkerSlot): number {
    let load = 0;
    for (const room of this.#rooms.values()) if (room.slot === slot) load += 1 + room.members.size * 2;
    return load;
  }

  leave(meetID: number, peerId: string): void {
    if (this.#joining.get(peerId) === meetID) this.#joining.delete(peerId);
    if (this.#prepared.get(peerId) === meetID) this.#prepared.delete(peerId);
    const room = this.#rooms.get(meetID);
    if (!room) return;
    room.leave(peerId);
    this.#closeIfEmpty(room);
  }

  #closeIfEmpty(room: MediaRoom): void {
    if (room.members.size > 0) return;
    for (const m of this.#joining.values()) if (m === room.meetID) return;
    if (this.#rooms.get(room.meetID) === room) this.#rooms.delete(room.meetID);
    room.close();
  }

  async handle<T extends MediaRequestType>(
    meetID: number,
    peerId: string,
    type: T,
    payload: unknown,
  ): Promise<MediaResponseData<T>> {
    // Callers outside the compiler's reach (tests, embeddings) may still pass any string.
    if (!isMediaRequest(type)) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `unknown media request ${type}`);
    const room = this.#rooms.get(meetID);
    if (!room || room.closed) throw new CRVideoError(SdkErr.AUTHERROR, 'not a member of this room');
    room.member(peerId);
    // The core validated the payload already; parsing again gives the handler its exact type.
    const parsed = mediaRequestSchemas[type].safeParse(payload ?? {});
    if (!parsed.success) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `bad ${type}: ${issueText(parsed.error)}`);
    validateMediaParams(type, parsed.data);
    try {
      return await room.handle(peerId, type, parsed.data);
    } catch (err) {
      if (err instanceof CRVideoError) throw err;
      if (room.closed) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'the room media went away', { cause: err });
      this.#log.warn({ meetID, type, err: (err as Error).message }, 'media request failed');
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, `${type}: ${(err as Error).message}`, { cause: err });
    }
  }

  onRoomDropped(listener: RoomDroppedListener): void {
    this.#droppedListeners.push(listener);
  }

  /** A worker died: every room it carried is gone; the core drops their members (who may enter again). */
  #workerDied(slot: WorkerSlot): void {
    const lost: { meetID: number; peerIds: string[] }[] = [];
    for (const room of [...this.#rooms.values()]) {
      if (room.slot !== slot) continue;
      const peerIds = [...room.members.keys()];
      for (const [peerId, meetID] of this.#joining) if (meetID === room.meetID) peerIds.push(peerId);
      this.#rooms.delete(room.meetID);
      room.close();
      for (const [peerId, meetID] of this.#prepared) if (meetID === room.meetID) this.#prepared.delete(peerId);
      lost.push({ meetID: room.meetID, peerIds });
    }
    this.#log.error({ worker: slot.index, rooms: lost.map((l) => l.meetID) }, 'rooms lost with their worker');
    for (const { meetID, peerIds } of lost) {
      for (const listener of this.#droppedListeners) {
        try {
          listener(meetID, peerIds);
        } catch (err) {
          this.#log.error({ meetID, err: (err as Error).message }, 'room-dropped listener threw');
        }
      }
    }
  }

  /** Object counts per room and per worker, read from the worker processes themselves. */
  async stats(): Promise<MediaPlaneStats> {
    const rooms: MediaPlaneStats['rooms'] = [];
    for (const room of this.#rooms.values()) {
      rooms.push({
        meetID: room.meetID,
        worker: room.slot.index,
        members: room.members.size,
        ...(await room.counts()),
      });
    }
    const workers: MediaPlaneStats['workers'] = [];
    for (const slot of this.#pool.slots) {
      let routers = 0;
      let transports = 0;
      if (slot.alive && !slot.worker.closed) {
        routers = (await slot.worker.dump()).routerIds.length;
        transports = (await slot.webRtcServer.dump()).webRtcTransportIds.length;
      }
      const mine = rooms.filter((r) => r.worker === slot.index);
      workers.push({
        index: slot.index,
        pid: slot.worker.pid,
        alive: slot.alive,
        routers,
        transports,
        rooms: mine.length,
        members: mine.reduce((n, r) => n + r.members, 0),
      });
    }
    const sum = (k: keyof RoomCounts) => rooms.reduce((n, r) => n + r[k], 0);
    return {
      workers,
      rooms,
      totals: {
        rooms: rooms.length,
        members: rooms.reduce((n, r) => n + r.members, 0),
        routers: workers.reduce((n, w) => n + w.routers, 0),
        transports: sum('transports'),
        producers: sum('producers'),
        consumers: sum('consumers'),
        rtpObservers: sum('rtpObservers'),
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
    this.#joining.clear();
    this.#prepared.clear();
    this.#pool.close();
    this.#log.info('media plane closed');
  }
}
