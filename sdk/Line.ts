import {
  CRVideoError,
  check,
  isNotificationName,
  isRequestType,
  issueText,
  MAX_FRAME_BYTES,
  type NotificationData,
  type NotificationName,
  notificationSchemas,
  type RequestType,
  type ResponseData,
  requests,
  responseSchemas,
  SdkErr,
  ServerFrameSchema,
} from '../protocol/index.js';
import { type ReconnectPolicy, steadyRetry } from './ReconnectPolicy.js';
import { RequestCorrelator } from './RequestCorrelator.js';

/** A connect or resume attempt while reconnecting fails after this long, so a hung one cannot hold up the next. */
const RECONNECT_ATTEMPT_TIMEOUT_MS = 2000;
/** `reconnectNow()` on an open line: a ping not answered in this time means the socket is dead. */
const PROBE_TIMEOUT_MS = 2000;

interface DropState {
  readonly droppedAt: number;
  attempt: number;
  inFlight: boolean;
  /** The attempt scheduled at the grace itself: after it, give up. */
  final: boolean;
  readonly policy: ReconnectPolicy;
}

/** The part of the WebSocket API the SDK uses; both `ws` (Node) and the browser's satisfy it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: never) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export type LineState = 'closed' | 'connecting' | 'open' | 'reconnecting';

export interface LineEvents {
  /** A notification of protocol/, its data checked against that notification's schema. */
  notification<N extends NotificationName>(name: N, data: NotificationData<N>): void;
  /** The line dropped (true) or came back (false). */
  reconnecting(on: boolean): void;
  /** The session resumed after a drop. */
  resumed(): void;
  /**
   * The server never knew the session (it restarted). Return true once the client signed in again and
   * reconciled its calls with the server; the line then reports "back".
   */
  resumeRefused(elapsedMs: number): Promise<boolean>;
  /** The line is gone for good (LineOff 207 for the app). */
  lost(sdkErr: number): void;
}

export interface LineOptions {
  url: () => string;
  WebSocket: WebSocketCtor;
  requestTimeoutMs: number;
  heartbeatMs: number;
  reconnectPolicy?: ReconnectPolicy;
  events: LineEvents;
  log: (msg: string, extra?: unknown) => void;
}

/**
 * The signaling line: one WebSocket at a time, request/response correlation, notification
 * sequence tracking, heartbeat, and reconnect + resume within the grace period the server advertised
 * at login (the rule is in protocol/reconnect.ts).
 */
export class Line {
  #ws: WebSocketLike | null = null;
  #state: LineState = 'closed';
  readonly #pending = new RequestCorrelator();
  readonly #o: LineOptions;
  #sessionToken: string | null = null;
  /** Advertised by the server at login (and resume); never guessed here. */
  #graceMs = 0;
  /** The id of the resume request in flight, failed at once if its socket closes. */
  #resumeId: number | null = null;
  #lastSeq = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #blockedUntil = 0;
  #generation = 0;
  /** The drop being recovered from, while reconnecting. */
  #drop: DropState | null = null;

  constructor(o: LineOptions) {
    this.#o = o;
  }

  get state(): LineState {
    return this.#state;
  }

  /** Opens a fresh socket (for a login). Rejects with 204 when the server cannot be reached. */
  async connect(): Promise<void> {
    this.#teardown();
    this.#state = 'connecting';
    await this.#openSocket(this.#o.requestTimeoutMs);
    this.#state = 'open';
  }

