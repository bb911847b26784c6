import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import {
  CRVideoError,
  check,
  GRACE_MARGIN_MS,
  isNotificationName,
  isRequestType,
  type LiveCall,
  type NotificationName,
  notificationSchemas,
  type RequestPayload,
  type RequestType,
  type ResponseData,
  responseSchemas,
  SdkErr,
} from '../../protocol/index.js';
import type { Calls } from '../Calls.js';
import { contained } from '../contain.js';
import type { Contribution, Presence } from '../Presence.js';
import { DROP_REASON_MEDIA, type Rooms } from '../Rooms.js';
import { type RemoteRoute, Session, type SessionHandover, type SessionLimits } from '../Session.js';
import type { Sessions, SessionsCluster } from '../Sessions.js';
import type { Store } from '../Store.js';
import { ClusterBus, keys } from './ClusterBus.js';
import {
  type BusMessage,
  ContributionSchema,
  type Device,
  ExecArgs,
  HandoverArgs,
  HandoverReply,
  idsOf,
  LiveCallsArgs,
  LiveCallsReply,
  parseJsonWith,
  type SerializedRoutes,
  SessionRecord,
} from './messages.js';
import type { ClusterOptions } from './options.js';

/** How long a resume waits for the session's old node to hand it over before taking it for dead. */
const HANDOVER_TIMEOUT_MS = 1500;

/** Users per presence broadcast (a burst of logins goes out in several messages of this size). */
const PRESENCE_BATCH = 500;

/** Requests that run on another node when the room or call they are about lives there. */
const RELAYED: ReadonlySet<string> = new Set<RequestType>([
  'createMeeting',
  'destroyMeeting',
  'enterMeeting',
  'exitMeeting',
  'call',
  'acceptCall',
  'rejectCall',
  'hangupCall',
  'setNickName',
  'kickout',
  'media.getRouterRtpCapabilities',
  'media.createTransport',
  'media.connectTransport',
  'media.restartIce',
  'media.ready',
  'media.produce',
  'media.closeProducer',
  'media.pauseProducer',
  'media.resumeProducer',
  'media.resumeConsumer',
  'media.pauseConsumer',
  'media.setStatus',
  'media.getStats',
  'media.prepare',
  'media.setTileSize',
]);

/** Runs a request for a session (a proxy of a session of another node) the way a local socket's request runs. */
export type Executor = (s: Session, type: RequestType, payload: unknown) => Promise<unknown>;

/** What the cluster needs of the shared durable store (PostgreSQL), when there is one. */
export interface SharedReads {
  /** Copies a user the local store does not know (signed in on another node only) into it; false when unknown. */
  loadUser?(appID: string, UID: string): Promise<boolean>;
  /** Copies a room (and who may enter it) the local store does not hold into it; false when unknown. */
  loadRoom?(meetID: number): Promise<boolean>;
}

export interface ClusterDeps {
  presence: Presence;
  sessions: Sessions;
  calls: Calls;
  rooms: Rooms;
  store: Store;
  log: Logger;
  graceMs: number;
  sessionLimits?: SessionLimits;
  shared?: SharedReads;
}

/** A local session's calls and room that live on other nodes (so it hears of them when such a node dies). */
interface Routes {
  room: { meetID: number; node: string } | null;
  /** Node of the call a prepared (ring-time) media session lives on. */
  media: string | null;
  calls: Map<string, { node: string; role: 'caller' | 'callee'; state: 'ringing' | 'accepted' }>;
}

/**
 * Cluster mode (README "Running several nodes"), after LiveKit's distributed mode: every node takes any
 * client's socket; a room (with its calls and its mediasoup router) is pinned to one node, and the requests
 * about it are relayed there, where the member is stood for by a proxy Session whose notifications travel
 * back; presence is the sum of every node's share (published in Redis); sessions can resume on any node.
 */
