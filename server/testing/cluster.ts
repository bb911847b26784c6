// The cluster test harness: real redis-server, PostgreSQL, haproxy and server nodes (the real CLI as
// child processes), everything on 127.0.0.1 with free ports. Every start waits until the part answers;
// every stop is idempotent; whatever a failed test leaves running is killed when the process exits.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import type { WebSocketCtor } from '../../sdk/index.js';
import { tlsAwareWebSocket } from '../../sdk/nodeWebSocket.js';
import { type Balancer, NODE_HEADER, startBalancer } from './balancer.js';
import { TEST_APP } from './fixtures.js';
import { cleanUpAtExit, freePort, freeTcpUdpPort, killNow, stopChild } from './processes.js';
import { spawnServer } from './serverProcess.js';
import { startPostgres, type TestPostgres } from './testPostgres.js';
import { startRedis, type TestRedis } from './testRedis.js';

export { type Backend, type Balancer, haproxyConfig, NODE_HEADER, startBalancer } from './balancer.js';
export { freePort } from './processes.js';
export { postgresAnswers, startPostgres, type TestPostgres } from './testPostgres.js';
export { redisAnswers, startRedis, type TestRedis } from './testRedis.js';

export interface App {
  appID: string;
  appSecret: string;
}

export interface NodeOptions {
  nodeId: string;
  redisUrl: string;
  postgresUrl?: string;
  /** Run mediasoup (one worker on its own RTC port); default false (signaling only). */
  media?: boolean;
  /** false: `--no-rooms`, no room is pinned here. */
  hostsRooms?: boolean;
  /** More CLI flags, last (they win over the harness's). */
  args?: string[];
  apps: App[];
  /** `dist`: the built dist/server/cli.js (benchmarks); default `source` (server/cli.ts through tsx). */
  entry?: 'dist' | 'source';
  /** Listen port (default: a free one). */
  port?: number;
  /** Also gets everything the node prints (the cluster script shows it). */
  onOutput?: (text: string) => void;
}

export interface ClusterNode {
  nodeId: string;
  /** `http://127.0.0.1:PORT` of this node itself (not through the balancer). */
  url: string;
  port: number;
  /** The current process id (changes on restart). */
  pid: number;
  /** Sends `signal` (default SIGKILL) and waits for the exit; safe when it is already down. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on the same port with the same data dir (kills it first if it runs). */
  restart(): Promise<void>;
  /** What the node printed (its log lines at the level it runs; `--log-level` in `args`), the last 1 MiB. */
  logs(): string;
  /** Stops the node (SIGTERM) and removes its data dir; `startCluster`'s `stop()` calls it. Idempotent. */
  dispose(): Promise<void>;
}

const LOG_KEEP = 1 << 20;

