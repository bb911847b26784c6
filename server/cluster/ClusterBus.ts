import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CRVideoError, SdkErr } from '../../protocol/index.js';
import { contained } from '../contain.js';
import { EnhancedEventEmitter } from '../EnhancedEventEmitter.js';
import { BusMessage, NodeInfo, parseJsonWith, type RpcMethod } from './messages.js';

/** Redis keys and channels of the cluster (one prefix, so one Redis may serve other things too). */
export const keys = {
  nodes: 'crv:nodes',
  heartbeat: (node: string) => `crv:hb:${node}`,
  presence: (node: string) => `crv:p:${node}`,
  session: (token: string) => `crv:s:${token}`,
  /** Users of an app that ever signed in (UID → nickname), so every node tells 603 from 605. */
  users: (appID: string) => `crv:u:${appID}`,
  room: (meetID: number) => `crv:r:${meetID}`,
  nodeChannel: (node: string) => `crv:n:${node}`,
  all: 'crv:all',
};

export interface ClusterBusOptions {
  redisUrl: string;
  nodeId: string;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  /** What this node says of itself each heartbeat. */
  info: () => Omit<NodeInfo, 'at' | 'boot'>;
}

export type ClusterBusEvents = {
  /** A checked message from another node (or a broadcast). */
  message: [BusMessage];
  /** A node began to beat (at start: every live node). */
  nodeUp: [string];
  /** A node stopped beating (or said bye). */
  nodeDown: [string];
  /** The link to Redis is back after an outage: shared state must be written again. */
  reconnected: [];
};

type Rsp = Extract<BusMessage, { t: 'rsp' }>;

/**
 * The cluster's wire: one Redis connection for commands and publishing, one subscribed to this node's
 * channel and the broadcast channel; request/response between nodes; heartbeats with a TTL, from which
 * each node learns which others are alive.
 */