export class Cluster implements SessionsCluster {
  readonly nodeId: string;
  readonly bus: ClusterBus;
  readonly #o: Required<ClusterOptions>;
  readonly #d: ClusterDeps;
  readonly #log: Logger;
  /** Sessions of other nodes that this node's rooms, calls or presence refer to, by session id. */
  readonly #proxies = new Map<string, Session>();
  /** Proxies of a dead node's sessions: ended unless they resume elsewhere in time. */
  readonly #orphans = new Map<string, NodeJS.Timeout>();
  /** Shares of users other nodes published (node → user key → share). */
  readonly #shares = new Map<string, Map<string, Contribution>>();
  /** This node's shares as last published (user key → JSON). */
  readonly #published = new Map<string, string>();
  readonly #dirty = new Set<string>();
  #flushing: NodeJS.Immediate | null = null;
  /** Which node each room is pinned to (a cache of Redis). */
  readonly #pins = new Map<number, string>();
  /** Calls and rooms on other nodes of the sessions of this node. */
  readonly #routes = new Map<string, Routes>();
  readonly #routesOf = new Map<string, RemoteRoute>();
  #executor: Executor | null = null;
  /** When each (node, user) share was last heard in a broadcast (a counter), so an older snapshot never undoes it. */
  readonly #heardAt = new Map<string, number>();
  #applySeq = 0;
  #loadsInFlight = 0;

