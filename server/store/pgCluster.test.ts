// PostgreSQL in a real cluster (issue 14): three CLI nodes, redis-server, PostgreSQL, haproxy. Call records
// of cross-node calls land once and are listed on any node; a PostgreSQL outage does not stop calls and
// loses no record; nodes killed with records still queued send them when they are started again.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type CallRecord, SdkErr } from '../../protocol/index.js';
import type { CRVideoClient } from '../../sdk/index.js';
import { startCluster, type TestCluster } from '../testing/cluster.js';
import { callAndAccept, closeClients, login, next, sleep } from '../testing/fixtures.js';

const NODE_ARGS = ['--user-auth', 'none', '--log-level', 'warn'];

async function callRows(url: string, callIDs: string[]): Promise<{ call_id: string; outcome: string }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ call_id: string; outcome: string }>(
      'SELECT call_id, outcome FROM call_records WHERE call_id = ANY($1) ORDER BY ring_at',
      [callIDs],
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

/** Waits until PostgreSQL holds every one of `callIDs` finished; returns the rows. */
async function landed(url: string, callIDs: string[], ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const rows = await callRows(url, callIDs).catch(() => []);
    if (rows.length >= callIDs.length && rows.every((r) => r.outcome !== 'ringing' && r.outcome !== 'ongoing'))
      return rows;
    if (Date.now() > until) throw new Error(`records not in PostgreSQL after ${ms} ms: ${JSON.stringify(rows)}`);
    await sleep(50);
  }
}

async function records(c: CRVideoClient): Promise<CallRecord[]> {
  const r = next(c, 'CRVideo_GetCallRecordsRslt', 8000);
  c.CRVideo_GetCallRecords('rec');
  const [err, list] = await r;
  assert.equal(err, 0);
  return list;
}

async function callCycle(caller: CRVideoClient, callee: CRVideoClient, calleeUID: string): Promise<string> {
  const { callID } = await callAndAccept(caller, callee, calleeUID);
  const hung = next(callee, 'CRVideo_NotifyCallHungup', 8000);
  caller.CRVideo_HangupCall(callID, 'bye');
  await hung;
  return callID;
}

describe('PostgreSQL store in a real cluster', () => {
  let cluster: TestCluster;
  let pgUrl: string;
  before(async () => {
    cluster = await startCluster({ nodes: 3, postgres: true, args: NODE_ARGS });
    pgUrl = cluster.pg?.url ?? assert.fail('no PostgreSQL');
    await sleep(1000);
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(() => closeClients());

  test('a call between users of two nodes is one row in PostgreSQL and listed on a third node', async () => {
    const [n1, n2, n3] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0], TestCluster['nodes'][0]];
    const alice = await login(n1, 'pc-alice');
    const bob = await login(n2, 'pc-bob');
    await sleep(300);
    const callID = await callCycle(alice, bob, 'pc-bob');
    const rows = await landed(pgUrl, [callID]);
    assert.deepEqual(rows, [{ call_id: callID, outcome: 'answered' }]);

    closeClients();
    const aliceOnN3 = await login(n3, 'pc-alice');
    const list = (await records(aliceOnN3)).filter((r) => r.callID === callID);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.outcome, 'answered');
    assert.equal(list[0]?.calleeID, 'pc-bob');
  });

  test('entering made-up room IDs gets 800 and pins nothing in Redis (a probe costs no shared state)', async () => {
    const [n1] = cluster.nodes as [TestCluster['nodes'][0]];
    const prober = await login(n1, 'pc-prober');
    for (let i = 0; i < 20; i++) {
      const r = next(prober, 'CRVideo_EnterMeetingRslt');
      prober.CRVideo_EnterMeeting3(10_000_000 + i * 7919);
      assert.equal((await r)[0], SdkErr.MEETNOTEXIST);
    }
    const redis = new Redis(cluster.redis.url);
    try {
      const pinned = await redis.mget(...Array.from({ length: 20 }, (_, i) => `crv:r:${10_000_000 + i * 7919}`));
      assert.deepEqual(
        pinned.filter((v) => v !== null),
        [],
      );
    } finally {
      redis.disconnect();
    }
  });

  test('PostgreSQL down: cross-node calls go on; their records land once when it is back', async () => {
    const [n1, n2] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0]];
    const alice = await login(n1, 'po-alice');
    const bob = await login(n2, 'po-bob');
    await sleep(300);
    const pgServer = cluster.pg ?? assert.fail('no PostgreSQL');
    await pgServer.stop();
    let callIDs: string[] = [];
    try {
      callIDs = [await callCycle(alice, bob, 'po-bob'), await callCycle(bob, alice, 'po-alice')];
      // The users' own history still answers (from the node's own records, or empty, never an error).
      await records(alice);
    } finally {
      await pgServer.start();
    }
    const rows = await landed(pgUrl, callIDs);
    assert.deepEqual(rows.map((r) => r.call_id).sort(), [...callIDs].sort(), 'each call once');
  });

  test('nodes killed with records still queued send them once they run again', async () => {
    const [n1, n2] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0]];
    const alice = await login(n1, 'pk-alice');
    const bob = await login(n2, 'pk-bob');
    await sleep(300);
    const pgServer = cluster.pg ?? assert.fail('no PostgreSQL');
    await pgServer.stop();
    let callIDs: string[] = [];
    try {
      callIDs = [await callCycle(alice, bob, 'pk-bob'), await callCycle(bob, alice, 'pk-alice')];
      closeClients();
      // Whichever node wrote the records (the room's), it dies before PostgreSQL is back.
      await Promise.all([n1.kill('SIGKILL'), n2.kill('SIGKILL')]);
    } finally {
      await pgServer.start();
    }
    assert.deepEqual(await callRows(pgUrl, callIDs), [], 'nothing reached PostgreSQL before the kill');
    await Promise.all([n1.restart(), n2.restart()]);
    const rows = await landed(pgUrl, callIDs);
    assert.deepEqual(rows.map((r) => r.call_id).sort(), [...callIDs].sort(), 'each call once');
    assert.ok(rows.every((r) => r.outcome === 'answered'));
  });
});
