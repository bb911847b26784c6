// npm run bench:cluster -- [--users N] [--pairs P] [--seconds S] [--rate R] [--nodes 1,2,3] [--no-postgres] [--quick]
// The bench:signaling call cycle (call → ring → accept → hang up) against several nodes behind haproxy,
// with real redis-server and PostgreSQL, and against today's single node with SQLite in the same run.
// Each caller and callee sit on different nodes when there are several (haproxy's X-CRVideo-Node on the
// WebSocket's 101 says where each client landed). Per run: logged-in users, dial→ring p50/p99, cycles/s,
// CPU ms per cycle of each node (/proc/PID/stat utime+stime), Redis commands per cycle (INFO stats,
// INFO commandstats). Prints JSON and a table. Every process it starts is stopped, also on failure.
// --quick: a short smoke run. --rate R paces the pairs to R cycles/s in all (default: as fast as they go).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { startCluster, type TestCluster, trackedWebSocket } from '../server/testing/cluster.js';
import { stopChild } from '../server/testing/processes.js';
import { spawnServer } from '../server/testing/serverProcess.js';
import { client, forget, pct, wait } from './benchKit.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    pairs: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    nodes: { type: 'string', default: '1,2,3' },
    'no-postgres': { type: 'boolean' },
    'no-sqlite': { type: 'boolean' },
    quick: { type: 'boolean' },
    /** Users for the capacity run (scripts/bench-cluster-capacity.ts; 0: none). Default 30,000, 0 with --quick. */
    capacity: { type: 'string' },
  },
});
const QUICK = values.quick ?? false;
const USERS = Number(values.users ?? (QUICK ? 300 : 3000));
const PAIRS = Math.min(Math.floor(USERS / 2), Number(values.pairs ?? (QUICK ? 20 : 60)));
const SECONDS = Number(values.seconds ?? (QUICK ? 3 : 10));
const RATE = values.rate ? Number(values.rate) : 0;
const NODE_COUNTS = values.nodes
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1 && n <= 8);
const APP = { appID: 'bench', appSecret: 'bench-secret' };
/** A dial with neither ring nor failure after this long counts as failed (keeps a broken run finite). */
const DIAL_TIMEOUT_MS = 10_000;
const WARMUP_SECONDS = QUICK ? 0.5 : 2;

// Each user is a socket here and two in haproxy: the soft open-file limit is raised to what the run needs
// (children inherit it) as far as the hard limit allows; raising the hard limit needs CAP_SYS_RESOURCE.
function nofileLimits(): { soft: number; hard: number } {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  const n = (v: string | undefined) => (!v || v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}
const NEED_FDS = 2 * USERS + 1000;
const fds = nofileLimits();
if (fds.soft < NEED_FDS && !process.env.CRVIDEO_BENCH_REEXEC) {
  const root = process.getuid?.() === 0;
  const hard = root ? Math.max(NEED_FDS, fds.hard) : fds.hard;
  const soft = Math.min(NEED_FDS, hard);
  // A container may forbid raising the hard limit even to root: then only the soft one, up to the hard one.
  const allowed = (h: number) =>
    spawnSync('prlimit', [`--nofile=${Math.min(soft, h)}:${h}`, '--', 'true']).status === 0;
  const h = allowed(hard) ? hard : fds.hard;
  const r = spawnSync(
    'prlimit',
    [`--nofile=${Math.min(soft, h)}:${h}`, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, CRVIDEO_BENCH_REEXEC: '1' } },
  );
  process.exit(r.status ?? 1);
}
if (fds.soft < NEED_FDS) {
  const most = Math.floor((fds.soft - 1000) / 2);
  console.error(
    `bench:cluster: ${USERS} users need ${NEED_FDS} open files (one per user here, two in haproxy), the limit is ` +
      `${fds.soft} (hard ${fds.hard}): at most --users ${most} on this machine`,
  );
  process.exit(2);
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]);
}

/** Redis counters: every command processed, and calls per command. */
async function redisCounters(url: string): Promise<{ total: number; byCommand: Record<string, number> }> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const stats = await r.info('stats');
    const commands = await r.info('commandstats');
    const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
    const byCommand: Record<string, number> = {};
    for (const m of commands.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) byCommand[m[1] as string] = Number(m[2]);
    return { total, byCommand };
  } finally {
    r.disconnect();
  }
}

