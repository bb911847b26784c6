import { createHash, randomUUID } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  CRVideoError,
  check,
  isRequestType,
  MAX_FRAME_BYTES,
  type MediaRequestType,
  RequestFrame,
  type RequestPayload,
  type RequestType,
  type ResponseData,
  type ResponseFrame,
  requestSchemas,
  SdkErr,
} from '../protocol/index.js';
import { peekTokenAppID } from './Auth.js';
import type { UserAuth } from './auth/UserAuth.js';
import type { Calls } from './Calls.js';
import type { Cluster } from './cluster/Cluster.js';
import { contained } from './contain.js';
import type { Limits } from './limits/Limits.js';
import { addressKey } from './limits/LoginThrottle.js';
import { type DecodedFrame, decodeFrame } from './limits/RequestCost.js';
import { Refusal } from './limits/refusal.js';
import { SampledLog } from './limits/SampledLog.js';
import { CloseCode, DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './limits.js';
import type { RoomMediaPlane } from './MediaHooks.js';
import { type IceServer, type TurnOptions, turnCredentials } from './media/TurnCredentials.js';
import type { Presence } from './Presence.js';
import type { RingMedia } from './RingMedia.js';
import type { Rooms } from './Rooms.js';
import type { Session } from './Session.js';
import type { LoginResult, Sessions } from './Sessions.js';
import type { Store } from './Store.js';
import { sendBounded } from './sendBounded.js';
import type { SharedStore } from './store/index.js';
import type { UpgradeGuard } from './UpgradeGuard.js';

/** Path of the signaling WebSocket. */
export const SIGNALING_PATH = '/ws';
/** Each socket is pinged this often; a socket that missed the previous pong is dropped. */
const PING_INTERVAL_MS = 15_000;
/** Frames of one socket read ahead of the one being handled before the server stops reading it. */
const READ_AHEAD = 64;
/** Pings go out in small slices on this tick, so 10 000 sockets are never pinged in one burst. */
const PING_TICK_MS = 500;

/** Per-socket state. */
interface Conn {
  readonly ws: WebSocket;
  /** The remote address as the login throttle keys it. */
  readonly address: string;
  session: Session | null;
  /** Requests of one socket are handled in order. */
  chain: Promise<void>;
  alive: boolean;
  /** When this socket's next heartbeat ping is due (staggered by connect time). */
  pingDue: number;
  /** Requests received and not yet answered. */
  inFlight: number;
  /** Closes the socket when it has not logged in in time (armed while there is no session). */
  loginTimer: NodeJS.Timeout | null;
  /** The client's address (logs, rate limits of sign-in attempts; X-Forwarded-For with trustProxy). */
  readonly remote: string;
  /** A session that logged out: ended right after its answer is sent. */
  endAfterReply?: Session;
  /** performance.now() until which nothing more is read (its last request was refused under a limit). */
  heldUntil: number;
}

/** What a handler answers: exactly the response shape protocol/ gives request `T`. */
type Answer<T extends RequestType> = ResponseData<T> | Promise<ResponseData<T>>;
/** Handles one request type on a socket (signed in or not: each handler says what it needs). */
type Handler<T extends RequestType> = (conn: Conn, p: RequestPayload<T>) => Answer<T>;
/** One handler for every request type of protocol/: a request type without one does not compile. */
export type RequestHandlers = { readonly [T in RequestType]: Handler<T> };

export interface SignalingDeps {
  sessions: Sessions;
  presence: Presence;
  rooms: Rooms;
  calls: Calls;
  media: RoomMediaPlane | null;
  /** Ring-time media preparation (`media.prepare`); absent without a media plane. */
  ringMedia?: RingMedia | null;
  store: Store;
  limits: Limits;
  log: Logger;
  /** Client address from X-Forwarded-For (the server sits behind a trusted reverse proxy). */
  trustProxy?: boolean;
  /** TURN relays: createTransport and restartIce answers carry fresh credentials for them. */
  turn?: TurnOptions | null;
  /** Per-user authentication (token issuing, password change); absent in old embeddings. */
  userAuth?: UserAuth | null;
  /** Transport bounds (defaults from server/limits.ts). */
  transport?: TransportLimits;
  /** Origin / Host / per-address checks on the upgrade (none: every upgrade to /ws is accepted). */
  guard?: UpgradeGuard;
  /** Cluster mode: PostgreSQL, where call records of every node are read. */
  sharedStore?: SharedStore | null;
  /** Cluster mode: requests about rooms and calls of other nodes are relayed there. */
  cluster?: Cluster | null;
}

/** Login failures that count against the throttle: wrong credentials, not server trouble. */
// Wrong user passwords and codes (17) are counted by UserAuth through the same throttle (limits.login).
const CREDENTIAL_ERRORS: ReadonlySet<number> = new Set([SdkErr.ANCTPSWD_ERR, SdkErr.TOKEN_AUTH_FAILED]);

/** WebSocket signaling: frames in, validated against protocol/, dispatched, answered with sdkErr codes. */
export class SignalingServer {
  readonly #wss: WebSocketServer;
  readonly #deps: SignalingDeps;
  readonly #log: Logger;
  readonly #conns = new Set<Conn>();
  readonly #ping: NodeJS.Timeout;
  readonly #handlers: RequestHandlers;
  readonly #transport: TransportLimits;
  readonly #http: HttpServer;
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Refusals (bad frames, 429, refused upgrades) are logged once per remote per 10 s, with a count. */
  readonly #sampled = new SampledLog();
  #tooManyTail: string | null = null;

  constructor(http: HttpServer | HttpsServer, deps: SignalingDeps) {
    this.#deps = deps;
    this.#http = http;
    this.#transport = deps.transport ?? DEFAULT_TRANSPORT_LIMITS;
    this.#log = deps.log.child({ mod: 'Signaling' });
    // ws closes the socket over maxPayload; frames between our limit and that get a 5 and the line stays up.
    // noServer: the upgrade is checked here first (path, Origin, Host, sockets per address).
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_FRAME_BYTES });
    this.#wss.on('error', (err) => this.#log.error({ err }, 'WebSocket server error'));
    this.#onUpgrade = (req, socket, head) => {
      try {
        this.#upgrade(req, socket, head);
      } catch (err) {
        this.#log.error({ err, url: req.url?.slice(0, 200) }, 'upgrade failed');
        socket.destroy();
      }
    };
    http.on('upgrade', this.#onUpgrade);
    this.#ping = setInterval(
      contained(this.#log, { timer: 'heartbeat' }, () => this.#heartbeat()),
      PING_TICK_MS,
    );
    this.#ping.unref();
    this.#handlers = this.#makeHandlers();
  }

  #makeHandlers(): RequestHandlers {
    const { sessions, presence, rooms, calls, limits, store } = this.#deps;
    const l = limits.settings;
    /** A handler for signed-in sockets only: 12 (NOT_LOGIN) before it runs otherwise. */
    const signedIn =
      <T extends RequestType>(h: (conn: Conn, s: Session, p: RequestPayload<T>) => Answer<T>): Handler<T> =>
      (conn, p) => {
        const s = conn.session;
        if (!s) throw new CRVideoError(SdkErr.NOT_LOGIN, 'log in first');
        return h(conn, s, p);
      };
    /** A `media.*` request, handled by the media plane in the member's room. */
    const media = <T extends MediaRequestType>(type: T): Handler<T> =>
      signedIn<T>((_c, s, p) => this.#media(s, type, p));
    return {
      login: (conn, p) =>
        this.#login(conn, p.appID, p.UID, () =>
          sessions.loginBySecret(p.appID, p.md5AppSecret, p.UID, p.nickname, p.userAuthCode, conn.remote),
        ),
      loginByToken: (conn, p) =>
        this.#login(conn, peekTokenAppID(p.token) ?? '?', p.UID, () =>
          sessions.loginByToken(p.token, p.UID, p.nickname),
        ),
      resume: async (conn, p) => {
        if (conn.session) throw new CRVideoError(SdkErr.LOGINSTATE_ERROR, 'already logged in on this line');
        const cluster = this.#deps.cluster;
        conn.session =
          cluster && !sessions.byToken(p.sessionToken)
            ? // Not a session of this node: it may have lived on another (the balancer sent the socket here).
              await cluster.takeOver(p.sessionToken, p.lastSeq, conn.ws)
            : sessions.resume(p.sessionToken, p.lastSeq, conn.ws);
        this.#clearLoginDeadline(conn);
        return { graceMs: sessions.graceMs };
      },
      ping: () => ({ now: Date.now() }),
      issueUserToken: (conn, p) => this.#issueUserToken(conn, p),
      logout: signedIn((conn, s) => {
        // Ended once the answer is on its way (#onFrame), so the client hears its logout succeed.
        conn.endAfterReply = s;
        return {};
      }),
      updateToken: signedIn((_c, s, p) => sessions.updateToken(s, p.token)),
      createMeeting: signedIn(async (_c, s, p) => {
        await limits.meetingCreate(s);
        const claimed = await this.#deps.cluster?.claimRoomId();
        return { meetObj: rooms.create(s, p.subject, claimed) };
      }),
      destroyMeeting: signedIn((_c, s, p) => {
        rooms.destroy(s, p.meetID);
        this.#deps.cluster?.roomDestroyed(p.meetID);
        return {};
      }),
      enterMeeting: signedIn(async (_c, s, p) => {
        await limits.enterMeeting(s);
        const entered = await rooms.enter(s, p.meetID);
        await limits.enteredMeeting(s);
        return entered;
      }),
      exitMeeting: signedIn((_c, s) => {
        rooms.exit(s);
        return {};
      }),
      call: signedIn(async (_c, s, p) => {
        await limits.call(s, p.calledUID, () => calls.outgoingCount(s.appID, s.UID));
        // Cluster mode: a callee who signed in on another node only is copied here first (603, not 605).
        await this.#deps.cluster?.knowUser(s.appID, p.calledUID);
        try {
          calls.call(s, p.callID, p.calledUID, p.meetID, p.usrExtDat);
        } catch (err) {
          await limits.callFailed(s);
          throw err;
        }
        return {};
      }),
      acceptCall: signedIn((_c, s, p) => {
        calls.accept(s, p.callID, p.usrExtDat, p.meetID);
        return {};
      }),
      rejectCall: signedIn(async (_c, s, p) => {
        const caller = calls.callerOf(s, p.callID);
        calls.reject(s, p.callID, p.usrExtDat);
        if (caller !== undefined) await limits.rejected(s.appID, caller, s.UID);
        return {};
      }),
      hangupCall: signedIn(async (_c, s, p) => {
        const caller = calls.callerOf(s, p.callID);
        calls.hangup(s, p.callID, p.usrExtDat);
        if (caller !== undefined) await limits.rejected(s.appID, caller, s.UID);
        return {};
      }),
      setDND: signedIn(async (_c, s, p) => {
        await limits.dndChange(s);
        presence.setDND(s.appID, s.UID, p.DNDStatus);
        s.log.info({ DND: p.DNDStatus }, 'DND set');
        return {};
      }),
      getUserStatus: signedIn(async (_c, s, p) => {
        if (p.UID === undefined) {
          return presence.online(s.appID, p.page ?? 1, Math.min(p.limit ?? l.userStatusPageSize, l.userStatusPageSize));
        }
        // Cluster mode: someone who signed in on another node only is copied here first.
        await this.#deps.cluster?.knowUser(s.appID, p.UID);
        const one = presence.one(s.appID, p.UID);
        if (!one) throw new CRVideoError(SdkErr.ERR_USER_NOT_FOUND, 'no such user');
        return { statuses: [one] };
      }),
      startUserStatusNotify: signedIn((_c, s) => {
        presence.subscribe(s, true);
        return {};
      }),
      stopUserStatusNotify: signedIn((_c, s) => {
        presence.subscribe(s, false);
        return {};
      }),
      getCallRecords: signedIn((_c, s, p) => {
        const limit = Math.min(p.limit ?? l.callRecordsDefaultLimit, l.callRecordsMaxLimit);
        const offset = ((p.page ?? 1) - 1) * limit;
        if (offset >= l.callRecordsMaxDepth) {
          throw new CRVideoError(
            SdkErr.CFG_RESTRICTED,
            `call records: only the newest ${l.callRecordsMaxDepth} can be paged through`,
          );
        }
        const rows = Math.min(limit, l.callRecordsMaxDepth - offset);
        const shared = this.#deps.sharedStore;
        if (shared)
          return shared.callRecordsFor(s.appID, s.UID, { limit: rows, offset }).then((records) => ({ records }));
        return { records: store.callRecordsFor(s.appID, s.UID, { limit: rows, offset }) };
      }),
      getLiveCalls: signedIn(async (_c, s) => {
        const remote = (await this.#deps.cluster?.remoteLiveCalls(s)) ?? [];
        return { calls: [...calls.liveFor(s), ...remote] };
      }),
      setCallWaiting: signedIn((_c, s, p) => {
        s.setCallWaiting(p.on);
        s.log.info({ callWaiting: p.on }, 'call waiting set');
        return {};
      }),
      setNickName: signedIn((_c, s, p) => {
        rooms.setNickName(s, p.UID, p.nickname);
        return {};
      }),
      kickout: signedIn((_c, s, p) => {
        rooms.kickout(s, p.UID);
        return {};
      }),
      changePassword: signedIn(async (c, s, p) => {
        const userAuth = this.#deps.userAuth;
        if (!userAuth) throw new CRVideoError(SdkErr.CUSTOMAUTH_NOTSUPPORT, 'no per-user authentication');
        await userAuth.changePassword(s.appID, s.UID, p.oldPassword, p.newPassword, c.remote);
        return {};
      }),
      'media.getRouterRtpCapabilities': media('media.getRouterRtpCapabilities'),
      'media.createTransport': signedIn(async (_c, s, p) =>
        this.#withTurn(s, await this.#media(s, 'media.createTransport', p)),
      ),
      'media.connectTransport': media('media.connectTransport'),
      'media.restartIce': signedIn(async (_c, s, p) => this.#withTurn(s, await this.#media(s, 'media.restartIce', p))),
      'media.ready': media('media.ready'),
      'media.produce': media('media.produce'),
      'media.closeProducer': media('media.closeProducer'),
      'media.pauseProducer': media('media.pauseProducer'),
      'media.resumeProducer': media('media.resumeProducer'),
      'media.resumeConsumer': media('media.resumeConsumer'),
      'media.pauseConsumer': media('media.pauseConsumer'),
      'media.setStatus': media('media.setStatus'),
      'media.getStats': media('media.getStats'),
      'media.prepare': signedIn((_c, s, p) => {
        if (!this.#deps.media) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this server has no media plane');
        const ring = this.#deps.ringMedia;
        if (!ring) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this server does not prepare media');
        return ring.prepare(s, p.callID);
      }),
      'media.setTileSize': media('media.setTileSize'),
    };
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const target = req.url ?? '';
    const q = target.indexOf('?');
    if ((q === -1 ? target : target.slice(0, q)) !== SIGNALING_PATH) return refuse(socket, 400, 'Bad Request');
    // Behind a trusted proxy (--trust-proxy) sockets are counted per client address, not per proxy.
    const addr = this.#remoteOf(req);
    const verdict = this.#deps.guard?.check(req, addr) ?? { ok: true };
    if (!verdict.ok) {
      this.#sampled.event(`upgrade\u0000${req.socket.remoteAddress}\u0000${verdict.status}`, (leftOut) =>
        this.#log.info(
          {
            remote: req.socket.remoteAddress,
            origin: req.headers.origin?.slice(0, 200),
            host: req.headers.host?.slice(0, 200),
            ...(leftOut > 0 ? { alsoRefused: leftOut } : {}),
          },
          `upgrade refused: ${verdict.reason}`,
        ),
      );
      return refuse(socket, verdict.status, verdict.status === 429 ? 'Too Many Requests' : 'Forbidden');
    }
    const release = this.#deps.guard?.opened(addr);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.#onConnection(ws, req, release);
      } catch (err) {
        release?.();
        this.#log.error({ err }, 'connection set-up failed');
        ws.terminate();
      }
    });
    // handleUpgrade may refuse (bad key or version) without calling back: the socket then closes.
    socket.once('close', () => release?.());
  }

  #armLoginDeadline(conn: Conn): void {
    if (conn.loginTimer) clearTimeout(conn.loginTimer);
    conn.loginTimer = setTimeout(
      contained(this.#log, { timer: 'loginDeadline', remote: conn.remote }, () => {
        conn.loginTimer = null;
        if (conn.session) return;
        this.#log.info({ remote: conn.remote }, 'no login in time; socket closed (4001)');
        conn.ws.close(CloseCode.LOGIN_DEADLINE, 'log in first');
        setTimeout(() => conn.ws.terminate(), 1000).unref();
      }),
      // Up to a fifth later, at random: a flood of sockets opened in one go (400 a second from one
      // address) would otherwise all be closed in the same instant, 40 ms during which calls wait.
      this.#transport.loginDeadlineMs * (1 + 0.2 * Math.random()),
    );
    conn.loginTimer.unref();
  }

  #clearLoginDeadline(conn: Conn): void {
    if (conn.loginTimer) clearTimeout(conn.loginTimer);
    conn.loginTimer = null;
  }

  #onConnection(ws: WebSocket, req: IncomingMessage, release?: () => void): void {
    const conn: Conn = {
      ws,
      address: addressKey(req.socket.remoteAddress),
      session: null,
      chain: Promise.resolve(),
      alive: true,
      pingDue: Date.now() + PING_INTERVAL_MS,
      inFlight: 0,
      loginTimer: null,
      remote: this.#remoteOf(req),
      heldUntil: 0,
    };
    this.#conns.add(conn);
    this.#armLoginDeadline(conn);
    this.#log.debug({ remote: conn.remote }, 'socket open');
    ws.on('pong', () => {
      conn.alive = true;
    });
    const socketKey = randomUUID();
    const budget = this.#deps.limits.requests;
    // Frames read but not handled yet. Past READ_AHEAD the socket is not read until the backlog is
    // half gone, so a client that pipelines faster than it is served waits in its own TCP buffers.
    let backlog = 0;
    let waiting = false;
    const resume = () => {
      if (!waiting && backlog <= READ_AHEAD / 2 && ws.isPaused) ws.resume();
    };
    const stopReading = () => {
      waiting = true;
      ws.pause();
    };
    const startReading = () => {
      waiting = false;
      resume();
    };
    ws.on('message', (raw, isBinary) => {
      if (conn.inFlight >= this.#transport.requestsInFlight) return this.#tooMany(conn, raw, isBinary);
      conn.inFlight++;
      if (++backlog >= READ_AHEAD) ws.pause();
      // Decoded once, here, to price it (a long list costs more than a ping); handled with the same decoding.
      const frame = decodeFrame(raw as Buffer | Buffer[], isBinary);
      conn.chain = conn.chain
        .then(async () => {
          // The last request was refused under a limit: this socket waits out its hold, unread.
          const held = conn.heldUntil - performance.now();
          if (held > 0) {
            stopReading();
            await new Promise((r) => setTimeout(r, held));
            startReading();
          }
        })
        .then(() =>
          budget.spend(
            socketKey,
            conn.address,
            stopReading,
            startReading,
            // A socket that has not logged in spends from the guest budget, much smaller per address.
            { points: frame.points, signedIn: conn.session !== null, queued: backlog > 1 },
          ),
        )
        .then(() => this.#onFrame(conn, isBinary, frame))
        .catch((err) => {
          this.#log.error({ err, UID: conn.session?.UID, remote: conn.remote }, 'frame handling failed');
          // Whatever failed, the request still gets an answer (3), so no client waits for ever.
          this.#answerFailed(conn, raw, isBinary);
        })
        .finally(() => {
          conn.inFlight--;
          backlog--;
          resume();
        });
    });
    ws.on('error', (err) => this.#log.debug({ err: err.message }, 'socket error'));
    ws.on('close', () => {
      release?.();
      this.#clearLoginDeadline(conn);
      budget.forget(socketKey);
      this.#conns.delete(conn);
      const s = conn.session;
      conn.session = null;
      // Also after a 4008 close (send buffer full): the session waits out the grace period like any drop.
      if (s) this.#deps.sessions.socketLost(s, ws);
    });
  }

  #remoteOf(req: IncomingMessage): string {
    const forwarded = this.#deps.trustProxy ? req.headers['x-forwarded-for'] : undefined;
    const last = typeof forwarded === 'string' ? forwarded.split(',').at(-1)?.trim() : undefined;
    return last || req.socket.remoteAddress || '?';
  }

  /** The request id of a raw frame, or null (binary, not JSON, no numeric id). */
  #idOf(raw: RawData, isBinary: boolean): number | null {
    if (isBinary) return null;
    try {
      const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : raw.toString();
      const v = idField(JSON.parse(text));
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
    } catch {
      return null; // not JSON: answered without an id
    }
  }

  #answerFailed(conn: Conn, raw: RawData, isBinary: boolean): void {
    try {
      const frame: ResponseFrame = {
        t: 'rsp',
        id: this.#idOf(raw, isBinary),
        err: SdkErr.INNER_ERR,
        msg: 'internal error',
      };
      sendBounded(conn.ws, JSON.stringify(frame), this.#transport.sendBufferBytes);
    } catch (err) {
      this.#log.error({ err }, 'could not answer a failed frame');
    }
  }

  /** Over the in-flight cap: answered at once with 429, not queued (the queue is what must stay bounded). */
  #tooMany(conn: Conn, raw: RawData, isBinary: boolean): void {
    const id = this.#idOf(raw, isBinary);
    this.#sampled.event(`429\u0000${conn.remote}`, (leftOut) =>
      this.#log.warn(
        { UID: conn.session?.UID, remote: conn.remote, id, ...(leftOut > 0 ? { alsoRefused: leftOut } : {}) },
        'too many requests in flight',
      ),
    );
    // The frame is the same every time but for its id: its tail is serialised once.
    this.#tooManyTail ??= `,"err":${SdkErr.TOO_MANY_REQUESTS},"msg":${JSON.stringify(`more than ${this.#transport.requestsInFlight} requests in flight`)}}`;
    sendBounded(conn.ws, `{"t":"rsp","id":${id}${this.#tooManyTail}`, this.#transport.sendBufferBytes);
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

  #reply(conn: Conn, frame: ResponseFrame, key = ''): void {
    if (conn.session && frame.id !== null) conn.session.answer(frame, key);
    else sendBounded(conn.ws, JSON.stringify(frame), this.#transport.sendBufferBytes);
  }

  #bad(conn: Conn, id: number | null, err: number, msg: string): void {
    this.#sampled.event(`bad\u0000${conn.remote}`, (leftOut) =>
      this.#log.warn(
        { id, err, msg, UID: conn.session?.UID, remote: conn.remote, ...(leftOut > 0 ? { alsoBad: leftOut } : {}) },
        'bad request',
      ),
    );
    this.#reply(conn, { t: 'rsp', id, err, msg });
  }

  async #onFrame(conn: Conn, isBinary: boolean, decoded: DecodedFrame): Promise<void> {
    if (isBinary) return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, 'binary frames are not accepted');
    const { text, json } = decoded;
    if (text === null) return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, `frame over ${MAX_FRAME_BYTES} bytes`);
    if (json === undefined) return this.#bad(conn, null, SdkErr.MEETPARAM_ERR, 'frame is not JSON');
    const frame = RequestFrame.safeParse(json);
    if (!frame.success) {
      const v = idField(json);
      const id = typeof v === 'number' ? v : null;
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, 'not a request frame');
    }
    const { id, type } = frame.data;
    if (!isRequestType(type))
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, `unknown request type ${type.slice(0, 64)}`);
    return this.#onRequest(conn, id, type, frame.data.payload, text);
  }

  /** A request frame of a known type: its payload checked against its schema, then handled and answered. */
  async #onRequest<T extends RequestType>(conn: Conn, id: number, type: T, raw: unknown, text: string): Promise<void> {
    const payload = check(requestSchemas[type], raw ?? {});
    if (!payload.ok) {
      // zod's own checks can throw on hostile shapes (an object whose toString is null inside an array
      // where a string was expected): that is bad input too, answered 5 like any other.
      if (payload.thrown !== undefined) {
        this.#log.warn({ err: (payload.thrown as Error).message, type, id }, 'payload check threw');
        return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, `bad ${type}: unreadable payload`);
      }
      return this.#bad(conn, id, SdkErr.MEETPARAM_ERR, `bad ${type}: ${payload.why}`);
    }
    // A request is known by its exact text: the SDK re-sends the very same frame after a resume.
    const key = createHash('sha1').update(text).digest('base64');
    const seen = conn.session?.checkRequestId(id, key);
    if (seen?.kind === 'retry') return conn.session?.sendText(seen.text);
    if (seen?.kind === 'reused') {
      // Not the earlier answer (that belongs to another request) and not remembered in its place.
      this.#log.warn({ id, type, UID: conn.session?.UID }, 'request id reused for another request');
      return void sendBounded(
        conn.ws,
        JSON.stringify({
          t: 'rsp',
          id,
          err: SdkErr.MEETPARAM_ERR,
          msg: `request id ${id} was already used for another request`,
        }),
        this.#transport.sendBufferBytes,
      );
    }
    try {
      const s = conn.session;
      const cluster = this.#deps.cluster;
      // Cluster mode: a request about a room or call pinned to another node runs there.
      const node = s && cluster ? await cluster.routeOf(s, type, payload.data) : null;
      const data =
        node && s && cluster
          ? await cluster.relay(node, s, type, payload.data)
          : await this.#handlers[type](conn, payload.data);
      this.#reply(conn, { t: 'rsp', id, err: SdkErr.NOERR, data }, key);
      const leaving = conn.endAfterReply;
      if (leaving) {
        conn.endAfterReply = undefined;
        this.#deps.sessions.end(leaving, 'logout');
        conn.session = null;
        this.#armLoginDeadline(conn);
      }
    } catch (err) {
      if (err instanceof Refusal) conn.heldUntil = performance.now() + this.#deps.limits.settings.refusalHoldMs;
      if (err instanceof CRVideoError) return this.#reply(conn, { t: 'rsp', id, err: err.code, msg: err.message }, key);
      // A bug or a failing dependency: logged with its context; the client gets 3 without the internals.
      this.#log.error({ err, type, id, UID: conn.session?.UID, remote: conn.remote }, 'request failed');
      this.#reply(conn, { t: 'rsp', id, err: SdkErr.INNER_ERR, msg: 'internal error' }, key);
    }
  }

  /**
   * Runs a request another node relayed (cluster mode) for `s`, the proxy of its session: checked against
   * its schema like a client's, handled like one.
   */
  async execute<T extends RequestType>(s: Session, type: T, raw: unknown): Promise<ResponseData<T>> {
    const payload = check(requestSchemas[type], raw ?? {});
    if (!payload.ok) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `bad ${type}: ${payload.why}`);
    const conn: Conn = {
      // A relayed request has no socket here: the handlers of relayed types read only the session.
      ws: RELAYED_SOCKET,
      address: `node:${s.remoteNode ?? '?'}`,
      session: s,
      chain: Promise.resolve(),
      alive: true,
      pingDue: Number.POSITIVE_INFINITY,
      inFlight: 0,
      loginTimer: null,
      remote: `node:${s.remoteNode ?? '?'}`,
      heldUntil: 0,
    };
    return this.#handlers[type](conn, payload.data);
  }

  /** `login` / `loginByToken`: throttled per address and account, then the session is bound to this socket. */
  async #login(
    conn: Conn,
    appID: string,
    UID: string,
    open: () => Promise<LoginResult>,
  ): Promise<ResponseData<'login'>> {
    const { sessions } = this.#deps;
    if (conn.session) throw new CRVideoError(SdkErr.LOGINSTATE_ERROR, 'already logged in on this line');
    const attempt = await this.#deps.limits.login.begin({ address: conn.address, account: `${appID}\u0000${UID}` });
    let r: LoginResult;
    try {
      r = await open();
    } catch (err) {
      if (CREDENTIAL_ERRORS.has(CRVideoError.codeOf(err))) await attempt.failed();
      throw err;
    }
    await attempt.succeeded();
    if (conn.ws.readyState !== conn.ws.OPEN) {
      sessions.end(r.session, 'socket closed during login');
      throw new CRVideoError(SdkErr.SOCKETEXCEPTION);
    }
    r.session.attach(conn.ws, 0);
    conn.session = r.session;
    this.#clearLoginDeadline(conn);
    return r.data;
  }

  /** A `media.*` request in the member's room (outside a room: the room it is prepared in while a call rings). */
  #media<T extends MediaRequestType>(s: Session, type: T, payload: RequestPayload<T>): Promise<ResponseData<T>> {
    const media = this.#deps.media;
    if (!media) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this server has no media plane');
    const meetID = this.#deps.rooms.roomOf(s) ?? media.preparedRoomOf?.(s.id) ?? null;
    if (meetID === null) throw new CRVideoError(SdkErr.AUTHERROR, 'enter the room first');
    return media.handle(meetID, s.id, type, payload);
  }

  /** createTransport and restartIce answers carry fresh TURN credentials when the server has TURN relays. */
  #withTurn<D extends { iceServers?: IceServer[] | undefined }>(s: Session, data: D): D {
    const turn = this.#deps.turn;
    return turn ? { ...data, iceServers: [turnCredentials(turn, s.UID)] } : data;
  }

  /** A user proves who they are (password, customer code or refresh credential) and gets a short-lived token. */
  async #issueUserToken(conn: Conn, p: RequestPayload<'issueUserToken'>): Promise<ResponseData<'issueUserToken'>> {
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
    this.#http.off('upgrade', this.#onUpgrade);
    for (const conn of this.#conns) {
      this.#clearLoginDeadline(conn);
      conn.ws.terminate();
    }
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

/** Stands for the socket of a relayed request (cluster mode); handlers of relayed requests never use it. */
const RELAYED_SOCKET = new Proxy({} as WebSocket, {
  get() {
    throw new Error('a relayed request has no socket on this node');
  },
});

/** The `id` of a parsed frame, whatever its shape (undefined when it has none). */
function idField(json: unknown): unknown {
  return typeof json === 'object' && json !== null && 'id' in json ? json.id : undefined;
}

/** Refuses an upgrade with a plain HTTP status (the socket never becomes a WebSocket). */
function refuse(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}
