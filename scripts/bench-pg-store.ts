// What the PostgreSQL store of cluster mode costs and how fast it catches up, against a real PostgreSQL
// in a temp dir (server/testing/testPostgres.ts):
//   1. SQLite write time of a call's record (insert, answered, ended) without and with the outbox;
//   2. rows/s the replicator writes to PostgreSQL while calls are being recorded (live);
//   3. catch-up after an outage: N call records queued while PostgreSQL was down, time to drain them.
// node --import tsx scripts/bench-pg-store.ts [--calls 20000] [--queued 50000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Store } from '../server/Store.js';
import { openSharedStore } from '../server/store/index.js';
import { startTestPostgres } from '../server/store/testPg.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CALLS = arg('calls', 20_000);
const QUEUED = arg('queued', 50_000);
const log = pino({ level: 'warn' });
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'crvideo-benchpg-'));
  dirs.push(d);
  return d;
};

/** Writes `n` call records (3 writes each); returns wall and CPU milliseconds. */
function recordCalls(store: Store, n: number, prefix: string): { ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const callID = `${prefix}-${i}`;
    const ringAt = Date.now();
    store.insertCall({
      appID: 'bench',
      callID,
      callerID: `u${i % 1000}`,
      calleeID: `u${(i + 1) % 1000}`,
      meetID: i + 1,
      usrExtDat: '',
      ringAt,
      answerAt: null,
      endAt: null,
      outcome: 'ringing',
      sdkErr: 0,
    });
    store.updateCall('bench', callID, { answerAt: ringAt + 1, outcome: 'ongoing' });
    store.updateCall('bench', callID, { endAt: ringAt + 2, outcome: 'answered' });
  }
  const cpu = process.cpuUsage(c0);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const pgc = await startTestPostgres();
try {
  // 1. The outbox's cost on the synchronous write path.
  const plain = Store.open(tempDir());
  const plainRun = recordCalls(plain, CALLS, 'p');
  await plain.close();
  const withOutbox = Store.open(tempDir(), { outbox: true });
  const outboxRun = recordCalls(withOutbox, CALLS, 'o');

  // 2. Live: the replicator sending while the calls are written.
  const shared = await openSharedStore(await pgc.createDatabase(), withOutbox, log);
  await shared.replicator.flushed(120_000); // the rows of step 1
  const liveStart = Date.now();
  const liveWriteMs = recordCalls(withOutbox, CALLS, 'l').ms;
  await shared.replicator.flushed(120_000);
  const liveMs = Date.now() - liveStart;
  await shared.close();
  await withOutbox.close();

  // 3. Catch-up: rows queued during an outage, then PostgreSQL back.
  const url = await pgc.createDatabase();
  const store = Store.open(tempDir(), { outbox: true });
  await pgc.stop();
  recordCalls(store, QUEUED, 'q');
  const queued = store.outbox?.queued ?? 0;
  await pgc.start();
  const t0 = Date.now();
  const again = await openSharedStore(url, store, log);
  await again.replicator.flushed(600_000);
  const catchUpMs = Date.now() - t0;
  const { written } = again.replicator.stats();
  await again.close();
  await store.close();

  const perCall = (r: { ms: number; cpuMs: number }) =>
    `${((r.ms * 1000) / CALLS).toFixed(0)} µs/call wall, ${((r.cpuMs * 1000) / CALLS).toFixed(0)} µs CPU`;
  const rows = [
    ['SQLite, one call record (3 writes), no outbox', perCall(plainRun)],
    ['SQLite, one call record (3 writes), with outbox', perCall(outboxRun)],
    [
      `live: ${CALLS} calls written and replicated`,
      `${liveMs} ms (${Math.round(CALLS / (liveMs / 1000))} calls/s; writes alone ${Math.round(liveWriteMs)} ms)`,
    ],
    [
      `catch-up: ${queued} queued rows after an outage`,
      `${catchUpMs} ms (${Math.round(written / (catchUpMs / 1000))} rows/s)`,
    ],
  ];
  console.log(
    JSON.stringify({
      calls: CALLS,
      plain: plainRun,
      outbox: outboxRun,
      liveMs,
      liveWriteMs,
      queued,
      catchUpMs,
      written,
    }),
  );
  console.log('| measure | figure |\n| --- | --- |');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
} finally {
  await pgc.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
