import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { NotificationData, NotificationFrame, NotificationName, ResponseFrame } from '../protocol/index.js';
import { contained } from './contain.js';
import type { LongTimeout } from './longTimeout.js';
import { Outbox } from './Outbox.js';
import { sendBounded } from './sendBounded.js';

/** JSON text of a `T` (what `jsonOf` returns): lets a fan-out serialise once and stay typed. */
export type JsonOf<T> = string & { readonly __jsonOf?: T };

/** Serialises `value` once, keeping its type for `Session.notifyJSON`. */
export function jsonOf<T>(value: T): JsonOf<T> {
  return JSON.stringify(value);
}

/** How many notifications a session keeps for replay after a resume (and at most `replayBytes` of them). */
const OUTBOX_SIZE = 512;
/** How many answered requests a session remembers (and at most `answeredBytes`), so a retry is answered, not re-run. */
const ANSWERED_SIZE = 64;

/** Byte bounds of one session (from the server's `limits`). */
export interface SessionLimits {
  replayBytes: number;
  answeredBytes: number;
  sendBufferBytes: number;
}

const UNBOUNDED: SessionLimits = { replayBytes: 512 * 1024, answeredBytes: 256 * 1024, sendBufferBytes: 4 << 20 };

/**
 * Where a session that lives on another node of the cluster is reached: its notifications are handed to
 * `deliver`, which sends them to that node (server/cluster/Cluster.ts).
 */
export interface RemoteRoute {
  readonly node: string;
  deliver(s: Session, name: NotificationName, data: unknown): void;
}

/** What a session hands over when it moves to another node (a resume there): replay state and settings. */
export interface SessionHandover {
  seq: number;
  /** Notifications after the client's last seen one, as sent. */
  frames: { seq: number; text: string }[];
  callWaiting: boolean;
  nickname: string;
}

/** A remembered answer: which request it answered (`key`) and its wire text. */
interface Answered {
  key: string;
  text: string;
}

/** What a request id means to this session: new, a retry of an answered request, or a reuse for another one. */
export type RequestIdCheck = { kind: 'new' } | { kind: 'retry'; text: string } | { kind: 'reused' };

/**
 * One logged-in device. Outlives its socket for the grace period: notifications sent while the
 * socket is gone are queued (with sequence numbers) and replayed on resume.
 */
export class Session {
  readonly id: string;
  readonly resumeToken: string;
  /** Set while this session lives on another node: this object then stands for it here (a proxy). */
  #remote: RemoteRoute | null = null;
  /** When the session's token expires (null: signed in with the app secret; no expiry). */
  tokenExpMs: number | null = null;
  readonly appID: string;
  readonly UID: string;
  readonly log: Logger;
  #nickname: string;
  #callWaiting = false;
  #ended = false;
  #graceTimer: NodeJS.Timeout | null = null;
  #tokenTimers: LongTimeout[] = [];
  #socket: WebSocket | null = null;
  #seq = 0;
  readonly #outbox: Outbox;
  readonly #answered = new Map<number, Answered>();
  #answeredBytes = 0;
  readonly #limits: SessionLimits;

  constructor(
    appID: string,
    UID: string,
    nickname: string,
    log: Logger,
    limits: SessionLimits = UNBOUNDED,
    ids?: { id: string; resumeToken: string; remote?: RemoteRoute },
  ) {
    this.id = ids?.id ?? randomUUID();
    this.resumeToken = ids?.resumeToken ?? randomBytes(24).toString('base64url');
    this.#remote = ids?.remote ?? null;
    this.#limits = limits;
    this.#outbox = new Outbox(OUTBOX_SIZE, limits.replayBytes);
    this.appID = appID;
    this.UID = UID;
    this.#nickname = nickname;
    this.log = log.child({ UID, session: this.id.slice(0, 8) });
  }

  /** The name shown to the others; `CRVideo_SetNickName` changes it (`rename`). */
  get nickname(): string {
    return this.#nickname;
  }

  rename(nickname: string): void {
    this.#nickname = nickname;
  }

  /** This device accepts a second call while in one (call waiting); otherwise such a call is busy (602). */
  get callWaiting(): boolean {
    return this.#callWaiting;
  }

  setCallWaiting(on: boolean): void {
    this.#callWaiting = on;
  }

  /** The session is over (logout, kicked, grace or token expired): it sends nothing more. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Holds the session for `keepMs` after its socket dropped; `over` runs when nobody resumed it. */
  startGrace(keepMs: number, over: () => void): void {
    this.stopGrace();
    this.#graceTimer = setTimeout(contained(this.log, { timer: 'grace' }, over), keepMs);
  }

  /** The socket is back (resume): the grace period stops. */
  stopGrace(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
  }

