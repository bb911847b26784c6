import { statfsSync } from 'node:fs';
import type { Logger } from 'pino';
import { CRVideoError, SdkErr } from '../../protocol/index.js';

/** How long one free-space reading is trusted: statfs is cheap, but not per write. */
const READ_EVERY_MS = 1000;

/**
 * Refuses new records (902) while the data volume has less than `minFreeBytes` free, so a flood of
 * writes fills the quota, not the disk. Logs once when it starts refusing and once when it stops.
 */
export class DiskGuard {
  readonly #dir: string;
  readonly #minFree: number;
  readonly #log: Logger;
  #readAt = 0;
  #free = Number.POSITIVE_INFINITY;
  #low = false;

  constructor(dir: string, minFreeBytes: number, log: Logger) {
    this.#dir = dir;
    this.#minFree = minFreeBytes;
    this.#log = log.child({ mod: 'DiskGuard' });
  }

  /** Free bytes on the data volume (cached for a second). */
  freeBytes(): number {
    const now = Date.now();
    if (now - this.#readAt >= READ_EVERY_MS) {
      this.#readAt = now;
      try {
        const s = statfsSync(this.#dir);
        this.#free = Number(s.bavail) * Number(s.bsize);
      } catch (err) {
        this.#log.warn({ err: (err as Error).message, dir: this.#dir }, 'cannot read free disk space');
      }
    }
    return this.#free;
  }

  /** Throws 902 when the volume is below the floor. */
  assertRoom(what: string): void {
    const free = this.freeBytes();
    const low = free < this.#minFree;
    if (low !== this.#low) {
      this.#low = low;
      if (low)
        this.#log.error({ free, minFree: this.#minFree, dir: this.#dir }, 'disk nearly full: refusing new records');
      else this.#log.info({ free, minFree: this.#minFree }, 'disk has room again: storing new records');
    }
    if (low) {
      throw new CRVideoError(SdkErr.RECORD_NO_DISK, `the server is out of disk space: ${what} not stored`);
    }
  }
}