  constructor(o: ClusterOptions, d: ClusterDeps) {
    this.#o = {
      redisUrl: o.redisUrl,
      nodeId: o.nodeId,
      hostsRooms: o.hostsRooms ?? true,
      heartbeatMs: o.heartbeatMs ?? 1000,
      nodeTimeoutMs: o.nodeTimeoutMs ?? 5000,
      relayTimeoutMs: o.relayTimeoutMs ?? 5000,
    };
    this.nodeId = o.nodeId;
    this.#d = d;
    this.#log = d.log.child({ mod: 'Cluster', node: o.nodeId });
    this.bus = new ClusterBus(
      {
        redisUrl: o.redisUrl,
        nodeId: o.nodeId,
        heartbeatMs: this.#o.heartbeatMs,
        nodeTimeoutMs: this.#o.nodeTimeoutMs,
        info: () => ({ hostsRooms: this.#o.hostsRooms, rooms: d.rooms.liveCount(), sessions: d.sessions.size }),
      },
      d.log,
    );
  }

  /** Connects to Redis, reads what the live nodes share, and starts publishing this node's state. */
  async start(executor: Executor): Promise<void> {
    this.#executor = executor;
    this.bus.on('message', (m) => this.#onMessage(m));
    this.bus.on('nodeUp', (node) => void this.#loadShares(node));
    this.bus.on('nodeDown', (node) => this.#nodeDown(node));
    this.bus.on('reconnected', () => void this.#republish());
    try {
      await this.bus.start();
    } catch (err) {
      await this.bus.close();
      throw new Error(`cluster: Redis at ${this.#o.redisUrl} unreachable: ${(err as Error).message}`, { cause: err });
    }
    this.#d.presence.onLocalChange((appID, UID) => this.#markDirty(appID, UID));
    this.#d.sessions.joinCluster(this);
    this.#log.info({ nodes: [...this.bus.nodes.keys()] }, 'joined the cluster');
  }

  // ------------------------------------------------------------------ sessions (SessionsCluster)

  assertUp(): void {
    if (!this.bus.up) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'the cluster store is unreachable; try again');
  }

  opened(s: Session, tokenExpMs: number | null): void {
    const rec: SessionRecord = {
      sid: s.id,
      appID: s.appID,
      UID: s.UID,
      nickname: s.nickname,
      node: this.nodeId,
      tokenExp: tokenExpMs,
    };
    this.#redis((r) =>
      r
        .multi()
        .set(keys.session(s.resumeToken), JSON.stringify(rec), 'PX', 24 * 3600_000)
        .hset(keys.users(s.appID), s.UID, s.nickname)
        .exec(),
    );
  }

  /**
   * Whether a user exists, also when they only ever signed in on another node: then they are copied into
   * this node's store (from PostgreSQL when there is one, else from Redis).
   */
  async knowUser(appID: string, UID: string): Promise<boolean> {
    const { store, shared, presence } = this.#d;
    // Online somewhere: known (no store read on the hot path of a call).
    if ((presence.peek(appID, UID)?.sessions.size ?? 0) > 0 || store.getUser(appID, UID)) return true;
    if (shared?.loadUser && (await shared.loadUser(appID, UID))) return true;
    if (!this.bus.up) return false;
    this.bus.roundTrips++;
    const nickname = await this.bus.cmd.hget(keys.users(appID), UID);
    if (nickname === null) return false;
    store.recordLogin(appID, UID, nickname);
    return true;
  }

  ended(s: Session, linkLost: boolean): void {
    this.#routes.delete(s.id);
    this.#redis((r) => r.del(keys.session(s.resumeToken)));
    this.bus.broadcast({ t: 'ended', sid: s.id, linkLost });
  }

  kick(s: Session, why: string, lineOff: number): void {
    const node = s.remoteNode;
    if (node) this.bus.send(node, { t: 'kick', sid: s.id, why, lineOff });
  }

  /** Fire-and-forget Redis writes; a failure is logged (the state is written again after a reconnect). */
  #redis(op: (r: ClusterBus['cmd']) => Promise<unknown>): void {
    if (!this.bus.up) return;
    this.bus.roundTrips++;
    op(this.bus.cmd).catch((err: Error) => this.#log.warn({ err: err.message }, 'cluster write failed'));
  }

  /**
   * A resume of a session this node does not hold: it lived on another node (the client's socket came back
   * through the balancer to this one). The session moves here; 12 when no node knows it.
   */
  async takeOver(token: string, lastSeq: number, ws: WebSocket): Promise<Session> {
    this.assertUp();
    this.bus.roundTrips++;
    const text = await this.bus.cmd.get(keys.session(token));
    const rec = text === null ? null : parseJsonWith(SessionRecord, text);
    if (!rec || rec.node === this.nodeId) throw new CRVideoError(SdkErr.NOT_LOGIN, 'session unknown');
    let handover: SessionHandover;
    let routes: Routes | null = null;
    try {
      const reply = HandoverReply.safeParse(
        await this.bus.request(rec.node, 'handover', { token, lastSeq }, HANDOVER_TIMEOUT_MS),
      );
      if (!reply.success) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'malformed handover');
      const data = reply.data;
      handover = data.handover;
      routes = data.routes ? deserializeRoutes(data.routes) : null;
    } catch (err) {
      if (CRVideoError.codeOf(err) === SdkErr.CONNECTIONLOST) throw err;
      // Its node died (or restarted) with what the session held there: it is over. Its calls and room on the other nodes
      // end now (their peers hear of it), and the client signs in again (12) and reconciles its calls.
      this.#log.warn({ from: rec.node, UID: rec.UID }, 'session of a dead node: ended, the client signs in again');
      this.#redis((r) => r.del(keys.session(token)));
      this.bus.broadcast({ t: 'ended', sid: rec.sid, linkLost: true });
      this.#endProxy(rec.sid, true);
      throw new CRVideoError(SdkErr.NOT_LOGIN, 'session lost with its node; sign in again');
    }
    const existing = this.#proxies.get(rec.sid);
    this.#proxies.delete(rec.sid);
    this.#clearOrphan(rec.sid);
    const s =
      existing && !existing.ended
        ? existing
        : new Session(rec.appID, rec.UID, rec.nickname, this.#d.log, this.#d.sessionLimits, {
            id: rec.sid,
            resumeToken: token,
          });
    s.becomeLocal(handover, lastSeq);
    if (routes) this.#routes.set(s.id, routes);
    this.#d.sessions.adopt(s, rec.tokenExp);
    this.bus.broadcast({ t: 'moved', sid: s.id, node: this.nodeId });
    if (!s.attach(ws, lastSeq)) {
      this.#d.sessions.end(s, 'resume gap too old', undefined, { linkLost: true });
      throw new CRVideoError(SdkErr.CONNECTIONLOST, 'too much was missed');
    }
    s.log.info({ from: rec.node, replayed: handover?.frames.length ?? 0 }, 'session resumed from another node');
    return s;
  }

  /** Another node asks for a session of this node that resumed there. */
  #handover(from: string, args: unknown): { handover: SessionHandover; routes: SerializedRoutes | null } {
    const parsed = HandoverArgs.safeParse(args);
    if (!parsed.success) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'bad handover');
    const a = parsed.data;
    const s = this.#d.sessions.byToken(a.token);
    if (!s || s.ended) {
      if (this.#d.sessions.endedRecently(a.token)) throw new CRVideoError(SdkErr.CONNECTIONLOST, 'session ended');
      // Never held by this process (it restarted under the same node ID): the session died with the old one.
      throw new CRVideoError(SdkErr.NOT_LOGIN, 'session unknown');
    }
    const ws = s.socket;
    const handover = s.becomeRemote(this.#route(from), a.lastSeq);
    ws?.terminate();
    this.#d.sessions.released(s);
    this.#proxies.set(s.id, s);
    const routes = this.#routes.get(s.id);
    this.#routes.delete(s.id);
    s.log.info({ to: from }, 'session moved to another node');
    return { handover, routes: routes ? serializeRoutes(routes) : null };
  }

  // ------------------------------------------------------------------ proxies

  #route(node: string): RemoteRoute {
    let r = this.#routesOf.get(node);
    if (!r) {
      r = {
        node,
        deliver: (s, name, data) => this.bus.send(node, { t: 'ntf', from: this.nodeId, sid: s.id, name, data }),
      };
      this.#routesOf.set(node, r);
    }
    return r;
  }