/** How many tables the nodes created in PostgreSQL's public schema. */
async function pgTables(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

interface Run {
  mode: string;
  nodes: number;
  users: number;
  loggedIn: number;
  loginSeconds: number;
  pairs: number;
  crossNodePairs: number;
  seconds: number;
  cycles: number;
  failures: number;
  /** CallFail codes (or `timeout`) → how many. */
  failCodes: Record<string, number>;
  cyclesPerSecond: number;
  dialToRingMs: { p50: number; p99: number };
  acceptToAcceptedMs: { p50: number; p99: number };
  cpuMsPerCycle: Record<string, number>;
  redisOpsPerCycle: number | null;
  redisTopCommandsPerCycle: Record<string, number> | null;
  clientLoopDelayP99Ms: number;
  /** The machine's 1-minute load average at the end of the run (other work on it skews every figure). */
  loadAverage: number;
}

interface Target {
  url: string;
  /** Node ID → pid, for the CPU figures. */
  pids: Record<string, number>;
  redisUrl: string | null;
}

const round = (x: number, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : Number.NaN);

interface Pair {
  a: CRVideoClient;
  b: CRVideoClient;
  bUID: string;
  meet: MeetObj;
}

/** Every pair runs call → ring → accept → hang up for `seconds` (paced by --rate when given). */
async function runCycles(pairs: Pair[], seconds: number) {
  const dialRing: number[] = [];
  const acceptAccepted: number[] = [];
  const failCodes: Record<string, number> = {};
  let cycles = 0;
  let failures = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    pairs.map(async ({ a, b, bUID, meet }, p) => {
      const period = RATE > 0 ? (1000 * pairs.length) / RATE : 0;
      let nextStart = t0 + (period * p) / pairs.length;
      while (performance.now() < deadline) {
        if (period > 0) {
          const now = performance.now();
          if (nextStart > now) await new Promise((r) => setTimeout(r, nextStart - now));
          nextStart += period;
          if (performance.now() >= deadline) break;
        }
        const ring = wait(b, 'CRVideo_NotifyCallIn');
        const failed = wait(a, 'CRVideo_CallFail');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<[string, string]>((r) => {
          timer = setTimeout(() => r(['', 'timeout']), DIAL_TIMEOUT_MS);
        });
        const tDial = performance.now();
        a.CRVideo_Call(bUID, meet, '');
        const first = await Promise.race([ring.then(() => null), failed, timeout]);
        clearTimeout(timer);
        if (first !== null) {
          forget(b, 'CRVideo_NotifyCallIn');
          forget(a, 'CRVideo_CallFail');
          failures++;
          const code = String(first[1]); // CallFail(callID, sdkErr, cookie)
          failCodes[code] = (failCodes[code] ?? 0) + 1;
          // A failing dial answers at once: do not spin through thousands of them.
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        forget(a, 'CRVideo_CallFail');
        dialRing.push(performance.now() - tDial);
        const [callID] = (await ring) as [string];
        const accepted = wait(a, 'CRVideo_NotifyCallAccepted');
        const tAccept = performance.now();
        b.CRVideo_AcceptCall(callID, meet, '');
        await accepted;
        acceptAccepted.push(performance.now() - tAccept);
        const hungup = wait(b, 'CRVideo_NotifyCallHungup');
        a.CRVideo_HungupCall(callID, '');
        await hungup;
        cycles++;
      }
    }),
  );
  return { dialRing, acceptAccepted, cycles, failures, failCodes, elapsed: (performance.now() - t0) / 1000 };
}

async function measure(mode: string, nodes: number, t: Target): Promise<Run> {
  // ---- log in USERS users, 250 at a time, noting the node each one reached
  const clients: { c: CRVideoClient; UID: string; node: string }[] = [];
  const md5 = md5Hex(APP.appSecret);
  const tLogin = Date.now();
  let loggedIn = 0;
  try {
    for (let i = 0; i < USERS; i += 250) {
      const batch = Array.from({ length: Math.min(250, USERS - i) }, (_, k) => {
        const UID = `u${i + k}`;
        const entry = { c: null as unknown as CRVideoClient, UID, node: nodes === 1 ? 'n1' : '?' };
        entry.c = client(t.url, {
          WebSocket: trackedWebSocket((n) => {
            entry.node = n;
          }),
        });
        clients.push(entry);
        const done = Promise.race([
          wait(entry.c, 'CRVideo_LoginSuccess').then(() => true),
          wait(entry.c, 'CRVideo_LoginFail').then(() => false),
        ]);
        entry.c.CRVideo_Login(APP.appID, md5, UID, UID, '');
        return done.then((ok) => {
          if (ok) loggedIn++;
        });
      });
      await Promise.all(batch);
    }
    const loginSeconds = (Date.now() - tLogin) / 1000;
    await new Promise((r) => setTimeout(r, 500));

    // ---- pairs: the caller on node k, the callee on the next node (the same node when there is one)
    const byNode = new Map<string, typeof clients>();
    for (const e of clients) byNode.set(e.node, [...(byNode.get(e.node) ?? []), e]);
    const names = [...byNode.keys()].sort();
    const plan: { a: (typeof clients)[number]; b: (typeof clients)[number] }[] = [];
    for (let p = 0; p < PAIRS; p++) {
      const from = byNode.get(names[p % names.length] as string) ?? [];
      const to = byNode.get(names[(p + 1) % names.length] as string) ?? [];
      const a = from.pop();
      const b = names.length === 1 ? from.pop() : to.shift();
      if (a && b) plan.push({ a, b });
    }
    const crossNodePairs = plan.filter(({ a, b }) => a.node !== b.node).length;
    const pairs: Pair[] = await Promise.all(
      plan.map(async ({ a, b }, p) => {
        const created = wait(a.c, 'CRVideo_CreateMeetingSuccess');
        a.c.CRVideo_CreateMeeting(`bench ${p}`);
        const [meet] = (await created) as [MeetObj];
        return { a: a.c, b: b.c, bUID: b.UID, meet };
      }),
    );

    // ---- call cycles: a short warm-up (JIT, pools), then SECONDS measured
    await runCycles(pairs, WARMUP_SECONDS);
    const cpu0 = Object.fromEntries(Object.entries(t.pids).map(([n, pid]) => [n, cpuTicks(pid)]));
    const redis0 = t.redisUrl ? await redisCounters(t.redisUrl) : null;
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const { dialRing, acceptAccepted, cycles, failures, failCodes, elapsed } = await runCycles(pairs, SECONDS);
    lag.disable();
    const redis1 = t.redisUrl ? await redisCounters(t.redisUrl) : null;
    const cpuMsPerCycle = Object.fromEntries(
      Object.entries(t.pids).map(([n, pid]) => [n, round(((cpuTicks(pid) - (cpu0[n] ?? 0)) * 10) / cycles, 3)]),
    );
    let redisTop: Record<string, number> | null = null;
    if (redis0 && redis1) {
      const per = Object.entries(redis1.byCommand)
        .map(([cmd, calls]) => [cmd, (calls - (redis0.byCommand[cmd] ?? 0)) / cycles] as const)
        .filter(([cmd, x]) => x >= 0.005 && cmd !== 'info')
        .sort((x, y) => y[1] - x[1])
        .slice(0, 6);
      redisTop = Object.fromEntries(per.map(([cmd, x]) => [cmd, round(x)]));
    }
    return {
      mode,
      nodes,
      users: USERS,
      loggedIn,
      loginSeconds: round(loginSeconds),
      pairs: pairs.length,
      crossNodePairs,
      seconds: round(elapsed),
      cycles,
      failures,
      failCodes,
      cyclesPerSecond: round(cycles / elapsed, 1),
      dialToRingMs: { p50: round(pct(dialRing, 50)), p99: round(pct(dialRing, 99)) },
      acceptToAcceptedMs: { p50: round(pct(acceptAccepted, 50)), p99: round(pct(acceptAccepted, 99)) },
      cpuMsPerCycle,
      // INFO's own two commands are not the nodes' work.
      redisOpsPerCycle: redis0 && redis1 ? round((redis1.total - redis0.total - 2) / cycles) : null,
      redisTopCommandsPerCycle: redisTop,
      clientLoopDelayP99Ms: round(lag.percentile(99) / 1e6, 1),
      loadAverage: round(loadavg()[0] ?? 0, 1),
    };
  } finally {
    for (const { c } of clients) c.CRVideo_Logout();
    await new Promise((r) => setTimeout(r, 300));
  }
}

// ---- what is running now, so that a signal or an error stops it
const running: { stop: (() => Promise<void>) | null } = { stop: null };
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    interrupted = true;
    console.error(`bench:cluster: ${sig}, stopping what runs`);
    void (running.stop?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function sqliteRun(): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-bench-'));
  const server = await spawnServer(
    [
      ...['--data', dataDir, '--no-media', '--app', `${APP.appID}:${APP.appSecret}`],
      ...['--limit', `socketsPerAddress=${USERS + 100}`],
    ],
    'dist',
  );
  running.stop = async () => {
    await stopChild(server.child, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise((r) => setTimeout(r, 300));
    return await measure('single node, SQLite (today)', 1, {
      url: server.url,
      pids: { n1: server.child.pid as number },
      redisUrl: null,
    });
  } finally {
    await running.stop();
    running.stop = null;
  }
}

async function clusterRun(nodes: number): Promise<Run> {
  let cluster: TestCluster | null = null;
  running.stop = async () => {
    await cluster?.stop();
  };
  try {
    cluster = await startCluster({ nodes, postgres: !values['no-postgres'], entry: 'dist', app: APP });
    const c = cluster;
    const run = await measure(`${nodes} node${nodes > 1 ? 's' : ''} + haproxy + Redis`, nodes, {
      url: c.balancer.url,
      pids: Object.fromEntries(c.nodes.map((n) => [n.nodeId, n.pid])),
      redisUrl: c.redis.url,
    });
    // The nodes got --postgres; say whether they really stored anything there.
    if (c.pg)
      run.mode += (await pgTables(c.pg.url)) > 0 ? ' + PostgreSQL' : ' (--postgres given, nothing stored there)';
    return run;
  } finally {
    await running.stop();
    running.stop = null;
  }
}

const shown = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : String(x));

function table(runs: Run[]): string {
  const head =
    '| mode | users logged in | pairs (cross-node) | dial→ring p50 / p99 ms | cycles/s | failed dials | CPU ms per cycle per node | Redis ops per cycle |';
  const rows = runs.map((r) => {
    const fails = Object.entries(r.failCodes).map(([code, n]) => `${n}× ${code}`);
    const cpu = Object.entries(r.cpuMsPerCycle).map(([n, x]) => `${n} ${shown(x)}`);
    return `| ${r.mode} | ${r.loggedIn} / ${r.users} | ${r.pairs} (${r.crossNodePairs}) | ${shown(r.dialToRingMs.p50)} / ${shown(r.dialToRingMs.p99)} | ${r.cyclesPerSecond} | ${r.failures ? fails.join(', ') : 0} | ${cpu.join(', ')} | ${shown(r.redisOpsPerCycle)} |`;
  });
  return [head, `|${' --- |'.repeat(8)}`, ...rows].join('\n');
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  const started = new Date().toISOString();
  if (!values['no-sqlite']) {
    console.error('bench:cluster: single node with SQLite…');
    runs.push(await sqliteRun());
  }
  for (const n of NODE_COUNTS) {
    if (interrupted) break;
    console.error(`bench:cluster: ${n} node(s) behind haproxy…`);
    runs.push(await clusterRun(n));
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}`;
  const settings = { users: USERS, pairs: PAIRS, seconds: SECONDS, rate: RATE || 'unpaced' };
  console.log(JSON.stringify({ started, machine, ...settings, runs }, null, 2));
  console.log(
    `\ncluster benchmark, ${started.slice(0, 16)}Z on ${machine}: ${USERS} users, ${PAIRS} pairs calling for ${SECONDS} s (${RATE ? `paced at ${RATE}/s` : 'unpaced'})\n`,
  );
  console.log(table(runs));
  for (const r of runs) {
    if (r.redisTopCommandsPerCycle) {
      console.log(`  ${r.mode}: Redis commands per cycle ${JSON.stringify(r.redisTopCommandsPerCycle)}`);
    }
  }
  console.log(`  load generator event-loop delay p99: ${runs.map((r) => `${r.clientLoopDelayP99Ms} ms`).join(', ')}`);
  console.log(`  machine load average at the end of each run: ${runs.map((r) => r.loadAverage).join(', ')}`);
  const capacity = Number(values.capacity ?? (QUICK ? 0 : 30_000));
  if (capacity > 0 && !interrupted) {
    // Its own processes (several load generators, no balancer: see the script's header); one JSON line back.
    console.error(`bench:cluster: capacity, ${capacity} users on 3 nodes…`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench-cluster-capacity.ts', '--users', String(capacity)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    console.log(`\ncapacity: ${line || `failed (exit ${r.status})`}`);
  }
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(`bench:cluster failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await running.stop?.();
  process.exit(1);
}
