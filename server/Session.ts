import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { NotificationFrame, ResponseFrame } from '../protocol/index.js';

/** How many notifications a session keeps for replay after a resume. */
const OUTBOX_SIZE = 512;
/** How many answered requests a session remembers, so a retried request is answered, not re-run. */
const ANSWERED_SIZE = 64;

/**
 * One logged-in device. Outlives its socket for the grace period: notifications sent while the
 * socket is gone are queued (with sequence numbers) and replayed on resume.
 */
export class Session {
  readonly id = randomUUID();
  readonly resumeToken = randomBytes(24).toString('base64url');
  readonly appID: string;
  readonly UID: string;
  /** The name shown to the others; `CRVideo_SetNickName` changes it. */
  nickname: string;
  readonly log: Logger;
  /** This device accepts a second call while in one (call waiting); otherwise such a call is busy (602). */
  callWaiting = false;
  /** Room this device is in, if any. */
  meetID: number | null = null;
  /** Subscribed to the app's status notifications. */
  statusNotify = false;
  tokenExpMs: number | null = null;
  ended = false;
  graceTimer: NodeJS.Timeout | null = null;
  tokenTimers: NodeJS.Timeout[] = [];
  #socket: WebSocket | null = null;
  #seq = 0;
  readonly #outbox: NotificationFrame[] = [];
  readonly #answered = new Map<number, ResponseFrame>();

  constructor(appID: string, UID: string, nickname: string, log: Logger) {
    this.appID = appID;
    this.UID = UID;
    this.nickname = nickname;
    this.log = log.child({ UID, session: this.id.slice(0, 8) });
  }

  get socket(): WebSocket | null {
    return this.#socket;
  }

  get connected(): boolean {
    return this.#socket !== null;
  }

  notify(name: string, data: unknown): void {
    if (this.ended) return;
    const frame: NotificationFrame = { t: 'ntf', seq: ++this.#seq, name, data };
    this.#outbox.push(frame);
    if (this.#outbox.length > OUTBOX_SIZE) this.#outbox.shift();
    this.#send(frame);
  }

  /** Sends a response and remembers it for a retry of the same request id. */
  answer(frame: ResponseFrame): void {
    if (frame.id !== null) {
      this.#answered.set(frame.id, frame);
      if (this.#answered.size > ANSWERED_SIZE) {
        const oldest = this.#answered.keys().next().value;
        if (oldest !== undefined) this.#answered.delete(oldest);
      }
    }
    this.#send(frame);
  }

  answeredBefore(id: number): ResponseFrame | undefined {
    return this.#answered.get(id);
  }

  /** Binds a (new) socket and replays what the client has not seen. False when the gap is too old to replay. */
  attach(socket: WebSocket, lastSeq: number): boolean {
    this.#socket = socket;
    const first = this.#outbox[0];
    if (lastSeq < this.#seq && first && first.seq > lastSeq + 1) return false;
    for (const frame of this.#outbox) if (frame.seq > lastSeq) this.#send(frame);
    return true;
  }

  detach(): void {
    this.#socket = null;
  }

  #send(frame: NotificationFrame | ResponseFrame): void {
    const ws = this.#socket;
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }

  clearTimers(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    for (const t of this.tokenTimers) clearTimeout(t);
    this.tokenTimers = [];
  }
}
