// The PostgreSQL durable store of cluster mode against a real PostgreSQL 15 (its own user, temp data dir):
// records written once and read from another node, an outage with calls going on, a node killed with rows
// still queued, and rows PostgreSQL refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { type CallRecord, SdkErr } from '../../protocol/index.js';
import type { CRVideoClient } from '../../sdk/index.js';
import { type RunningServer, startServer } from '../index.js';
import { Store } from '../Store.js';
import { callAndAccept, closeClients, login, newClient, next, TEST_APP } from '../testing/fixtures.js';
import { type ServerProcess, spawnServer } from '../testing/serverProcess.js';
import { openSharedStore, PgStore } from './index.js';
import { freePort, startTestPostgres, type TestPostgres } from './testPg.js';

function captureLog(): { logger: Logger; lines: string[]; count(msg: string): number } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return { logger, lines, count: (msg) => lines.filter((l) => l.includes(msg)).length };
}

/** A call record as the store first writes it (ringing). */
const RINGING = {
  appID: 'app',
  callID: 'c1',
  callerID: 'a',
  calleeID: 'b',
  meetID: 1,
  usrExtDat: '',
  ringAt: 1,
  answerAt: null,
  endAt: null,
  outcome: 'ringing' as const,
  sdkErr: 0,
};

