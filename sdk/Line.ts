import {
  CRVideoError,
  isNotificationName,
  isRequestType,
  issueText,
  MAX_FRAME_BYTES,
  notifications,
  type RequestType,
  type ResponseData,
  requests,
  SdkErr,
  ServerFrameSchema,
} from '../protocol/index.js';
import { exponentialBackoff, type ReconnectPolicy } from './ReconnectPolicy.js';
import { RequestCorrelator } from './RequestCorrelator.js';

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
  notification(name: string, data: unknown): void;
  /** The line dropped (true) or came back (false). */
  reconnecting(on: boolean): void;
  /** The session resumed after a drop. */
  resumed(): void;
  /** The server no longer knows the session; return true if the client logged in again by itself. */
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
 * sequence tracking, heartbeat, and reconnect + resume within the server's grace period.
 */
export class Line {
  #ws: WebSocketLike | null = null;
  #state: LineState = 'closed';
  readonly #pending = new RequestCorrelator();
  readonly #o: LineOptions;
  #sessionToken: string | null = null;
  #graceMs = 20_000;
  #lastSeq = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #blockedUntil = 0;
  #generation = 0;

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
    await this.#openSocket();
    this.#state = 'open';
  }

  #openSocket(): Promise<void> {
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
      }, this.#o.requestTimeoutMs);
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
    return promise as Promise<ResponseData<T>>;
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
    const data = notifications[frame.name].safeParse(frame.data);
    if (!data.success) return this.#o.log(`malformed ${frame.name} notification`);
    this.#o.events.notification(frame.name, data.data);
  }

  #onClose(code: number): void {
    this.#ws = null;
    if (this.#state === 'closed') return;
    if (this.#sessionToken === null || code === 4000) {
      // Not logged in, or the server ended the session on purpose (logout elsewhere, kicked, expired).
      const wasOpen = this.#state === 'open';
      this.#shutdown(this.#sessionToken === null ? SdkErr.SOCKETEXCEPTION : SdkErr.CONNECTIONLOST);
      if (wasOpen && this.#sessionToken !== null) this.#o.events.lost(SdkErr.CONNECTIONLOST);
      return;
    }
    if (this.#state === 'open') this.#startReconnect();
  }

  #startReconnect(): void {
    this.#state = 'reconnecting';
    this.#stopHeartbeat();
    const droppedAt = Date.now();
    const policy = this.#o.reconnectPolicy ?? exponentialBackoff({ giveUpMs: this.#graceMs });
    this.#o.log('line dropped; reconnecting');
    this.#o.events.reconnecting(true);
    let attempt = 0;
    const tryOnce = async (): Promise<void> => {
      this.#reconnectTimer = null;
      if (this.#state !== 'reconnecting') return;
      const elapsed = Date.now() - droppedAt;
      if (Date.now() >= this.#blockedUntil) {
        try {
          await this.#openSocket();
          if (this.#state !== 'reconnecting') return;
          await this.#resume();
          this.#state = 'open';
          for (const frame of this.#pending.frames()) this.#send(frame);
          this.#startHeartbeat();
          this.#o.events.reconnecting(false);
          this.#o.events.resumed();
          return;
        } catch (err) {
          if (this.#state !== 'reconnecting') return;
          if (err instanceof CRVideoError && err.code === SdkErr.CONNECTIONLOST) {
            this.#state = 'connecting';
            const relogged = await this.#o.events.resumeRefused(elapsed).catch(() => false);
            if (relogged && this.#state === 'connecting') {
              this.#state = 'open';
              for (const frame of this.#pending.frames()) this.#send(frame);
              this.#o.events.reconnecting(false);
              return;
            }
            return this.#giveUp();
          }
          if (this.#ws) this.#kill(this.#ws);
        }
      }
      const delay = policy.nextDelayMs(attempt++, Date.now() - droppedAt);
      if (delay === null) return this.#giveUp();
      // Never wait past the grace period: after it the session is gone and the app must hear so.
      const left = Math.max(0, this.#graceMs - (Date.now() - droppedAt));
      const wait = Math.min(Math.max(delay, this.#blockedUntil - Date.now()), left);
      this.#reconnectTimer = setTimeout(() => void tryOnce(), wait);
    };
    void tryOnce();
  }

  #giveUp(): void {
    this.#shutdown(SdkErr.CONNECTIONLOST);
    this.#o.events.lost(SdkErr.CONNECTIONLOST);
  }

  /** Sends `resume` on the fresh socket, outside the queue (queued frames go after it). */
  #resume(): Promise<void> {
    const token = this.#sessionToken;
    if (!token) return Promise.reject(new CRVideoError(SdkErr.CONNECTIONLOST));
    const { frame, promise } = this.#pending.add(
      (id) => JSON.stringify({ id, type: 'resume', payload: { sessionToken: token, lastSeq: this.#lastSeq } }),
      this.#o.requestTimeoutMs,
    );
    this.#send(frame);
    return promise.then(() => undefined);
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
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
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