  /** The timers of the current token (warning, expiry); replaces and cancels the previous token's. */
  setTokenTimers(timers: LongTimeout[]): void {
    for (const t of this.#tokenTimers) t.cancel();
    this.#tokenTimers = timers;
  }

  /**
   * Ends the session: nothing more is sent, its timers stop, and the socket is let go (returned, so the
   * caller closes it with the code that says why). Safe to call twice (the second returns null).
   */
  close(): WebSocket | null {
    if (this.#ended) return null;
    this.#ended = true;
    this.stopGrace();
    this.setTokenTimers([]);
    const ws = this.#socket;
    this.#socket = null;
    return ws;
  }

  get socket(): WebSocket | null {
    return this.#socket;
  }

  get connected(): boolean {
    return this.#socket !== null;
  }

  /** The node this session lives on when that is another node (cluster mode), else null. */
  get remoteNode(): string | null {
    return this.#remote?.node ?? null;
  }

  /** The session moved to another node (a resume there): from now on this object forwards to it. */
  becomeRemote(route: RemoteRoute, lastSeq: number): SessionHandover {
    const frames = this.#outbox.since(lastSeq);
    const handover = { seq: this.#seq, frames, callWaiting: this.#callWaiting, nickname: this.#nickname };
    this.stopGrace();
    this.setTokenTimers([]);
    this.#socket = null;
    this.#outbox.clear();
    this.#remote = route;
    return handover;
  }

  /** A session that lived elsewhere now lives here (resumed on this node): its replay state comes along. */
  becomeLocal(h: SessionHandover | null, lastSeq: number): void {
    this.#remote = null;
    this.#seq = Math.max(h?.seq ?? 0, lastSeq);
    if (h) {
      this.#callWaiting = h.callWaiting;
      this.#nickname = h.nickname;
      for (const f of h.frames) this.#outbox.storeText(f.seq, f.text);
    }
  }

  /** Sends notification `name`; its data must be that notification's shape in protocol/ (checked by the compiler). */
  notify<N extends NotificationName>(name: N, data: NotificationData<N>): void {
    if (this.#ended) return;
    if (this.#remote) return this.#remote.deliver(this, name, data);
    const frame: NotificationFrame = { t: 'ntf', seq: ++this.#seq, name, data };
    const text = JSON.stringify(frame);
    this.#outbox.storeText(frame.seq, text);
    this.#send(text);
  }

  /**
   * `notify` with the data already serialised (`dataJSON`, JSON text of a value): a fan-out to many
   * sessions serialises its data once and each session only adds its own frame head.
   */
  notifyJSON<N extends NotificationName>(name: N, dataJSON: JsonOf<NotificationData<N>>): void {
    if (this.ended) return;
    if (this.#remote) return this.#remote.deliver(this, name, JSON.parse(dataJSON));
    const seq = ++this.#seq;
    const text = Outbox.frame(seq, name, dataJSON);
    // Kept as the shared data, not this frame: the text dies young once written.
    this.#outbox.store(seq, name, dataJSON, text.length);
    this.#send(text);
  }

  /** `notifyJSON` for several notifications, written to the socket together (one system call, not one each). */
  notifyAllJSON<N extends NotificationName>(name: N, dataJSON: Iterable<JsonOf<NotificationData<N>>>): void {
    // ws writes each frame on its own; corking its socket gathers them (ws has no public batching).
    const raw = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } } | null)?._socket;
    raw?.cork();
    try {
      for (const json of dataJSON) this.notifyJSON(name, json);
    } finally {
      raw?.uncork();
    }
  }

  /** Bytes held for replay after a resume (tests check the bound). */
  get replayBytes(): number {
    return this.#outbox.bytes;
  }

  /**
   * Sends a response and remembers it (by request id and `key`, what was asked) so a retry of the same
   * request is answered again instead of run twice. Answers too big for the budget are not kept.
   */
  answer(frame: ResponseFrame, key = ''): void {
    const text = JSON.stringify(frame);
    if (frame.id !== null && text.length <= this.#limits.answeredBytes) {
      const old = this.#answered.get(frame.id);
      if (old) {
        this.#answered.delete(frame.id);
        this.#answeredBytes -= old.text.length;
      }
      this.#answered.set(frame.id, { key, text });
      this.#answeredBytes += text.length;
      while (this.#answered.size > ANSWERED_SIZE || this.#answeredBytes > this.#limits.answeredBytes) {
        const [oldest, entry] = this.#answered.entries().next().value ?? [];
        if (oldest === undefined || !entry) break;
        this.#answered.delete(oldest);
        this.#answeredBytes -= entry.text.length;
      }
    }
    this.#send(text);
  }

  /** Was request `id` answered before, and was it the same request (`key`)? */
  checkRequestId(id: number, key: string): RequestIdCheck {
    const seen = this.#answered.get(id);
    if (!seen) return { kind: 'new' };
    return seen.key === key ? { kind: 'retry', text: seen.text } : { kind: 'reused' };
  }

  /** Sends an already serialised frame (a replayed answer). */
  sendText(text: string): void {
    this.#send(text);
  }

  /** Binds a (new) socket and replays what the client has not seen. False when the gap is too old to replay. */
  attach(socket: WebSocket, lastSeq: number): boolean {
    this.#socket = socket;
    const first = this.#outbox.firstSeq;
    if (lastSeq < this.#seq && first !== undefined && first > lastSeq + 1) return false;
    for (const frame of this.#outbox.since(lastSeq)) this.#send(frame.text);
    return true;
  }

  detach(): void {
    this.#socket = null;
  }

  #send(text: string): void {
    const ws = this.#socket;
    if (!ws) return;
    sendBounded(ws, text, this.#limits.sendBufferBytes, () =>
      this.log.warn(
        { buffered: ws.bufferedAmount },
        'socket does not read; closed (4008), session kept for the grace period',
      ),
    );
  }
}