async function query<R extends pg.QueryResultRow>(url: string, sql: string, args: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function records(c: CRVideoClient): Promise<CallRecord[]> {
  const r = next(c, 'CRVideo_GetCallRecordsRslt');
  c.CRVideo_GetCallRecords('rec');
  const [err, list] = await r;
  assert.equal(err, 0);
  return list;
}

/** A full call: ring, accept, hang up by the caller; resolves once the callee heard the hang-up. */
async function callCycle(caller: CRVideoClient, callee: CRVideoClient, calleeUID: string) {
  const call = await callAndAccept(caller, callee, calleeUID);
  const hung = next(callee, 'CRVideo_NotifyCallHungup');
  caller.CRVideo_HangupCall(call.callID, 'bye');
  await hung;
  return call;
}

describe('PostgreSQL store (cluster mode)', () => {
  let pgc: TestPostgres;
  const servers: RunningServer[] = [];
  const dirs: string[] = [];

  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'crvideo-pgtest-'));
    dirs.push(d);
    return d;
  };

  async function startNode(postgresUrl: string, opts: { dataDir?: string; logger?: Logger } = {}) {
    const s = await startServer({
      port: 0,
      host: '127.0.0.1',
      apps: [TEST_APP],
      userAuth: 'none',
      media: false,
      dataDir: opts.dataDir ?? tempDir(),
      store: { postgresUrl },
      logger: opts.logger ?? pino({ level: 'silent' }),
    });
    servers.push(s);
    return s;
  }

  before(async () => {
    pgc = await startTestPostgres();
  });

  afterEach(async () => {
    closeClients();
    for (const s of servers.splice(0)) await s.close();
  });

  after(async () => {
    await pgc?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a call finished on node A is in PostgreSQL once and node B lists it', async () => {
    const url = await pgc.createDatabase();
    const a = await startNode(url);
    const b = await startNode(url);
    const alice = await login(a, 'alice');
    const bob = await login(a, 'bob');
    const call = await callCycle(alice, bob, 'bob');
    // On its own node the call is listed at once, before PostgreSQL has it (write-behind).
    assert.equal((await records(alice)).filter((r) => r.callID === call.callID).length, 1);
    await a.sharedStore?.replicator.flushed();

    const rows = await query<{ outcome: string; caller_id: string; answer_at: string | null }>(
      url,
      'SELECT outcome, caller_id, answer_at FROM call_records WHERE call_id = $1',
      [call.callID],
    );
    assert.equal(rows.length, 1, 'the finished call is one row');
    assert.equal(rows[0]?.outcome, 'answered');
    assert.equal(rows[0]?.caller_id, 'alice');
    assert.notEqual(rows[0]?.answer_at, null);

    // Alice signs in on node B, which never saw the call: her history comes from PostgreSQL.
    closeClients();
    const aliceOnB = await login(b, 'alice');
    const list = await records(aliceOnB);
    const mine = list.filter((r) => r.callID === call.callID);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.outcome, 'answered');
    assert.equal(mine[0]?.calleeID, 'bob');
    assert.equal(typeof mine[0]?.ringAt, 'number');

    // The room and who may enter it, and the users, are shared too.
    const room = await b.sharedStore?.pg.getRoom(call.meet.ID);
    assert.equal(room?.row.creator, 'alice');
    assert.deepEqual(room?.grants, ['alice', 'bob']);
    assert.equal((await b.sharedStore?.pg.getUser(TEST_APP.appID, 'bob'))?.nickname, 'bob nick');
    assert.equal(await b.sharedStore?.pg.getUser(TEST_APP.appID, 'nobody'), undefined);
    assert.deepEqual(
      { queued: a.sharedStore?.replicator.stats().queued, connected: b.sharedStore?.replicator.stats().connected },
      { queued: 0, connected: true },
    );
  });

  test('PostgreSQL down: calls go on, rows queue (logged once), and land once when it is back', async () => {
    const url = await pgc.createDatabase();
    const log = captureLog();
    const a = await startNode(url, { logger: log.logger });
    const alice = await login(a, 'alice');
    const bob = await login(a, 'bob');
    await a.sharedStore?.replicator.flushed();
    const stats = () => a.sharedStore?.replicator.stats() ?? assert.fail('no shared store');

    let callIDs: string[] = [];
    await pgc.stop();
    try {
      const first = await callCycle(alice, bob, 'bob');
      await waitFor('the replicator to notice', () => !stats().connected);
      const queuedAfterOne = stats().queued;
      assert.ok(queuedAfterOne > 0, 'the finished call waits in the outbox');
      const more = [await callCycle(bob, alice, 'alice'), await callCycle(alice, bob, 'bob')];
      assert.ok(stats().queued > queuedAfterOne, `queue grows: ${queuedAfterOne} → ${stats().queued}`);
      assert.ok(stats().failedBatches > 0);
      assert.equal(log.count('PostgreSQL unreachable: rows queue'), 1, 'one line per outage');

      // The user still sees the history of this node, and the server says why it is partial.
      const list = await records(alice);
      for (const c of [first, ...more]) assert.ok(list.some((r) => r.callID === c.callID));
      assert.equal(log.count('call records from this node only'), 1);
      callIDs = [first, ...more].map((c) => c.callID);
    } finally {
      await pgc.start();
    }

    await a.sharedStore?.replicator.flushed(30_000);
    const rows = await query<{ call_id: string; n: string }>(
      url,
      'SELECT call_id, count(*) AS n FROM call_records WHERE call_id = ANY($1) GROUP BY call_id',
      [callIDs],
    );
    assert.deepEqual(rows.map((r) => [r.call_id, Number(r.n)]).sort(), callIDs.map((id) => [id, 1]).sort());
    assert.equal(stats().connected, true);
    await waitFor('the caught-up line', () => log.count('PostgreSQL caught up') === 1);
    const caughtUp = JSON.parse(log.lines.find((l) => l.includes('PostgreSQL caught up')) ?? '{}') as {
      written?: number;
    };
    assert.ok((caughtUp.written ?? 0) >= 3, `caught-up line counts the rows: ${caughtUp.written}`);
  });

  test('a node killed with rows still queued sends them after its restart: none lost, none twice', async () => {
    const url = await pgc.createDatabase();
    const dataDir = tempDir();
    await pgc.stop();
    let child: ServerProcess['child'] | null = null;
    let callIDs: string[];
    let liveCallID: string;
    try {
      // The CLI, as `npm run server -- --postgres URL` runs it, started while PostgreSQL is down.
      const app = `${TEST_APP.appID}:${TEST_APP.appSecret}`;
      const proc = await spawnServer(['--data', dataDir, '--app', app, '--postgres', url, '--no-media']);
      child = proc.child;
      const node = { url: proc.url };
      const alice = await login(node, 'alice');
      const bob = await login(node, 'bob');
      callIDs = [(await callCycle(alice, bob, 'bob')).callID, (await callCycle(bob, alice, 'alice')).callID];
      // One call still going when the node dies: the restart closes its record, which is sent too.
      liveCallID = (await callAndAccept(alice, bob, 'bob')).callID;
      const db = new Database(join(dataDir, 'crvideo.sqlite'), { readonly: true });
      const queued = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
      db.close();
      assert.ok(queued >= 3, `rows queued before the kill: ${queued}`);
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      child = null;
      closeClients();
    } finally {
      if (child) child.kill('SIGKILL');
      await pgc.start();
    }

    const log = captureLog();
    const again = await startNode(url, { dataDir, logger: log.logger });
    await again.sharedStore?.replicator.flushed(30_000);
    assert.equal(log.count('sending rows a previous run left in the outbox'), 1);
    const rows = await query<{ call_id: string; outcome: string }>(
      url,
      'SELECT call_id, outcome FROM call_records ORDER BY ring_at',
    );
    assert.deepEqual(
      rows.map((r) => r.call_id),
      [...callIDs, liveCallID],
      'every call exactly once',
    );
    assert.deepEqual(
      rows.map((r) => r.outcome),
      ['answered', 'answered', 'answered'],
    );
    const users = await query<{ uid: string }>(url, 'SELECT uid FROM users ORDER BY uid');
    assert.deepEqual(
      users.map((u) => u.uid),
      ['alice', 'bob'],
    );
  });

  test('rows PostgreSQL refuses are parked and logged; the rest of the batch and later rows go on', async () => {
    const url = await pgc.createDatabase();
    const dir = tempDir();
    const store = Store.open(dir, { outbox: true });
    const log = captureLog();
    const shared = await openSharedStore(url, store, log.logger);
    try {
      let t = 1_700_000_000_000;
      const row = (callID: string, extra: Partial<CallRecord> = {}) => {
        t += 1000;
        return {
          appID: 'app',
          callID,
          callerID: 'alice',
          calleeID: 'bob',
          meetID: 7,
          usrExtDat: '',
          ringAt: t,
          answerAt: null,
          endAt: t + 500,
          outcome: 'rejected' as const,
          sdkErr: 606,
          ...extra,
        };
      };
      // One batch: good, out of range for PostgreSQL's bigint, NUL in the app's data, good; plus garbage
      // written straight into the outbox.
      store.insertCall(row('good-1'));
      store.insertCall(row('too-late', { ringAt: 1e20 }));
      store.insertCall(row('nul', { usrExtDat: 'a\u0000b' }));
      store.insertCall(row('good-2'));
      const raw = new Database(join(dir, 'crvideo.sqlite'));
      raw.prepare(`INSERT INTO outbox (kind, key, body, at) VALUES ('call', NULL, '{not json', 0)`).run();
      raw.close();
      store.insertCall(row('good-3'));

      await waitFor('the outbox to empty', () => shared.replicator.stats().queued === 0);
      const s = shared.replicator.stats();
      assert.equal(s.parked, 2);
      assert.equal(s.connected, true);
      const ids = await query<{ call_id: string; usr_ext_dat: string }>(
        url,
        'SELECT call_id, usr_ext_dat FROM call_records ORDER BY call_id',
      );
      assert.deepEqual(
        ids.map((r) => r.call_id),
        ['good-1', 'good-2', 'good-3', 'nul'],
      );
      assert.equal(ids.find((r) => r.call_id === 'nul')?.usr_ext_dat, 'a\uFFFDb');
      assert.equal(log.count('PostgreSQL refused an outbox row: parked'), 2);

      // Later writes still flow, and a user's page from PostgreSQL has the local shape and order.
      store.updateCall('app', 'good-1', { outcome: 'answered', answerAt: 1_700_000_001_200 });
      await shared.replicator.flushed();
      const fromPg = await shared.pg.callRecordsFor('app', 'alice', { limit: 10, offset: 0 });
      const fromSqlite = store
        .callRecordsFor('app', 'alice', { limit: 10, offset: 0 })
        .filter((r) => r.callID !== 'too-late')
        .map((r) => ({ ...r, usrExtDat: r.usrExtDat.replace('\u0000', '\uFFFD') }));
      assert.equal(fromPg.length, 4);
      assert.deepEqual(fromPg, fromSqlite);
    } finally {
      await shared.close();
      await store.close();
    }
  });

  test('rooms: made, granted and deleted in PostgreSQL; a room of another node under the same ID is left alone', async () => {
    const url = await pgc.createDatabase();
    const store = Store.open(tempDir(), { outbox: true });
    const log = captureLog();
    const shared = await openSharedStore(url, store, log.logger);
    const meet = (ID: number, creator: string, startTime: number) => ({
      ID,
      pswd: '',
      subject: `room ${ID}`,
      pubMeetUrl: '',
      creator,
      memberCount: 0,
      startTime,
    });
    try {
      // Another node drew ID 99 first.
      await query(
        url,
        `INSERT INTO rooms VALUES (99, 'app', 'theirs', '', 'mallory', 1); INSERT INTO room_access VALUES (99, 'mallory')`,
      );
      store.insertRoom('app', meet(99, 'alice', 2));
      store.grantRoom(99, 'bob');
      store.insertRoom('app', meet(100, 'alice', 3));
      store.grantRoom(100, 'bob');
      store.grantRoom(100, 'bob'); // already allowed: nothing new to send
      await waitFor('the outbox to empty', () => shared.replicator.stats().queued === 0);

      assert.deepEqual(await shared.pg.getRoom(99), {
        row: { appID: 'app', ID: 99, subject: 'theirs', pswd: '', creator: 'mallory', startTime: 1 },
        grants: ['mallory'],
      });
      assert.equal(shared.replicator.stats().parked, 3, 'the clashing room and its two grants');
      assert.equal(log.count('belongs to another room'), 1);
      assert.deepEqual((await shared.pg.getRoom(100))?.grants, ['alice', 'bob']);

      store.deleteRoom(100);
      store.deleteRoom(99); // ours was never in PostgreSQL: theirs stays
      await shared.replicator.flushed();
      assert.equal(await shared.pg.getRoom(100), undefined);
      assert.deepEqual(await query(url, 'SELECT uid FROM room_access WHERE meet_id = 100'), []);
      assert.equal((await shared.pg.getRoom(99))?.row.creator, 'mallory');
    } finally {
      await shared.close();
      await store.close();
    }
  });

  test("a user token issued on one node signs the user in on another: the signing key is the cluster's", async () => {
    const url = await pgc.createDatabase();
    const startAccountsNode = async (postgresUrl: string) => {
      const s = await startServer({
        port: 0,
        host: '127.0.0.1',
        apps: [TEST_APP],
        media: false,
        dataDir: tempDir(),
        store: { postgresUrl },
        logger: pino({ level: 'silent' }),
      });
      servers.push(s);
      // Accounts are shared through PostgreSQL (PgAccounts); adding on each node is an upsert.
      await s.accounts.add({ appID: TEST_APP.appID, UID: 'alice', password: 'alice-password-1' });
      return s;
    };
    const [a, b, elsewhere] = await Promise.all([
      startAccountsNode(url),
      startAccountsNode(url),
      startAccountsNode(await pgc.createDatabase()),
    ]);
    const c = newClient(a);
    const got = next(c, 'CRVideo_GetUserTokenRslt');
    c.CRVideo_GetUserToken('alice', 'alice-password-1', null, 'tok');
    const [err, result] = await got;
    assert.equal(err, 0);
    const token = result?.token ?? assert.fail('no token');
    const loginByToken = async (server: RunningServer): Promise<number> => {
      const d = newClient(server);
      const ok = next(d, 'CRVideo_LoginSuccess').then(() => 0);
      const fail = next(d, 'CRVideo_LoginFail').then(([code]) => code);
      d.CRVideo_LoginByToken(token, 'alice', 'alice', '');
      return Promise.race([ok, fail]);
    };
    assert.equal(await loginByToken(b), 0, "node B takes node A's token");
    assert.equal(await loginByToken(elsewhere), SdkErr.TOKEN_AUTH_FAILED, 'another cluster does not');
  });

  test('over its bound the outbox logs an error again and again and keeps every row', async () => {
    // Nothing listens on this port: PostgreSQL is unreachable from the start, and the store still opens.
    const closed = await freePort();
    const store = Store.open(tempDir(), { outbox: true });
    const log = captureLog();
    const shared = await openSharedStore(`postgres://postgres@127.0.0.1:${closed}/x`, store, log.logger, {
      replicator: { maxQueued: 5, boundLogMs: 50, retryMaxMs: 100 },
    });
    try {
      for (let i = 0; i < 12; i++) store.recordLogin('app', `user-${i}`, `n${i}`);
      await waitFor('two over-the-bound errors', () => log.count('outbox over its bound') >= 2);
      const line = JSON.parse(log.lines.find((l) => l.includes('outbox over its bound')) ?? '{}') as {
        queued?: number;
        level?: number;
      };
      assert.equal(line.queued, 12);
      assert.equal(line.level, 50, 'logged as an error');
      assert.equal(log.count('PostgreSQL unreachable at start'), 1);
      assert.equal(log.count('PostgreSQL unreachable: rows queue'), 1);
      assert.deepEqual(
        { queued: shared.replicator.stats().queued, connected: shared.replicator.stats().connected },
        { queued: 12, connected: false },
      );
    } finally {
      await shared.close();
      await store.close();
    }
  });

  test('three nodes creating the schema at once all succeed', async () => {
    const url = await pgc.createDatabase();
    const silent = pino({ level: 'silent' });
    const stores = await Promise.all([1, 2, 3].map(() => PgStore.open(url, silent)));
    try {
      const tables = await query<{ tablename: string }>(
        url,
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      );
      assert.deepEqual(
        tables.map((t) => t.tablename),
        [
          'accounts',
          'call_records',
          'one_time_codes',
          'refresh_tokens',
          'room_access',
          'rooms',
          'server_keys',
          'users',
        ],
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a bad URL or a missing database fails the start with the reason', async () => {
    const silent = pino({ level: 'silent' });
    await assert.rejects(PgStore.open('mysql://x/y', silent), /must start with postgres:\/\//);
    await assert.rejects(PgStore.open(pgc.url('no_such_db'), silent), /PostgreSQL refused us: 3D000/);
  });

  test('with the outbox, a record written three times waits as one row: its newest state', async () => {
    const store = Store.open(tempDir(), { outbox: true });
    try {
      const row = RINGING;
      store.insertCall(row);
      store.updateCall('app', 'c1', { answerAt: 2, outcome: 'ongoing' });
      store.updateCall('app', 'c1', { endAt: 3, outcome: 'answered' });
      const queued = store.outbox?.batch(10) ?? [];
      assert.equal(queued.length, 1);
      assert.deepEqual(JSON.parse(queued[0]?.body ?? '{}'), {
        ...row,
        answerAt: 2,
        endAt: 3,
        outcome: 'answered',
        attempts: 1,
      });
    } finally {
      await store.close();
    }
  });

  test('without the outbox option the store writes no outbox', async () => {
    const dir = tempDir();
    const store = Store.open(dir);
    store.insertCall(RINGING);
    assert.equal(store.outbox, null);
    await store.close();
    const raw = new Database(join(dir, 'crvideo.sqlite'), { readonly: true });
    const t = raw.prepare(`SELECT name FROM sqlite_master WHERE name = 'outbox'`).get();
    raw.close();
    assert.equal(t, undefined);
  });
});
