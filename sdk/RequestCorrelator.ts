import { CRVideoError, SdkErr } from '../protocol/index.js';

interface Pending {
  readonly frame: string;
  readonly resolve: (data: unknown) => void;
  readonly reject: (err: CRVideoError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Maps request ids to pending promises. Each request has a timeout (→ 202); everything pending is
 * rejected on close. Frames are kept so they can be re-sent after a resume (the server answers a
 * repeated id from its cache instead of running it twice).
 */
export class RequestCorrelator {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  get size(): number {
    return this.#pending.size;
  }

  /** Registers a request; `frameOf(id)` builds its wire text. */
  add(frameOf: (id: number) => string, timeoutMs: number): { id: number; frame: string; promise: Promise<unknown> } {
    const id = this.#nextId++;
    const frame = frameOf(id);
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CRVideoError(SdkErr.NOSERVER_RSP, 'no response from server'));
      }, timeoutMs);
      this.#pending.set(id, { frame, resolve, reject, timer });
    });
    return { id, frame, promise };
  }

  settle(id: number, err: number, data: unknown, msg?: string): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (err === SdkErr.NOERR) p.resolve(data ?? {});
    else p.reject(new CRVideoError(err, msg));
  }

  /** Frames still waiting for an answer, oldest first. */
  frames(): string[] {
    return [...this.#pending.values()].map((p) => p.frame);
  }

  rejectAll(code: number, why: string): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.reject(new CRVideoError(code, why));
    }
  }
}
