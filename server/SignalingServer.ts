import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  CRVideoError,
  isRequestType,
  issueText,
  MAX_FRAME_BYTES,
  RequestFrame,
  type RequestPayload,
  type RequestType,
  type ResponseFrame,
  requests,
  SdkErr,
} from '../protocol/index.js';
import type { UserAuth } from './auth/UserAuth.js';
import type { Calls } from './Calls.js';
import type { RoomMediaPlane } from './MediaHooks.js';
import { type TurnOptions, turnCredentials } from './media/TurnCredentials.js';
import type { Presence } from './Presence.js';
import type { Rooms } from './Rooms.js';
import type { Session } from './Session.js';
import type { Sessions } from './Sessions.js';
import type { Store } from './Store.js';

/** Path of the signaling WebSocket. */
export const SIGNALING_PATH = '/ws';
/** Each socket is pinged this often; a socket that missed the previous pong is dropped. */
const PING_INTERVAL_MS = 15_000;
/** Pings go out in small slices on this tick, so 10 000 sockets are never pinged in one burst. */
const PING_TICK_MS = 500;

/** Per-socket state. */
interface Conn {
  readonly ws: WebSocket;
  /** The client's address (rate limits of sign-in attempts). */
  readonly remote: string;
  session: Session | null;
  /** Requests of one socket are handled in order. */
  chain: Promise<void>;
  alive: boolean;
  /** When this socket's next heartbeat ping is due (staggered by connect time). */
  pingDue: number;
}

type Handler<T extends RequestType> = (conn: Conn, s: Session, p: RequestPayload<T>) => unknown;

export interface SignalingDeps {
  sessions: Sessions;
  presence: Presence;
  rooms: Rooms;
  calls: Calls;
  media: RoomMediaPlane | null;
  store: Store;
  log: Logger;
  /** Client address from X-Forwarded-For (the server sits behind a trusted reverse proxy). */
  trustProxy?: boolean;
  /** TURN relays: createTransport and restartIce answers carry fresh credentials for them. */
  turn?: TurnOptions | null;
  /** Per-user authentication (token issuing, password change); absent in old embeddings. */
  userAuth?: UserAuth | null;
}

/** WebSocket signaling: frames in, validated against protocol/, dispatched, answered with sdkErr codes. */
export class SignalingServer {
  readonly #wss: WebSocketServer;
  readonly #deps: SignalingDeps;
  readonly #log: Logger;
  readonly #conns = new Set<Conn>();
  readonly #ping: NodeJS.Timeout;
  readonly #handlers: { [T in RequestType]?: Handler<T> };