export class ClusterBus extends EnhancedEventEmitter<ClusterBusEvents> {
  readonly cmd: Redis;
  readonly #sub: Redis;
  readonly #o: ClusterBusOptions;
  readonly #log: Logger;
  readonly #pending = new Map<
    number,
    { node: string; resolve: (data: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  #nextId = 1;
  readonly #boot = randomUUID();
  /** Nodes seen alive, with what they last said. */
  readonly #alive = new Map<string, NodeInfo>();
  #beat: NodeJS.Timeout | null = null;
  /** Since when the command link has been up (0: down); liveness is judged only after a full timeout of it. */
  #upSince = 0;
  #wasDown = false;
  #closed = false;
  /** Refused or failed sends are logged once per 10 s with a count. */
  #dropped = 0;
  #droppedLoggedAt = 0;
  /** Redis round trips made by this node (benchmarks). */
  roundTrips = 0;

  constructor(o: ClusterBusOptions, log: Logger) {
    const busLog = log.child({ mod: 'ClusterBus' });
    super(busLog);
    this.#o = o;
    this.#log = busLog;
    const retryStrategy = (times: number) => Math.min(100 * times, 1000);
    this.cmd = new Redis(o.redisUrl, {
      lazyConnect: true,
      // While Redis is away a command fails at once (a clear code for the client) instead of waiting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Commands issued in one turn of the event loop (notifications, answers) go out in one round trip.
      enableAutoPipelining: true,
      retryStrategy,
      connectionName: `crvideo-${o.nodeId}`,
    });
    this.#sub = new Redis(o.redisUrl, { lazyConnect: true, retryStrategy, connectionName: `crvideo-${o.nodeId}-sub` });
    for (const [name, r] of [
      ['commands', this.cmd],
      ['subscriber', this.#sub],
    ] as const) {
      r.on('error', (err: Error) => this.#sampled(`redis ${name} link: ${err.message}`));
    }
    this.cmd.on('ready', () => {
      this.#upSince = Date.now();
      if (this.#wasDown && !this.#closed) {
        this.#wasDown = false;
        this.#log.warn('Redis is back: writing this node’s shared state again');
        this.#tick();
        this.safeEmit('reconnected');
      }
    });
    this.cmd.on('close', () => {
      if (this.#closed) return;
      if (this.#upSince !== 0) this.#log.error('Redis unreachable: cross-node calls and new logins wait for it');
      this.#upSince = 0;
      this.#wasDown = true;
    });
    this.#sub.on('message', (_channel: string, text: string) => this.#onText(text));
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** The link to Redis is up. */
  get up(): boolean {
    return this.cmd.status === 'ready';
  }

  async start(): Promise<void> {
    await this.cmd.connect();
    await this.#sub.connect();
    await this.#sub.subscribe(keys.nodeChannel(this.#o.nodeId), keys.all);
    this.#upSince = Date.now();
    await this.#beatOnce();
    this.#beat = setInterval(
      contained(this.#log, { timer: 'heartbeat' }, () => this.#tick()),
      this.#o.heartbeatMs,
    );
    this.#beat.unref();
  }

  /** Live nodes (this one included) and what they said last. */
  get nodes(): ReadonlyMap<string, NodeInfo> {
    return this.#alive;
  }

  isAlive(node: string): boolean {
    return node === this.#o.nodeId || this.#alive.has(node);
  }

  #tick(): void {
    this.#beatOnce().catch((err: Error) => this.#sampled(`heartbeat: ${err.message}`));
  }

  async #beatOnce(): Promise<void> {
    if (!this.up) return;
    const me = this.#o.nodeId;
    const info: NodeInfo = { ...this.#o.info(), boot: this.#boot, at: Date.now() };
    this.roundTrips += 2;
    const r = await this.cmd
      .multi()
      .set(keys.heartbeat(me), JSON.stringify(info), 'PX', this.#o.nodeTimeoutMs)
      .sadd(keys.nodes, me)
      .smembers(keys.nodes)
      .exec();
    const listed = r?.[2]?.[1];
    const members = Array.isArray(listed) ? listed.filter((m): m is string => typeof m === 'string') : [];
    const beats = members.length > 0 ? await this.cmd.mget(...members.map(keys.heartbeat)) : [];
    // Judge the others only after a whole timeout of a good link: after a Redis restart every node
    // needs one heartbeat to write its key again.
    const judge = this.#upSince !== 0 && Date.now() - this.#upSince >= this.#o.nodeTimeoutMs;
    const seen = new Set<string>();
    members.forEach((node, i) => {
      const text = beats[i];
      if (!text) return;
      const parsed = parseJsonWith(NodeInfo, text);
      if (!parsed) return;
      seen.add(node);
      const before = this.#alive.get(node);
      // Restarted under the same ID faster than its key expired: the old process (and its sessions) is gone.
      if (before && before.boot !== parsed.boot && node !== me) this.#lost(node, 'restarted');
      const isNew = !this.#alive.has(node);
      this.#alive.set(node, parsed);
      if (isNew && node !== me) {
        this.#log.info({ node }, 'node up');
        this.safeEmit('nodeUp', node);
      }
    });
    this.#alive.set(me, info);
    if (!judge) return;
    for (const node of [...this.#alive.keys()]) {
      if (node === me || seen.has(node)) continue;
      this.#lost(node, 'heartbeat expired');
    }
    const gone = members.filter((n) => !seen.has(n) && n !== me);
    if (gone.length > 0) await this.cmd.srem(keys.nodes, ...gone).catch(() => undefined);
  }

  #lost(node: string, why: string): void {
    if (!this.#alive.delete(node)) return;
    this.#log.warn({ node, why }, 'node down');
    for (const [id, p] of this.#pending) {
      // Requests waiting on that node fail now, not at their timeout.
      if (p.node === node) {
        clearTimeout(p.timer);
        this.#pending.delete(id);
        p.reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, `node ${node} went down`));
      }
    }
    this.safeEmit('nodeDown', node);
  }

  #onText(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.#sampled('a cluster message that is not JSON was dropped');
    }
    const m = BusMessage.safeParse(json);
    if (!m.success) return this.#sampled(`a malformed cluster message was dropped: ${m.error.issues[0]?.message}`);
    const msg = m.data;
    if (msg.t === 'rsp') return this.#onResponse(msg);
    if (msg.t === 'bye') {
      if (msg.node !== this.#o.nodeId) this.#lost(msg.node, 'said bye');
      return;
    }
    this.safeEmit('message', msg);
  }

  #onResponse(msg: Rsp): void {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.err === SdkErr.NOERR) p.resolve(msg.data);
    else p.reject(new CRVideoError(msg.err, msg.msg ?? 'refused by another node'));
  }

  /** Sends a message to one node (fire and forget: a lost link is logged, not thrown). */
  send(node: string, msg: BusMessage): void {
    this.#publish(keys.nodeChannel(node), msg);
  }

  broadcast(msg: BusMessage): void {
    this.#publish(keys.all, msg);
  }

  /** Adds a broadcast of `msg` to a pipeline (sent in the same round trip as its other commands). */
  broadcastIn(pipeline: ReturnType<Redis['pipeline']>, msg: BusMessage): void {
    pipeline.publish(keys.all, JSON.stringify(msg));
  }

  #publish(channel: string, msg: BusMessage): void {
    if (!this.up) return this.#sampled(`cluster message ${msg.t} not sent: Redis unreachable`);
    this.roundTrips++;
    this.cmd.publish(channel, JSON.stringify(msg)).catch((err: Error) => this.#sampled(`publish: ${err.message}`));
  }

  /** Runs `method` on `node` and resolves with its answer; fails with the other node's sdkErr, or 8 when it is unreachable. */
  request(node: string, method: RpcMethod, args: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.isAlive(node)) return Promise.reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, `node ${node} is down`));
    if (!this.up) return Promise.reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, 'Redis unreachable'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, `node ${node} did not answer ${method}`));
      }, timeoutMs);
      const entry = { resolve, reject, timer, node };
      this.#pending.set(id, entry);
      this.send(node, { t: 'req', id, from: this.#o.nodeId, method, args });
    });
  }

  /** Answers request `id` of node `to`. */
  reply(to: string, id: number, result: { data: unknown } | { err: number; msg: string }): void {
    this.send(
      to,
      'data' in result ? { t: 'rsp', id, err: SdkErr.NOERR, data: result.data } : { t: 'rsp', id, ...result },
    );
  }

  #sampled(line: string): void {
    this.#dropped++;
    const now = Date.now();
    if (now - this.#droppedLoggedAt < 10_000) return;
    this.#log.warn({ count: this.#dropped }, line);
    this.#dropped = 0;
    this.#droppedLoggedAt = now;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#beat) clearInterval(this.#beat);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, 'node closing'));
    }
    this.#pending.clear();
    if (this.up) {
      this.broadcast({ t: 'bye', node: this.#o.nodeId });
      await this.cmd
        .multi()
        .del(keys.heartbeat(this.#o.nodeId), keys.presence(this.#o.nodeId))
        .srem(keys.nodes, this.#o.nodeId)
        .exec()
        .catch(() => undefined);
    }
    this.cmd.disconnect();
    this.#sub.disconnect();
  }
}