  /** The object standing here for a session of node `node` (one per session, so identity checks hold). */
  #proxyFor(dev: Device, node: string): Session {
    const local = this.#d.sessions.byId(dev.sid);
    if (local) return local;
    let p = this.#proxies.get(dev.sid);
    if (p && !p.ended) {
      if (p.remoteNode !== node) p.becomeRemote(this.#route(node), 0);
    } else {
      p = new Session(dev.appID, dev.UID, dev.nickname, this.#d.log, undefined, {
        id: dev.sid,
        resumeToken: '',
        remote: this.#route(node),
      });
      this.#proxies.set(dev.sid, p);
    }
    if (p.callWaiting !== dev.callWaiting) p.setCallWaiting(dev.callWaiting);
    return p;
  }

  /** A session of another node is over: what it held here ends (its calls, its room). */
  #endProxy(sid: string, linkLost: boolean): void {
    this.#clearOrphan(sid);
    const p = this.#proxies.get(sid);
    if (!p) return;
    this.#proxies.delete(sid);
    this.#d.calls.sessionEnded(p, linkLost);
    this.#d.rooms.exit(p);
    this.#d.presence.removeSession(p);
    p.close();
  }

  #clearOrphan(sid: string): void {
    const t = this.#orphans.get(sid);
    if (t) clearTimeout(t);
    this.#orphans.delete(sid);
  }

  // ------------------------------------------------------------------ presence shares

  #markDirty(appID: string, UID: string): void {
    this.#dirty.add(userKey(appID, UID));
    this.#flushing ??= setImmediate(contained(this.#log, { timer: 'presenceFlush' }, () => this.#flush()));
  }

  #flush(): void {
    this.#flushing = null;
    const users: { appID: string; UID: string; c: Contribution | null }[] = [];
    const set: string[] = [];
    const gone: string[] = [];
    for (const key of this.#dirty) {
      const [appID = '', UID = ''] = key.split('\u0000');
      const c = this.#d.presence.contribution(appID, UID);
      const json = c ? JSON.stringify(c) : '';
      if ((this.#published.get(key) ?? '') === json) continue;
      if (c) {
        this.#published.set(key, json);
        set.push(key, json);
      } else {
        this.#published.delete(key);
        gone.push(key);
      }
      users.push({ appID, UID, c });
    }
    this.#dirty.clear();
    // Written while Redis is away: re-published in full when it is back (#republish).
    if (users.length === 0 || !this.bus.up) return;
    // One round trip: the hash of this node's shares and the broadcast of what changed.
    const r = this.bus.cmd.pipeline();
    if (set.length > 0) r.hset(keys.presence(this.nodeId), ...set);
    if (gone.length > 0) r.hdel(keys.presence(this.nodeId), ...gone);
    for (let i = 0; i < users.length; i += PRESENCE_BATCH)
      this.bus.broadcastIn(r, { t: 'pres', node: this.nodeId, users: users.slice(i, i + PRESENCE_BATCH) });
    this.bus.roundTrips++;
    r.exec().catch((err: Error) => this.#log.warn({ err: err.message }, 'presence write failed'));
  }

  /** Applies node `node`'s share of a user: its devices become proxies here, its counters add to the status. */
  #applyShare(node: string, appID: string, UID: string, c: Contribution | null): void {
    const { presence } = this.#d;
    let mine = this.#shares.get(node);
    if (!mine) {
      mine = new Map();
      this.#shares.set(node, mine);
    }
    const key = userKey(appID, UID);
    const before = mine.get(key);
    const now = new Set(c?.devices.map((d) => d.sid) ?? []);
    for (const d of before?.devices ?? []) {
      if (now.has(d.sid)) continue;
      const p = this.#proxies.get(d.sid);
      if (p && p.remoteNode === node) presence.removeSession(p);
    }
    if (c) mine.set(key, c);
    else mine.delete(key);
    for (const d of c?.devices ?? []) {
      const p = this.#proxyFor(
        { sid: d.sid, appID, UID, nickname: c?.nickname ?? UID, callWaiting: d.callWaiting },
        node,
      );
      if (p.remoteNode === node) presence.addSession(p);
    }
    presence.setRemoteCounts(node, appID, UID, c);
    if (c && c.dndAt > 0) presence.setDND(appID, UID, c.DND, c.dndAt);
  }

  /** Reads every share node `node` holds in Redis (it came up, or re-wrote them after a Redis restart). */
  async #loadShares(node: string): Promise<void> {
    if (node === this.nodeId || !this.bus.up) return;
    try {
      this.bus.roundTrips++;
      // The snapshot and the broadcasts come on two connections: a share broadcast after this mark is newer
      // than the snapshot may be, and the snapshot must not undo it.
      const mark = this.#applySeq;
      const newer = (key: string) => (this.#heardAt.get(`${node}\u0001${key}`) ?? 0) > mark;
      this.#loadsInFlight++;
      let all: Record<string, string>;
      try {
        all = await this.bus.cmd.hgetall(keys.presence(node));
      } finally {
        this.#loadsInFlight--;
      }
      const seen = new Set<string>();
      for (const [key, json] of Object.entries(all)) {
        const c = parseJsonWith(ContributionSchema, json);
        const [appID, UID] = key.split('\u0000');
        if (!c || appID === undefined || UID === undefined) continue;
        seen.add(key);
        if (!newer(key)) this.#applyShare(node, appID, UID, c);
      }
      for (const key of [...(this.#shares.get(node)?.keys() ?? [])]) {
        if (seen.has(key) || newer(key)) continue;
        const [appID = '', UID = ''] = key.split('\u0000');
        this.#applyShare(node, appID, UID, null);
      }
      if (this.#loadsInFlight === 0) this.#heardAt.clear();
    } catch (err) {
      this.#log.warn({ node, err: (err as Error).message }, 'could not read a node’s presence');
    }
  }

  /** After a Redis outage: this node's shares, sessions and rooms are written again, and the others' read again. */
  async #republish(): Promise<void> {
    try {
      const r = this.bus.cmd.pipeline();
      r.del(keys.presence(this.nodeId));
      for (const [key, json] of this.#published) r.hset(keys.presence(this.nodeId), key, json);
      for (const [meetID, node] of this.#pins) if (node === this.nodeId) r.set(keys.room(meetID), node);
      this.bus.roundTrips++;
      await r.exec();
      for (const s of this.#d.sessions.all()) this.opened(s, s.tokenExpMs);
      this.bus.broadcast({ t: 'resync', node: this.nodeId });
      for (const node of this.bus.nodes.keys()) await this.#loadShares(node);
      this.#log.info({ users: this.#published.size }, 'shared state written again after the Redis outage');
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not re-publish after the Redis outage');
    }
  }

  // ------------------------------------------------------------------ messages

  #onMessage(m: BusMessage): void {
    switch (m.t) {
      case 'ntf':
        return this.#onNotification(m.from, m.sid, m.name, m.data);
      case 'req':
        return void this.#onRequest(m.from, m.id, m.method, m.args);
      case 'pres':
        if (m.node === this.nodeId) return;
        for (const u of m.users) {
          const key = userKey(u.appID, u.UID);
          // Remembered only while a snapshot is being read (it is all that can be older).
          if (this.#loadsInFlight > 0) this.#heardAt.set(`${m.node}\u0001${key}`, ++this.#applySeq);
          this.#applyShare(m.node, u.appID, u.UID, u.c);
        }
        return;
      case 'resync':
        if (m.node !== this.nodeId) void this.#loadShares(m.node);
        return;
      case 'kick': {
        const s = this.#d.sessions.byId(m.sid);
        if (s) this.#d.sessions.end(s, m.why, m.lineOff);
        return;
      }
      case 'ended':
        return this.#endProxy(m.sid, m.linkLost);
      case 'moved': {
        if (m.node === this.nodeId) return;
        this.#clearOrphan(m.sid);
        const p = this.#proxies.get(m.sid);
        if (p && p.remoteNode !== m.node) p.becomeRemote(this.#route(m.node), 0);
        return;
      }
      default:
        return;
    }
  }

  /** A notification from another node for a session of this one (or one that moved on: it forwards). */
  #onNotification(from: string, sid: string, name: string, data: unknown): void {
    const s = this.#d.sessions.byId(sid) ?? this.#proxies.get(sid);
    if (!s || s.ended) return;
    if (!isNotificationName(name))
      return this.#log.warn({ from, name: name.slice(0, 64) }, 'unknown notification from a node');
    this.#deliver(s, from, name, data);
  }

  /** Hands a notification on with its data checked against its schema (a malformed one is dropped and logged). */
  #deliver<N extends NotificationName>(s: Session, from: string, name: N, raw: unknown): void {
    const data = notificationSchemas[name].safeParse(raw);
    if (!data.success) return this.#log.warn({ from, name }, 'malformed notification from a node');
    if (s.remoteNode === null) this.#track(s, from, name, data.data);
    s.notify(name, data.data);
  }

  /** Follows the calls and room a local session has on other nodes, from what they tell it. */
  #track(s: Session, from: string, name: NotificationName, data: unknown): void {
    const d = idsOf(data);
    const r = this.#routesFor(s);
    switch (name) {
      case 'callIn':
        if (d.callID) r.calls.set(d.callID, { node: from, role: 'callee', state: 'ringing' });
        return;
      case 'callAccepted': {
        const c = d.callID ? r.calls.get(d.callID) : undefined;
        if (c) c.state = 'accepted';
        return;
      }
      case 'callHungup':
      case 'callRejected':
        if (d.callID) r.calls.delete(d.callID);
        return;
      case 'meetingDropped':
      case 'meetingStopped':
        if (r.room?.meetID === d.meetID) r.room = null;
        return;
      default:
        return;
    }
  }

  #routesFor(s: Session): Routes {
    let r = this.#routes.get(s.id);
    if (!r) {
      r = { room: null, media: null, calls: new Map() };
      this.#routes.set(s.id, r);
    }
    return r;
  }

  async #onRequest(from: string, id: number, method: string, args: unknown): Promise<void> {
    try {
      let data: unknown;
      if (method === 'handover') data = this.#handover(from, args);
      else if (method === 'liveCalls') data = this.#liveCalls(args);
      else data = await this.#exec(from, args);
      this.bus.reply(from, id, { data: data ?? {} });
    } catch (err) {
      const code = err instanceof CRVideoError ? err.code : SdkErr.INNER_ERR;
      if (code === SdkErr.INNER_ERR) this.#log.error({ err, from, method }, 'relayed request failed');
      this.bus.reply(from, id, { err: code, msg: err instanceof CRVideoError ? err.message : 'internal error' });
    }
  }

  /** A request relayed from another node: run it for the proxy of the asking session. */
  async #exec(from: string, args: unknown): Promise<unknown> {
    const a = ExecArgs.safeParse(args);
    const type = a.success ? a.data.type : '';
    if (!a.success || !isRequestType(type) || !RELAYED.has(type) || !this.#executor)
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'bad relayed request');
    const s = this.#proxyFor(a.data.dev, from);
    await this.#prefetch(a.data.payload);
    return this.#executor(s, type, a.data.payload);
  }

  /** Rooms and users the local store has not seen (made or signed in on other nodes) are read from PostgreSQL. */
  async #prefetch(payload: unknown): Promise<void> {
    const p = idsOf(payload);
    if (typeof p.meetID === 'number' && !this.#d.store.getRoom(p.meetID)) await this.#d.shared?.loadRoom?.(p.meetID);
  }

  #liveCalls(args: unknown): { calls: LiveCall[] } {
    const a = LiveCallsArgs.safeParse(args);
    if (!a.success) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'bad liveCalls');
    const p = this.#proxies.get(a.data.dev.sid);
    return { calls: p ? this.#d.calls.liveFor(p) : [] };
  }

  // ------------------------------------------------------------------ routing requests

  /** The node a request of local session `s` must run on, or null for this one. */
  async routeOf(s: Session, type: RequestType, payload: unknown): Promise<string | null> {
    if (!RELAYED.has(type)) return null;
    const p = idsOf(payload);
    const r = this.#routes.get(s.id);
    let node: string | null = null;
    switch (type) {
      case 'createMeeting':
        node = this.#placeRoom();
        break;
      case 'enterMeeting':
      case 'destroyMeeting':
      case 'call':
        node = typeof p.meetID === 'number' ? await this.#roomNode(p.meetID) : null;
        break;
      case 'acceptCall':
      case 'rejectCall':
      case 'hangupCall':
      case 'media.prepare':
        node = typeof p.callID === 'string' ? (r?.calls.get(p.callID)?.node ?? null) : null;
        break;
      default:
        // In a room (or preparing media for a ringing call): where that lives.
        node = this.#d.rooms.roomOf(s) !== null ? null : (r?.room?.node ?? r?.media ?? null);
    }
    return node === this.nodeId ? null : node;
  }

  /** Runs request `type` of local session `s` on `node`; its answer is checked like any response. */
  async relay<T extends RequestType>(
    node: string,
    s: Session,
    type: T,
    payload: RequestPayload<T>,
  ): Promise<ResponseData<T>> {
    const dev: Device = { sid: s.id, appID: s.appID, UID: s.UID, nickname: s.nickname, callWaiting: s.callWaiting };
    const data = await this.bus.request(node, 'exec', { dev, type, payload }, this.#o.relayTimeoutMs);
    const checked = check(responseSchemas[type], data ?? {});
    if (!checked.ok) {
      this.#log.warn({ node, type, why: checked.why }, 'malformed answer from a node');
      throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'malformed answer from another node');
    }
    this.#followed(s, node, type, payload);
    return checked.data;
  }

  /** Notes where the calls and room of local session `s` live after a request relayed to `node` succeeded. */
  #followed(s: Session, node: string, type: RequestType, payload: unknown): void {
    const p = idsOf(payload);
    const r = this.#routesFor(s);
    switch (type) {
      case 'enterMeeting':
        if (typeof p.meetID === 'number') r.room = { meetID: p.meetID, node };
        r.media = null;
        return;
      case 'exitMeeting':
        r.room = null;
        return;
      case 'call':
        if (p.callID) r.calls.set(p.callID, { node, role: 'caller', state: 'ringing' });
        return;
      case 'acceptCall': {
        const c = p.callID ? r.calls.get(p.callID) : undefined;
        if (c) c.state = 'accepted';
        return;
      }
      case 'rejectCall':
      case 'hangupCall':
        if (p.callID) r.calls.delete(p.callID);
        return;
      case 'media.prepare':
        r.media = node;
        return;
      default:
        return;
    }
  }

  /** Calls of local session `s` that live on other nodes (getLiveCalls after a re-login). */
  async remoteLiveCalls(s: Session): Promise<LiveCall[]> {
    const nodes = new Set([...(this.#routes.get(s.id)?.calls.values() ?? [])].map((c) => c.node));
    const dev: Device = { sid: s.id, appID: s.appID, UID: s.UID, nickname: s.nickname, callWaiting: s.callWaiting };
    const out: LiveCall[] = [];
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      const reply = LiveCallsReply.safeParse(
        await this.bus.request(node, 'liveCalls', { dev }, this.#o.relayTimeoutMs).catch(() => null),
      );
      if (reply.success) out.push(...reply.data.calls);
    }
    return out;
  }

  /** The node a new room goes to: the live room-hosting node with the fewest live rooms (this one on a tie). */
  #placeRoom(): string {
    let best: string | null = this.#o.hostsRooms ? this.nodeId : null;
    let bestRooms = this.#o.hostsRooms ? this.#d.rooms.liveCount() : Number.POSITIVE_INFINITY;
    for (const [node, info] of this.bus.nodes) {
      if (node === this.nodeId || !info.hostsRooms) continue;
      if (info.rooms < bestRooms) {
        best = node;
        bestRooms = info.rooms;
      }
    }
    if (!best) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'no node of the cluster hosts rooms now');
    return best;
  }

  /** The node room `meetID` is pinned to; a room whose node died (or that no node holds) is pinned anew. */
  async #roomNode(meetID: number): Promise<string | null> {
    const cached = this.#pins.get(meetID);
    if (cached && this.bus.isAlive(cached)) return cached;
    this.assertUp();
    this.bus.roundTrips++;
    let node = await this.bus.cmd.get(keys.room(meetID));
    if (node === null && this.#d.store.getRoom(meetID)) node = this.nodeId;
    // Pinned nowhere and unknown here: only a room PostgreSQL holds is pinned (a probe of made-up IDs
    // pins nothing; it runs here and gets 800).
    if (node === null && !(await this.#d.shared?.loadRoom?.(meetID))) return null;
    if (node === null || !this.bus.isAlive(node)) {
      const place = this.#placeRoom();
      this.bus.roundTrips++;
      const won =
        node === null
          ? await this.bus.cmd.set(keys.room(meetID), place, 'NX', 'GET')
          : await this.bus.cmd.set(keys.room(meetID), place, 'GET');
      node = won === null || won === node ? place : won;
      this.#log.info({ meetID, node }, 'room pinned anew');
    }
    this.#pins.set(meetID, node);
    return node;
  }

  /** A free room ID, claimed for this node in Redis (IDs are unique across the cluster). */
  async claimRoomId(): Promise<number> {
    this.assertUp();
    for (;;) {
      const ID = randomInt(10_000_000, 100_000_000);
      if (this.#d.store.roomExists(ID)) continue;
      this.bus.roundTrips++;
      if ((await this.bus.cmd.set(keys.room(ID), this.nodeId, 'NX')) === 'OK') {
        this.#pins.set(ID, this.nodeId);
        return ID;
      }
    }
  }

  /** A room of this node was destroyed: its pin goes. */
  roomDestroyed(meetID: number): void {
    this.#pins.delete(meetID);
    this.#redis((r) => r.del(keys.room(meetID)));
  }

  // ------------------------------------------------------------------ failures

  /**
   * Node `node` died: its users' presence expires; the calls and rooms that lived there end for this
   * node's sessions; its sessions' proxies here wait a grace period for a resume elsewhere, then end.
   */
  #nodeDown(node: string): void {
    for (const key of [...(this.#shares.get(node)?.keys() ?? [])]) {
      const [appID = '', UID = ''] = key.split('\u0000');
      this.#applyShare(node, appID, UID, null);
    }
    this.#shares.delete(node);
    this.#d.presence.dropNode(node);
    this.#redis((r) => r.del(keys.presence(node)));
    for (const [meetID, n] of this.#pins) if (n === node) this.#pins.delete(meetID);
    for (const [sid, p] of this.#proxies) {
      if (p.remoteNode !== node || this.#orphans.has(sid)) continue;
      const t = setTimeout(
        contained(this.#log, { timer: 'orphan' }, () => this.#endProxy(sid, true)),
        this.#d.graceMs + GRACE_MARGIN_MS,
      );
      t.unref();
      this.#orphans.set(sid, t);
    }
    for (const [sid, r] of this.#routes) {
      const s = this.#d.sessions.byId(sid);
      if (!s) continue;
      if (r.room?.node === node) {
        s.notify('meetingDropped', { meetID: r.room.meetID, reason: DROP_REASON_MEDIA });
        r.room = null;
      }
      if (r.media === node) r.media = null;
      for (const [callID, c] of r.calls) {
        if (c.node !== node) continue;
        r.calls.delete(callID);
        s.notify('callHungup', { callID, usrExtDat: '', sdkErr: SdkErr.CONNECTIONLOST });
      }
    }
  }

  /** Leaves the cluster: the others treat this node as gone at once. */
  async close(): Promise<void> {
    for (const t of this.#orphans.values()) clearTimeout(t);
    this.#orphans.clear();
    if (this.#flushing) clearImmediate(this.#flushing);
    this.#d.presence.onLocalChange(null);
    await this.bus.close();
  }
}

function userKey(appID: string, UID: string): string {
  return `${appID}\u0000${UID}`;
}

function serializeRoutes(r: Routes): SerializedRoutes {
  return { room: r.room, media: r.media, calls: [...r.calls] };
}

function deserializeRoutes(r: SerializedRoutes): Routes {
  return { room: r.room, media: r.media, calls: new Map(r.calls) };
}