  #openSocket(timeoutMs: number): Promise<void> {
    const gen = ++this.#generation;
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new this.#o.WebSocket(this.#o.url());
      } catch (err) {
        reject(new CRVideoError(SdkErr.SOCKETEXCEPTION, 'bad server address', { cause: err }));
        return;
      }
      this.#ws = ws;
      const timer = setTimeout(() => {
        this.#kill(ws);
        reject(new CRVideoError(SdkErr.SOCKETTIMEOUT, 'connect timed out'));
      }, timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onerror = () => undefined;
      ws.onmessage = (ev) => this.#onMessage(ev.data);
      ws.onclose = (ev) => {
        clearTimeout(timer);
        // 1015: the TLS handshake failed (an untrusted certificate): 209, not a network failure.
        if (ev.code === 1015) reject(new CRVideoError(SdkErr.SSL_ERR, 'the server certificate is not trusted'));
        else reject(new CRVideoError(SdkErr.SOCKETEXCEPTION, 'cannot reach the server'));
        if (gen === this.#generation) this.#onClose(ev.code);
      };
    });
  }

  /** Called by the client after a (re)login: the session to resume after a drop. */
  setSession(token: string | null, graceMs: number): void {
    this.#sessionToken = token;
    this.#graceMs = graceMs;
    this.#lastSeq = 0;
    this.#startHeartbeat();
  }

  request<T extends RequestType>(type: T, payload: unknown): Promise<ResponseData<T>> {
    if (!isRequestType(type))
      return Promise.reject(new CRVideoError(SdkErr.MEETPARAM_ERR, `unknown request ${String(type)}`));
    const parsed = requests[type].safeParse(payload);
    if (!parsed.success) {
      return Promise.reject(new CRVideoError(SdkErr.MEETPARAM_ERR, issueText(parsed.error)));
    }
    if (this.#state === 'closed' || this.#state === 'connecting') {
      if (type !== 'login' && type !== 'loginByToken' && this.#state === 'closed') {
        return Promise.reject(new CRVideoError(SdkErr.NOT_LOGIN, 'not logged in'));
      }
    }
    const { frame, promise } = this.#pending.add(
      (id) => JSON.stringify({ id, type, payload: parsed.data }),
      this.#o.requestTimeoutMs,
    );
    if (frame.length > MAX_FRAME_BYTES)
      return Promise.reject(new CRVideoError(SdkErr.MEETPARAM_ERR, 'request too large'));
    if (this.#state === 'open' || this.#state === 'connecting') this.#send(frame);
    // While reconnecting the frame waits in the correlator and is sent after the resume.
    return promise.then((data) => this.#checkResponse(type, data));
  }

  /**
   * A response's data checked against its request type's response schema in protocol/, like the server
   * checks requests: one that does not match is refused with 5 (MEETPARAM_ERR) and a log line.
   */
  #checkResponse<T extends RequestType>(type: T, data: unknown): ResponseData<T> {
    const parsed = check(responseSchemas[type], data);
    if (!parsed.ok) {
      this.#o.log(`malformed ${type} response: ${parsed.why}`);
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, `malformed ${type} response: ${parsed.why}`, {
        cause: parsed.thrown,
      });
    }
    return parsed.data;
  }

  #send(frame: string): void {
    const ws = this.#ws;
    if (ws && ws.readyState === 1) ws.send(frame);
  }

  #onMessage(raw: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      return this.#o.log('dropped a frame that is not JSON');
    }
    const f = ServerFrameSchema.safeParse(json);
    if (!f.success) return this.#o.log('dropped a malformed frame');
    const frame = f.data;
    if (frame.t === 'rsp') {
      if (frame.id === null) return this.#o.log('server refused a frame', frame);
      this.#pending.settle(frame.id, frame.err, frame.data, frame.msg);
      return;
    }
    if (frame.seq <= this.#lastSeq) return; // replayed twice
    this.#lastSeq = frame.seq;
    if (!isNotificationName(frame.name)) return this.#o.log(`unknown notification ${frame.name}`);
    this.#notify(frame.name, frame.data);
  }

  /** Hands a notification on with its data checked against its schema (a malformed one is dropped). */
  #notify<N extends NotificationName>(name: N, raw: unknown): void {
    const data = notificationSchemas[name].safeParse(raw);
    if (!data.success) return this.#o.log(`malformed ${name} notification`);
    this.#o.events.notification(name, data.data);
  }

  #onClose(code: number): void {
    this.#ws = null;
    if (this.#state === 'closed') return;
    if (this.#state === 'reconnecting' && this.#resumeId !== null) {
      // The link went again while resuming: fail this attempt now rather than at its timeout.
      this.#pending.settle(this.#resumeId, SdkErr.SOCKETEXCEPTION, undefined, 'socket closed while resuming');
      this.#resumeId = null;
    }
    if (this.#sessionToken === null || code === 4000) {
      // Not logged in, or the server ended the session on purpose (logout elsewhere, kicked, expired).
      const wasUp = this.#state === 'open' || this.#state === 'reconnecting';
      const hadSession = this.#sessionToken !== null;
      this.#shutdown(hadSession ? SdkErr.CONNECTIONLOST : SdkErr.SOCKETEXCEPTION);
      if (wasUp && hadSession) this.#o.events.lost(SdkErr.CONNECTIONLOST);
      return;
    }
    if (this.#state === 'open') this.#startReconnect();
  }

  #startReconnect(): void {
    this.#state = 'reconnecting';
    this.#stopHeartbeat();
    this.#drop = {
      droppedAt: Date.now(),
      attempt: 0,
      inFlight: false,
      final: false,
      policy: this.#o.reconnectPolicy ?? steadyRetry(),
    };
    this.#o.log(`line dropped; reconnecting (grace ${this.#graceMs} ms)`);
    this.#o.events.reconnecting(true);
    void this.#attempt();
  }

  /**
   * One reconnect attempt: open a socket and resume. Attempts run one at a time; the next is scheduled
   * by the policy (≤ 1 s apart by default) and none starts once the advertised grace has passed since
   * the drop — the server keeps the session GRACE_MARGIN_MS longer, so the last one cannot lose the race.
   */
  async #attempt(): Promise<void> {
    const r = this.#drop;
    this.#clearReconnectTimer();
    if (!r || this.#state !== 'reconnecting' || r.inFlight) return;
    const elapsed = Date.now() - r.droppedAt;
    if (elapsed > this.#graceMs && !r.final) return this.#giveUp(SdkErr.CONNECTIONLOST, 'grace period over');
    if (Date.now() >= this.#blockedUntil) {
      r.inFlight = true;
      try {
        await this.#openSocket(Math.min(this.#o.requestTimeoutMs, RECONNECT_ATTEMPT_TIMEOUT_MS));
        if (this.#drop !== r || this.#state !== 'reconnecting') return;
        await this.#resume();
        if (this.#drop !== r || this.#state !== 'reconnecting') return;
        this.#drop = null;
        this.#state = 'open';
        for (const frame of this.#pending.frames()) this.#send(frame);
        this.#startHeartbeat();
        this.#o.log(`session resumed after ${Date.now() - r.droppedAt} ms`);
        this.#o.events.reconnecting(false);
        this.#o.events.resumed();
        return;
      } catch (err) {
        if (this.#drop !== r || this.#state !== 'reconnecting') return;
        const code = CRVideoError.codeOf(err);
        if (code === SdkErr.CONNECTIONLOST || code === SdkErr.NOT_LOGIN) return this.#refused(r, code);
        if (this.#ws) this.#kill(this.#ws);
      } finally {
        r.inFlight = false;
      }
    }
    this.#schedule(r);
  }

  #schedule(r: DropState): void {
    const elapsed = Date.now() - r.droppedAt;
    const delay = r.policy.nextDelayMs(r.attempt++, elapsed);
    const left = this.#graceMs - elapsed;
    if (delay === null || left <= 0 || r.final) return this.#giveUp(SdkErr.CONNECTIONLOST, 'grace period over');
    const wait = Math.max(delay, this.#blockedUntil - Date.now());
    // The last attempt is made at the grace itself, not skipped: a link back just before it is still
    // used, and the server keeps the session GRACE_MARGIN_MS longer, so this attempt cannot lose.
    if (wait >= left) r.final = true;
    this.#reconnectTimer = setTimeout(() => void this.#attempt(), Math.min(wait, left));
  }

  /**
   * The server refused the resume. 207: it ended the session (grace passed, kicked): the app is told
   * (LineOff 207). 12: it never knew the session (it restarted): the client may sign in again, and
   * reconciles its calls with the server before the line reports "back".
   */
  async #refused(r: DropState, code: number): Promise<void> {
    this.#drop = null;
    if (code !== SdkErr.NOT_LOGIN) return this.#giveUp(SdkErr.CONNECTIONLOST, 'the server ended the session');
    this.#state = 'connecting';
    const relogged = await this.#o.events.resumeRefused(Date.now() - r.droppedAt).catch(() => false);
    if (this.#state !== 'connecting') return;
    if (!relogged) return this.#giveUp(SdkErr.CONNECTIONLOST, 'could not sign in again');
    this.#state = 'open';
    for (const frame of this.#pending.frames()) this.#send(frame);
    this.#o.events.reconnecting(false);
  }

  /**
   * A hint that the network changed (browser `online`, Electron powerMonitor `resume`): while
   * reconnecting, try at once and restart the fast part of the schedule; while open, check the socket
   * still answers (after a sleep it is often dead without knowing) and reconnect if it does not.
   */
  reconnectNow(): void {
    if (this.#state === 'reconnecting' && this.#drop) {
      this.#drop.attempt = 0;
      if (!this.#drop.inFlight) void this.#attempt();
      return;
    }
    if (this.#state !== 'open' || this.#sessionToken === null) return;
    const ws = this.#ws;
    const { frame, promise } = this.#pending.add(
      (id) => JSON.stringify({ id, type: 'ping', payload: {} }),
      PROBE_TIMEOUT_MS,
    );
    this.#send(frame);
    promise.catch(() => {
      if (ws && ws === this.#ws && this.#state === 'open') this.dropSocket();
    });
  }

  #clearReconnectTimer(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  #giveUp(code: number, why: string): void {
    this.#o.log(`reconnect over: ${why}`);
    this.#drop = null;
    this.#shutdown(code);
    this.#o.events.lost(code);
  }

  /** Sends `resume` on the fresh socket, outside the queue (queued frames go after it). */
  #resume(): Promise<void> {
    const token = this.#sessionToken;
    if (!token) return Promise.reject(new CRVideoError(SdkErr.CONNECTIONLOST, 'no session to resume'));
    const { id, frame, promise } = this.#pending.add(
      (id) => JSON.stringify({ id, type: 'resume', payload: { sessionToken: token, lastSeq: this.#lastSeq } }),
      Math.min(this.#o.requestTimeoutMs, RECONNECT_ATTEMPT_TIMEOUT_MS),
    );
    this.#resumeId = id;
    this.#send(frame);
    return promise
      .then((data) => {
        const grace = this.#checkResponse('resume', data).graceMs;
        if (grace !== undefined) this.#graceMs = grace;
      })
      .finally(() => {
        if (this.#resumeId === id) this.#resumeId = null;
      });
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    if (this.#sessionToken === null) return;
    this.#heartbeat = setInterval(() => {
      if (this.#state !== 'open') return;
      const ws = this.#ws;
      this.request('ping', {}).catch(() => {
        // No answer: the socket is dead without knowing it. Drop it and resume on a new one.
        if (ws && ws === this.#ws && this.#state === 'open') this.dropSocket();
      });
    }, this.#o.heartbeatMs);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #kill(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Keep an error handler: Node's ws emits 'error' when a socket still in its handshake is cut, and an
    // 'error' with no listener would be thrown out of the host process (the Electron main process).
    ws.onerror = () => undefined;
    try {
      if (ws.terminate) ws.terminate();
      else ws.close();
    } catch {
      // already closed
    }
    if (this.#ws === ws) this.#ws = null;
  }

  /** Drops the socket as a network failure would (heartbeat timeouts; tests). Reconnects unless `offlineMs` blocks it. */
  dropSocket(offlineMs = 0): void {
    this.#blockedUntil = Date.now() + offlineMs;
    const ws = this.#ws;
    if (ws) this.#kill(ws);
    this.#generation++;
    if (this.#state === 'open') this.#startReconnect();
  }

  #teardown(): void {
    this.#clearReconnectTimer();
    this.#drop = null;
    this.#stopHeartbeat();
    if (this.#ws) this.#kill(this.#ws);
    this.#generation++;
  }

  #shutdown(code: number): void {
    this.#teardown();
    this.#state = 'closed';
    this.#pending.rejectAll(code, 'line closed');
  }

  /** Logging out: the server will close the socket; that is not a drop to recover from. */
  forgetSession(): void {
    this.#sessionToken = null;
    this.#stopHeartbeat();
  }

  /** Closes the line for good (logout, LineOff, uninit). */
  close(): void {
    this.#sessionToken = null;
    this.#shutdown(SdkErr.NOT_LOGIN);
  }
}
