import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import type { Logger } from 'pino';
import type { ResolvedMediaOptions } from './config.js';

/** One worker process of the pool with its WebRtcServer (the few fixed ports all its transports share). */
export interface WorkerSlot {
  readonly index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** False from the worker's death until its replacement is up. */
  alive: boolean;
}

export interface WorkerPoolEvents {
  /** A worker died; `pid` is the dead process. Its replacement is being started. */
  died: [slot: WorkerSlot, pid: number];
  /** The replacement worker of a slot is up. */
  replaced: [slot: WorkerSlot];
}

const RESPAWN_DELAYS_MS = [0, 250, 1000, 3000, 10_000];

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A pool of mediasoup workers; a dead worker is replaced by a fresh one in the same slot. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #slots: WorkerSlot[] = [];
  readonly #opts: ResolvedMediaOptions;
  readonly #log: Logger;
  /** Resolves when a slot becomes alive again (pick() waits on it when every worker is down). */
  #revived = signal();
  #closed = false;

  private constructor(opts: ResolvedMediaOptions, log: Logger) {
    super();
    this.#opts = opts;
    this.#log = log;
  }

  static async create(opts: ResolvedMediaOptions, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(opts, log);
    try {
      for (let i = 0; i < opts.numWorkers; i++) {
        const { worker, webRtcServer } = await pool.#spawn(i);
        const slot: WorkerSlot = { index: i, worker, webRtcServer, alive: true };
        pool.#slots.push(slot);
        pool.#watch(slot);
      }
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  get slots(): readonly WorkerSlot[] {
    return this.#slots;
  }

  /** The live slot with the lowest load; waits for a replacement when every worker is down. */
  async pick(load: (slot: WorkerSlot) => number): Promise<WorkerSlot> {
    for (;;) {
      if (this.#closed) throw new Error('worker pool closed');
      let best: WorkerSlot | null = null;
      let bestLoad = Number.POSITIVE_INFINITY;
      for (const slot of this.#slots) {
        if (!slot.alive) continue;
        const l = load(slot);
        if (l < bestLoad) {
          best = slot;
          bestLoad = l;
        }
      }
      if (best) return best;
      await this.#revived.promise;
    }
  }

  async #spawn(index: number): Promise<{ worker: types.Worker; webRtcServer: types.WebRtcServer }> {
    const o = this.#opts;
    const worker = await mediasoup.createWorker({
      logLevel: o.workerLogLevel,
      rtcMinPort: o.rtcMinPort,
      rtcMaxPort: o.rtcMaxPort,
      appData: { slot: index },
    });
    try {
      const portRange = { min: o.rtcMinPort, max: o.rtcMaxPort };
      const base = { ip: o.listenIp, announcedAddress: o.announcedAddress, portRange };
      const listenInfos: types.TransportListenInfo[] = [{ protocol: 'udp', ...base }];
      if (o.enableTcp) listenInfos.push({ protocol: 'tcp', ...base });
      const webRtcServer = await worker.createWebRtcServer({ listenInfos });
      this.#log.info({ worker: index, pid: worker.pid, ports: portRange }, 'media worker up');
      return { worker, webRtcServer };
    } catch (err) {
      worker.close();
      throw err;
    }
  }

  #watch(slot: WorkerSlot): void {
    const worker = slot.worker;
    worker.once('died', (err) => {
      if (this.#closed || slot.worker !== worker) return;
      slot.alive = false;
      this.#log.error({ worker: slot.index, pid: worker.pid, err: err.message }, 'media worker died; replacing it');
      this.emit('died', slot, worker.pid);
      void this.#respawn(slot);
    });
  }

  async #respawn(slot: WorkerSlot): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      const delay = RESPAWN_DELAYS_MS[Math.min(attempt, RESPAWN_DELAYS_MS.length - 1)] ?? 0;
      if (delay) await new Promise((r) => setTimeout(r, delay).unref());
      if (this.#closed) return;
      try {
        const { worker, webRtcServer } = await this.#spawn(slot.index);
        if (this.#closed) {
          worker.close();
          return;
        }
        slot.worker = worker;
        slot.webRtcServer = webRtcServer;
        slot.alive = true;
        this.#watch(slot);
        const revived = this.#revived;
        this.#revived = signal();
        revived.resolve();
        this.emit('replaced', slot);
        return;
      } catch (err) {
        this.#log.error({ worker: slot.index, attempt, err: (err as Error).message }, 'media worker respawn failed');
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) slot.worker.close();
    this.#revived.resolve();
  }
}