  constructor(http: HttpServer | HttpsServer, deps: SignalingDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ mod: 'Signaling' });
    // ws closes the socket over maxPayload; frames between our limit and that get a 5 and the line stays up.
    this.#wss = new WebSocketServer({ server: http, path: SIGNALING_PATH, maxPayload: 4 * MAX_FRAME_BYTES });
    this.#wss.on('connection', (ws, req) => this.#onConnection(ws, req));
    this.#ping = setInterval(() => this.#heartbeat(), PING_TICK_MS);
    this.#ping.unref();
    this.#handlers = this.#makeHandlers();
  }

  #makeHandlers(): { [T in RequestType]?: Handler<T> } {
    const { sessions, presence, rooms, calls } = this.#deps;
    return {
      ping: () => ({ now: Date.now() }),
      logout: (conn, s) => {
        sessions.end(s, 'logout');
        conn.session = null;
        return {};
      },
      updateToken: (_c, s, p) => sessions.updateToken(s, p.token),
      createMeeting: (_c, s, p) => ({ meetObj: rooms.create(s, p.subject) }),
      destroyMeeting: (_c, s, p) => {
        rooms.destroy(s, p.meetID);
        return {};
      },
      enterMeeting: (_c, s, p) => rooms.enter(s, p.meetID),
      exitMeeting: (_c, s) => {
        rooms.exit(s);
        return {};
      },
      call: (_c, s, p) => {
        calls.call(s, p.callID, p.calledUID, p.meetID, p.usrExtDat);
        return {};
      },
      acceptCall: (_c, s, p) => {
        calls.accept(s, p.callID, p.usrExtDat);
        return {};
      },
      rejectCall: (_c, s, p) => {
        calls.reject(s, p.callID, p.usrExtDat);
        return {};
      },
      hangupCall: (_c, s, p) => {
        calls.hangup(s, p.callID, p.usrExtDat);
        return {};
      },
      setDND: (_c, s, p) => {
        presence.setDND(presence.user(s.appID, s.UID), p.DNDStatus);
        s.log.info({ DND: p.DNDStatus }, 'DND set');
        return {};
      },
      getUserStatus: (_c, s, p) => {
        if (p.UID === undefined) return { statuses: presence.list(s.appID) };
        const one = presence.one(s.appID, p.UID);
        if (!one) throw new CRVideoError(SdkErr.ERR_USER_NOT_FOUND, 'no such user');
        return { statuses: [one] };
      },
      startUserStatusNotify: (_c, s) => {
        presence.subscribe(s, true);
        return {};
      },
      stopUserStatusNotify: (_c, s) => {
        presence.subscribe(s, false);
        return {};
      },
      getCallRecords: (_c, s) => ({ records: this.#deps.store.callRecordsFor(s.appID, s.UID) }),
      changePassword: async (c, s, p) => {
        const userAuth = this.#deps.userAuth;
        if (!userAuth) throw new CRVideoError(SdkErr.CUSTOMAUTH_NOTSUPPORT, 'no per-user authentication');
        await userAuth.changePassword(s.appID, s.UID, p.oldPassword, p.newPassword, c.remote);
        return {};
      },
    };
  }

  #onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn: Conn = {
      ws,
      remote: this.#remoteOf(req),
      session: null,
      chain: Promise.resolve(),
      alive: true,
      pingDue: Date.now() + PING_INTERVAL_MS,
    };
    this.#conns.add(conn);
    this.#log.debug({ remote: req.socket.remoteAddress }, 'socket open');
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (raw, isBinary) => {
      conn.chain = conn.chain
        .then(() => this.#onFrame(conn, raw, isBinary))
        .catch((err) => {
          this.#log.error({ err }, 'frame handling failed');
        });
    });
    ws.on('error', (err) => this.#log.debug({ err: err.message }, 'socket error'));
    ws.on('close', () => {
      this.#conns.delete(conn);
      const s = conn.session;
      conn.session = null;
      if (s) this.#deps.sessions.socketLost(s, ws);
    });
  }

  #remoteOf(req: IncomingMessage): string {
    const forwarded = this.#deps.trustProxy ? req.headers['x-forwarded-for'] : undefined;
    const last = typeof forwarded === 'string' ? forwarded.split(',').at(-1)?.trim() : undefined;
    return last || req.socket.remoteAddress || '';
  }

  #heartbeat(): void {
    const now = Date.now();
    for (const conn of this.#conns) {
      if (conn.pingDue > now) continue;
      conn.pingDue = now + PING_INTERVAL_MS;
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  #reply(conn: Conn, frame: ResponseFrame): void {
    if (conn.session && frame.id !== null) conn.session.answer(frame);
    else if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  #bad(conn: Conn, id: number | null, err: number, msg: string): void {
    this.#log.warn({ id, err, msg, UID: conn.session?.UID }, 'bad request');
    this.#reply(conn, { t: 'rsp', id, err, msg });
  }

  async #onFrame(conn: Conn, raw: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
    if (isBinary) return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, 'binary frames are not accepted');
    if (bytes > MAX_FRAME_BYTES)
      return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, `frame over ${MAX_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : raw.toString());
    } catch {
      return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, 'frame is not JSON');
    }
    const frame = RequestFrame.safeParse(json);
    if (!frame.success) {
      const id = typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: number }).id : null;
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, 'not a request frame');
    }
    const { id, type } = frame.data;
    if (!isRequestType(type))
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, `unknown request type ${type.slice(0, 64)}`);
    const payload = requests[type].safeParse(frame.data.payload ?? {});
    if (!payload.success) {
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, `bad ${type}: ${issueText(payload.error)}`);
    }
    const again = conn.session?.answeredBefore(id);
    if (again) return void conn.ws.send(JSON.stringify(again));
    try {
      const data = await this.#dispatch(conn, type, payload.data);
      this.#reply(conn, { t: 'rsp', id, err: 0, data });
    } catch (err) {
      const code = err instanceof CRVideoError ? err.code : SdkErr.INNER_ERR;
      if (!(err instanceof CRVideoError)) this.#log.error({ err, type }, 'request failed');
      this.#reply(conn, { t: 'rsp', id, err: code, msg: err instanceof Error ? err.message : String(err) });
    }
  }

  async #dispatch(conn: Conn, type: RequestType, payload: unknown): Promise<unknown> {
    const { sessions } = this.#deps;
    if (type === 'login' || type === 'loginByToken' || type === 'resume') {
      if (conn.session) throw new CRVideoError(SdkErr.LOGINSTATE_ERROR, 'already logged in on this line');
      if (type === 'resume') {
        const p = payload as RequestPayload<'resume'>;
        conn.session = sessions.resume(p.sessionToken, p.lastSeq, conn.ws);
        return {};
      }
      const r =
        type === 'login'
          ? await sessions.loginBySecret(
              (payload as RequestPayload<'login'>).appID,
              (payload as RequestPayload<'login'>).md5AppSecret,
              (payload as RequestPayload<'login'>).UID,
              (payload as RequestPayload<'login'>).nickname,
              (payload as RequestPayload<'login'>).userAuthCode,
              conn.remote,
            )
          : await sessions.loginByToken(
              (payload as RequestPayload<'loginByToken'>).token,
              (payload as RequestPayload<'loginByToken'>).UID,
              (payload as RequestPayload<'loginByToken'>).nickname,
            );
      if (conn.ws.readyState !== conn.ws.OPEN) {
        sessions.end(r.session, 'socket closed during login');
        throw new CRVideoError(SdkErr.SOCKETEXCEPTION);
      }
      r.session.attach(conn.ws, 0);
      conn.session = r.session;
      return r.data;
    }
    const s = conn.session;
    if (type === 'ping') return { now: Date.now() };
    if (type === 'issueUserToken') return this.#issueUserToken(conn, payload as RequestPayload<'issueUserToken'>);
    if (!s) throw new CRVideoError(SdkErr.NOT_LOGIN, 'log in first');
    if (type.startsWith('media.')) {
      const media = this.#deps.media;
      if (!media) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this server has no media plane');
      if (s.meetID === null) throw new CRVideoError(SdkErr.AUTHERROR, 'enter the room first');
      const data = await media.handle(s.meetID, s.id, type, payload);
      const turn = this.#deps.turn;
      if (turn && (type === 'media.createTransport' || type === 'media.restartIce'))
        return { ...(data as object), iceServers: [turnCredentials(turn, s.UID)] };
      return data;
    }
    const handler = this.#handlers[type] as Handler<RequestType> | undefined;
    if (!handler) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `no handler for ${type}`);
    return handler(conn, s, payload as RequestPayload<RequestType>);
  }

  /** A user proves who they are (password, customer code or refresh credential) and gets a short-lived token. */
  async #issueUserToken(conn: Conn, p: RequestPayload<'issueUserToken'>): Promise<unknown> {
    const userAuth = this.#deps.userAuth;
    if (!userAuth) throw new CRVideoError(SdkErr.CUSTOMAUTH_NOTSUPPORT, 'this server issues no user tokens');
    const appID = p.appID ?? this.#deps.sessions.defaultAppID();
    if (appID === undefined || !this.#deps.sessions.hasApp(appID))
      throw new CRVideoError(SdkErr.TOKEN_APPIDNOTEXIST, 'no such app on this server');
    return userAuth.issue(appID, p.UID, { userAuthCode: p.userAuthCode, refreshToken: p.refreshToken }, conn.remote);
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#ping);
    for (const conn of this.#conns) conn.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
