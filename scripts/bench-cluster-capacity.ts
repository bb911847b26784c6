// `npm run bench:cluster -- --capacity N` (default 30,000): N users signed in across 3 nodes on one Redis, then
// cross-node call cycles while they stay online. The users connect straight to the nodes (round robin) from
// several load-generator processes: behind haproxy each user costs two of its open files and this machine
// allows 20,000 per process, so a balancer cannot carry 30,000 here. Prints one JSON line (bench:cluster
// shows it in its table). Every process it starts is stopped, also on failure or a signal.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { type ClusterNode, startNode, startRedis, type TestRedis } from '../server/testing/cluster.js';
import { client, forget, pct, wait } from './benchKit.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '30000' },
    workers: { type: 'string', default: '3' },
    pairs: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
  },
});
const USERS = Number(values.users);
const WORKERS = Math.max(1, Number(values.workers));
const PAIRS = Number(values.pairs);
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const NODES = 3;
const APP = { appID: 'capacity', appSecret: 'capacity-secret' };

// Each node carries USERS / 3 sockets and each generator USERS / WORKERS: the soft open-file limit is raised
// for this process and its children (they inherit it) as far as the hard limit allows.
const need = Math.ceil(USERS / Math.min(NODES, WORKERS)) + 2000;
const soft = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 1024);
if (soft < need && !process.env.CRVIDEO_CAPACITY_REEXEC) {
  const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? need);
  const r = spawnSync(
    'prlimit',
    [`--nofile=${Math.min(need, hard)}:${hard}`, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, CRVIDEO_CAPACITY_REEXEC: '1' } },
  );
  process.exit(r.status ?? 1);
}

const rssMiB = (pid: number): number =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

let redis: TestRedis | null = null;
const nodes: ClusterNode[] = [];
const workers: ChildProcess[] = [];
const mine: CRVideoClient[] = [];
async function stopAll(): Promise<void> {
  for (const c of mine) c.CRVideo_Logout();
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.dispose()));
  await redis?.stop();
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => void stopAll().finally(() => process.exit(130)));

try {
  redis = await startRedis();
  const redisUrl = redis.url;
  for (let i = 0; i < NODES; i++) {
    nodes.push(
      await startNode({
        nodeId: `cap${i + 1}`,
        redisUrl,
        apps: [APP],
        entry: 'dist',
        args: ['--user-auth', 'none', '--log-level', 'warn', '--limit', 'socketsPerAddress=1000000'],
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1500));
  const urls = nodes.map((n) => n.url).join(',');
  const per = Math.ceil(USERS / WORKERS);
  const t0 = Date.now();
  const ready = await Promise.all(
    Array.from({ length: WORKERS }, (_, w) => {
      const count = Math.max(0, Math.min(per, USERS - w * per));
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/benchClusterWorker.ts',
          ...['--nodes', urls, '--from', String(w * per), '--count', String(count)],
          ...['--app', APP.appID, '--secret', APP.appSecret],
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      workers.push(child);
      return new Promise<{ ready: number; failed: number }>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`load generator ${w} exited (${code})`)));
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => resolve(JSON.parse(l)));
      });
    }),
  );
  const loginSeconds = (Date.now() - t0) / 1000;
  const signedIn = ready.reduce((n, r) => n + r.ready, 0);
  await new Promise((r) => setTimeout(r, 2000));
  const rssAfterLogin = nodes.map((n) => rssMiB(n.pid));

  // Cross-node call cycles while everyone stays online: caller on node i, callee on node i + 1.
  const md5 = md5Hex(APP.appSecret);
  const pairs: { a: CRVideoClient; b: CRVideoClient; bUID: string; meet: MeetObj }[] = [];
  for (let p = 0; p < PAIRS; p++) {
    const a = client(nodes[p % NODES]?.url as string);
    const b = client(nodes[(p + 1) % NODES]?.url as string);
    mine.push(a, b);
    for (const [c, UID] of [
      [a, `pa${p}`],
      [b, `pb${p}`],
    ] as const) {
      const ok = wait(c, 'CRVideo_LoginSuccess');
      c.CRVideo_Login(APP.appID, md5, UID, UID, '');
      await ok;
    }
    const created = wait(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting(`capacity ${p}`);
    pairs.push({ a, b, bUID: `pb${p}`, meet: (await created)[0] as MeetObj });
  }
  await new Promise((r) => setTimeout(r, 500));
  const r = new Redis(redisUrl);
  const before = Number(/total_commands_processed:(\d+)/.exec(await r.info('stats'))?.[1] ?? 0);
  const dialRing: number[] = [];
  let cycles = 0;
  let failures = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  const period = (1000 * PAIRS) / RATE;
  await Promise.all(
    pairs.map(async ({ a, b, bUID, meet }, p) => {
      let next = start + (period * p) / PAIRS;
      while (performance.now() < deadline) {
        const now = performance.now();
        if (next > now) await new Promise((res) => setTimeout(res, next - now));
        next += period;
        if (performance.now() >= deadline) break;
        const ring = wait(b, 'CRVideo_NotifyCallIn');
        const failed = wait(a, 'CRVideo_CallFail');
        const t = performance.now();
        a.CRVideo_Call(bUID, meet, '');
        if ((await Promise.race([ring.then(() => 'ring'), failed.then(() => 'fail')])) === 'fail') {
          forget(b, 'CRVideo_NotifyCallIn');
          failures++;
          continue;
        }
        forget(a, 'CRVideo_CallFail');
        dialRing.push(performance.now() - t);
        const [callID] = (await ring) as [string];
        const accepted = wait(a, 'CRVideo_NotifyCallAccepted');
        b.CRVideo_AcceptCall(callID, meet, '');
        await accepted;
        const hung = wait(b, 'CRVideo_NotifyCallHungup');
        a.CRVideo_HungupCall(callID, '');
        await hung;
        cycles++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const after = Number(/total_commands_processed:(\d+)/.exec(await r.info('stats'))?.[1] ?? 0);
  const redisMiB = Math.round(Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0) / 1048576);
  r.disconnect();
  const result = {
    mode: `capacity: ${NODES} nodes, users straight at the nodes from ${WORKERS} load generators`,
    users: signedIn + 2 * PAIRS,
    loginFailures: ready.reduce((n, x) => n + x.failed, 0),
    loginSeconds,
    nodeRssMiB: rssAfterLogin,
    redisMiB,
    cyclesPerSecond: Number((cycles / elapsed).toFixed(1)),
    dialRingMs: { p50: Number(pct(dialRing, 50).toFixed(2)), p99: Number(pct(dialRing, 99).toFixed(2)) },
    failedDials: failures,
    redisCommandsPerCycle: cycles > 0 ? Number(((after - before) / cycles).toFixed(1)) : null,
  };
  console.log(JSON.stringify(result));
} finally {
  await stopAll();
}
process.exit(0);
