// The cluster harness itself: real redis-server, PostgreSQL, haproxy and three server processes.
// What the nodes do together (presence, calls, rooms across nodes) is tested in server/cluster/*.test.ts;
// here: every part answers, stops and comes back the way the failure tests need, and nothing is left over.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type CRVideoClient, createCRVideo, md5Hex } from '../../sdk/index.js';
import {
  NODE_HEADER,
  postgresAnswers,
  redisAnswers,
  startCluster,
  type TestCluster,
  trackedWebSocket,
} from './cluster.js';
import { next } from './fixtures.js';
import { waitUntil } from './processes.js';

/** True when something accepts a TCP connection on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function healthz(url: string): Promise<{ status: number; node: string | null }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
  await res.arrayBuffer();
  return { status: res.status, node: res.headers.get(NODE_HEADER) };
}

describe('cluster harness (redis-server, PostgreSQL, haproxy, 3 nodes)', { timeout: 240_000 }, () => {
  let cluster: TestCluster;
  const clients: CRVideoClient[] = [];
  /** Every node each client's sockets were sent to, in order. */
  const placements = new Map<CRVideoClient, string[]>();

  /** A Node SDK client logged in through the balancer; resolves with the node its socket landed on. */
  async function loginThroughBalancer(UID: string): Promise<{ c: CRVideoClient; node: string }> {
    const nodes: string[] = [];
    const c = createCRVideo({
      serverAddr: cluster.balancer.url,
      WebSocket: trackedWebSocket((n) => nodes.push(n)),
      log: () => undefined,
    });
    clients.push(c);
    placements.set(c, nodes);
    const ok = next(c, 'CRVideo_LoginSuccess', 10_000);
    const fail = next(c, 'CRVideo_LoginFail', 10_000).then(([code]) => {
      throw new Error(`login of ${UID} failed with ${code}`);
    });
    c.CRVideo_Login(cluster.app.appID, md5Hex(cluster.app.appSecret), UID, UID, '');
    await Promise.race([ok, fail]);
    fail.catch(() => undefined);
    return { c, node: nodes.at(-1) ?? '?' };
  }

  function logoutAll(): void {
    for (const c of clients.splice(0)) c.CRVideo_Logout();
  }

  before(async () => {
    cluster = await startCluster({ nodes: 3, postgres: true });
  });

  after(async () => {
    logoutAll();
    await cluster?.stop();
  });

  it('every node, the balancer, Redis and PostgreSQL answer', async () => {
    assert.deepEqual(
      cluster.nodes.map((n) => n.nodeId),
      ['n1', 'n2', 'n3'],
    );
    for (const n of cluster.nodes) {
      assert.equal((await healthz(n.url)).status, 200, `${n.nodeId} /healthz`);
      assert.ok(alive(n.pid), `${n.nodeId} runs`);
      assert.match(n.logs(), new RegExp(`node:\\s+${n.nodeId} \\(cluster mode\\)`), 'the banner names the node');
    }
    const viaBalancer = await healthz(cluster.balancer.url);
    assert.equal(viaBalancer.status, 200);
    assert.ok(['n1', 'n2', 'n3'].includes(viaBalancer.node ?? ''), `answered by ${viaBalancer.node}`);
    assert.equal(await redisAnswers(cluster.redis.url), true);
    assert.ok(cluster.pg);
    assert.equal(await postgresAnswers(cluster.pg.url), true);
  });

  it('least connections: 6 SDK clients logging in through the balancer land 2 on each node', async () => {
    const landed: string[] = [];
    for (let i = 0; i < 6; i++) landed.push((await loginThroughBalancer(`spread${i}`)).node);
    const perNode = Object.fromEntries(['n1', 'n2', 'n3'].map((n) => [n, landed.filter((x) => x === n).length]));
    assert.deepEqual(perNode, { n1: 2, n2: 2, n3: 2 }, `landed on ${landed.join(' ')}`);
  });

  it('kill -9 of a node: its clients reconnect to the others, new logins go elsewhere; restart brings it back', async () => {
    const n1 = cluster.nodes[0];
    assert.ok(n1);
    const oldPid = n1.pid;
    const onN1 = clients.filter((c) => placements.get(c)?.at(-1) === 'n1');
    assert.equal(onN1.length, 2);
    await n1.kill();
    assert.equal(alive(oldPid), false, 'the process is gone');
    assert.equal(await listening(n1.port), false, 'its port is closed');
    // The SDK reconnects on its own; haproxy sends the new sockets to a live node.
    await waitUntil(
      'the dead node’s clients reconnecting elsewhere',
      async () => onN1.every((c) => (placements.get(c)?.length ?? 0) >= 2),
      15_000,
    );
    for (const c of onN1) assert.notEqual(placements.get(c)?.at(-1), 'n1');
    const { node } = await loginThroughBalancer('after-kill');
    assert.notEqual(node, 'n1');

    await n1.restart();
    assert.notEqual(n1.pid, oldPid);
    assert.ok(alive(n1.pid));
    assert.equal((await healthz(n1.url)).status, 200, 'same port after restart');
    // haproxy's health check marks it up again within about a second; with the fewest sockets it gets the next.
    let landed = '';
    await waitUntil(
      'n1 taking connections again',
      async () => {
        const r = await healthz(cluster.balancer.url);
        landed = r.node ?? '';
        return landed === 'n1';
      },
      10_000,
    );
    assert.equal((await loginThroughBalancer('after-restart')).node, 'n1');
  });

  it('Redis stop and start: an outage and a restart on the same port; the nodes live through it', async () => {
    await cluster.redis.stop();
    await cluster.redis.stop(); // idempotent
    assert.equal(await redisAnswers(cluster.redis.url).catch(() => false), false, 'down while stopped');
    for (const n of cluster.nodes) assert.equal((await healthz(n.url)).status, 200, `${n.nodeId} survives`);
    await cluster.redis.start();
    assert.equal(await redisAnswers(cluster.redis.url), true, 'back on the same port');
    // Logins may fail while a node reconnects to Redis (a clear code, no crash); they work again soon after.
    await waitUntil(
      'a login after the Redis restart',
      () => loginThroughBalancer(`after-redis-${Date.now()}`).then(() => true),
      20_000,
    );
    for (const n of cluster.nodes) assert.ok(alive(n.pid), `${n.nodeId} still runs`);
  });

  it('PostgreSQL stop and start: queries fail during the outage, the data is there after it', async () => {
    const db = cluster.pg;
    assert.ok(db);
    const query = async (sql: string, params: unknown[] = []) => {
      const c = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 2000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return await c.query(sql, params);
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    await query('CREATE TABLE IF NOT EXISTS harness_probe (k text PRIMARY KEY, v int)');
    await query('INSERT INTO harness_probe VALUES ($1, $2)', ['before-outage', 1]);
    await db.stop();
    await db.stop(); // idempotent
    await assert.rejects(query('SELECT 1'), 'no PostgreSQL during the outage');
    for (const n of cluster.nodes) assert.equal((await healthz(n.url)).status, 200, `${n.nodeId} survives`);
    await db.start();
    const rows = await query('SELECT v FROM harness_probe WHERE k = $1', ['before-outage']);
    assert.deepEqual(rows.rows, [{ v: 1 }], 'same data after the restart');
    await query('DROP TABLE harness_probe');
  });

  it('stop() ends every process and frees every port, and is safe to call twice', async () => {
    logoutAll();
    const pids = cluster.nodes.map((n) => n.pid);
    const ports = [
      cluster.balancer.port,
      cluster.redis.port,
      cluster.pg?.port ?? 0,
      ...cluster.nodes.map((n) => n.port),
    ];
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    for (const pid of pids) assert.equal(alive(pid), false, `node pid ${pid} gone`);
    for (const port of ports) assert.equal(await listening(port), false, `port ${port} closed`);
  });
});