export async function startNode(o: NodeOptions): Promise<ClusterNode> {
  const port = o.port || (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), `crvideo-node-${o.nodeId}-`));
  const rtcPort = o.media ? await freeTcpUdpPort() : 0;
  const args = [
    ...['--port', String(port), '--data', dataDir, '--redis', o.redisUrl, '--node-id', o.nodeId],
    ...o.apps.flatMap((a) => ['--app', `${a.appID}:${a.appSecret}`]),
    ...(o.postgresUrl ? ['--postgres', o.postgresUrl] : []),
    ...(o.media ? ['--workers', '1', '--rtc-port', String(rtcPort)] : ['--no-media']),
    ...(o.hostsRooms === false ? ['--no-rooms'] : []),
    // Behind the balancer every socket comes from 127.0.0.1: the per-address cap reads X-Forwarded-For.
    '--trust-proxy',
    ...['--limit', 'socketsPerAddress=100000'],
    // Every test and benchmark client comes from 127.0.0.1: the per-address request budgets (there to
    // stop one address flooding a node) would pace them all as one client.
    ...['--limit', 'requestsPerAddressPerSecond=1000000', '--limit', 'guestRequestsPerAddressPerSecond=1000000'],
    ...(o.args ?? []),
  ];
  let log = '';
  let child: ChildProcess | null = null;
  const unregister = cleanUpAtExit(() => {
    killNow(child);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const onOutput = (text: string) => {
    o.onOutput?.(text);
    log += text;
    if (log.length > LOG_KEEP * 2) log = log.slice(-LOG_KEEP);
  };
  const spawnIt = async () => {
    const proc = await spawnServer(args, o.entry ?? 'source', { onOutput });
    child = proc.child;
    log += proc.banner;
  };
  try {
    await spawnIt();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    unregister();
    throw err;
  }
  const node: ClusterNode = {
    nodeId: o.nodeId,
    url: `http://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child) await stopChild(child, signal);
    },
    async restart() {
      if (child) await stopChild(child, 'SIGKILL');
      log += `\n--- restart of ${o.nodeId} ---\n`;
      await spawnIt();
    },
    logs: () => log,
    async dispose() {
      await node.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
      unregister();
    },
  };
  return node;
}

export interface ClusterOptions {
  nodes: number;
  media?: boolean;
  /** Start PostgreSQL and give every node `--postgres`. */
  postgres?: boolean;
  /** Node IDs that host no rooms (`--no-rooms`). */
  noRooms?: string[];
  /** More flags for every node. */
  args?: string[];
  /** Balancer port (default: a free one). */
  port?: number;
  /** Port of the first node, the others on the next ones (default: free ones). */
  nodePort?: number;
  /** Redis and PostgreSQL ports (default: free ones). */
  redisPort?: number;
  pgPort?: number;
  /** Everything node `nodeId` prints. */
  onOutput?: (nodeId: string, text: string) => void;
  /** Balancer listen address (default 127.0.0.1). */
  bind?: string;
  entry?: 'dist' | 'source';
  app?: App;
}

export interface TestCluster {
  redis: TestRedis;
  pg: TestPostgres | undefined;
  /** Node IDs `n1`, `n2`, … in start order. */
  nodes: ClusterNode[];
  balancer: Balancer;
  app: App;
  /** Stops the balancer, the nodes, Redis and PostgreSQL and removes their temp dirs; safe to call twice. */
  stop(): Promise<void>;
}

/** Redis, PostgreSQL (with `postgres`), `nodes` nodes and haproxy in front of them. */
export async function startCluster(o: ClusterOptions): Promise<TestCluster> {
  const app = o.app ?? TEST_APP;
  const parts: { redis?: TestRedis; pg?: TestPostgres; nodes: ClusterNode[]; balancer?: Balancer } = { nodes: [] };
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await parts.balancer?.stop();
      await Promise.all(parts.nodes.map((n) => n.dispose()));
      await parts.redis?.stop();
      await parts.pg?.dispose();
    })();
    return stopping;
  };
  try {
    const [redis, pg] = await Promise.all([
      startRedis({ ...(o.redisPort ? { port: o.redisPort } : {}) }),
      o.postgres ? startPostgres({ ...(o.pgPort ? { port: o.pgPort } : {}) }) : Promise.resolve(undefined),
    ]);
    parts.redis = redis;
    parts.pg = pg;
    const started = await Promise.allSettled(
      Array.from({ length: o.nodes }, (_, i) => {
        const nodeId = `n${i + 1}`;
        return startNode({
          nodeId,
          redisUrl: redis.url,
          ...(pg ? { postgresUrl: pg.url } : {}),
          media: o.media ?? false,
          hostsRooms: !o.noRooms?.includes(nodeId),
          apps: [app],
          ...(o.args ? { args: o.args } : {}),
          ...(o.entry ? { entry: o.entry } : {}),
          ...(o.nodePort ? { port: o.nodePort + i } : {}),
          ...(o.onOutput ? { onOutput: (text: string) => o.onOutput?.(nodeId, text) } : {}),
        });
      }),
    );
    for (const s of started) if (s.status === 'fulfilled') parts.nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    parts.balancer = await startBalancer(
      parts.nodes.map((n) => ({ host: '127.0.0.1', port: n.port, name: n.nodeId })),
      { ...(o.port ? { port: o.port } : {}), ...(o.bind ? { bind: o.bind } : {}) },
    );
    return { redis, pg, nodes: parts.nodes, balancer: parts.balancer, app, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The Node SDK's WebSocket, telling `onNode` which node the balancer sent each connection to (haproxy's
 * `X-CRVideo-Node` on the 101 answer): `createCRVideo({ serverAddr, WebSocket: trackedWebSocket(...) })`.
 */
export function trackedWebSocket(onNode: (nodeId: string) => void): WebSocketCtor {
  const Base = tlsAwareWebSocket({}) as unknown as new (url: string) => WebSocket;
  class Tracked extends Base {
    constructor(url: string) {
      super(url);
      this.on('upgrade', (res) => {
        const node = res.headers[NODE_HEADER];
        if (typeof node === 'string') onNode(node);
      });
    }
  }
  return Tracked as unknown as WebSocketCtor;
}
