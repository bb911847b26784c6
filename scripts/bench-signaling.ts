// npm run bench:signaling -- [--users N] [--pairs P] [--seconds S] [--rate R]
// Starts the real server in its own process, logs in N SDK clients over real WebSockets, then runs
// call cycles (call → ring → accept → hang up) from P pairs at once for S seconds. Prints JSON and a
// table: dial→ring and accept→accepted latency percentiles, cycles per second, server RSS per user.
// --rate R paces the pairs to R cycles per second in all (default: as fast as they go), so latency can
// be read at a stated load instead of at saturation, where it only measures queueing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { spawnServer } from '../server/testing/serverProcess.js';
import { client, pct, wait } from './benchKit.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    pairs: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string' },
  },
});
const N = Number(values.users);
const PAIRS = Math.min(Math.floor(N / 2), Number(values.pairs ?? 200));
const SECONDS = Number(values.seconds);
const RATE = values.rate ? Number(values.rate) : 0;
const APP = { appID: 'bench', appSecret: 'bench-secret' };

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-bench-'));
  const { child: server, url } = await spawnServer(
    // Every simulated user connects from 127.0.0.1: lift the per-address socket cap for the benchmark.
    [
      '--data',
      dataDir,
      '--no-media',
      '--app',
      `${APP.appID}:${APP.appSecret}`,
      '--limit',
      `socketsPerAddress=${N + 100}`,
    ],
    'dist',
  );
  const pid = server.pid as number;
  await new Promise((r) => setTimeout(r, 300));
  const rssBefore = rssKiB(pid);

  // ---- log in N users, 250 at a time
  const clients: CRVideoClient[] = [];
  const tLogin = Date.now();
  const md5 = md5Hex(APP.appSecret);
  for (let i = 0; i < N; i += 250) {
    const batch = Array.from({ length: Math.min(250, N - i) }, (_, k) => {
      const c = client(url);
      const UID = `u${i + k}`;
      const done = Promise.race([
        wait(c, 'CRVideo_LoginSuccess'),
        wait(c, 'CRVideo_LoginFail').then((a) => Promise.reject(new Error(`login ${UID}: ${a[0]}`))),
      ]);
      c.CRVideo_Login(APP.appID, md5, UID, UID, '');
      clients.push(c);
      return done;
    });
    await Promise.all(batch);
  }
  const loginSeconds = (Date.now() - tLogin) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = rssKiB(pid);

  // ---- each pair's caller makes a room once
  const pairs = await Promise.all(
    Array.from({ length: PAIRS }, async (_, p) => {
      const a = clients[2 * p] as CRVideoClient;
      const b = clients[2 * p + 1] as CRVideoClient;
      const created = wait(a, 'CRVideo_CreateMeetingSuccess');
      a.CRVideo_CreateMeeting(`bench ${p}`);
      const [meet] = (await created) as [MeetObj];
      return { a, b, bUID: `u${2 * p + 1}`, meet };
    }),
  );

  // ---- call cycles for SECONDS
  const dialRing: number[] = [];
  const acceptAccepted: number[] = [];
  let cycles = 0;
  let failures = 0;
  const cpu0 = cpuTicks(pid);
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(
    pairs.map(async ({ a, b, bUID, meet }, p) => {
      // With --rate each pair starts a cycle every PAIRS/RATE seconds, staggered across pairs.
      const period = RATE > 0 ? (1000 * PAIRS) / RATE : 0;
      let nextStart = t0 + (period * p) / PAIRS;
      while (performance.now() < deadline) {
        if (period > 0) {
          const now = performance.now();
          if (nextStart > now) await new Promise((r) => setTimeout(r, nextStart - now));
          nextStart += period;
          if (performance.now() >= deadline) break;
        }
        const ring = wait(b, 'CRVideo_NotifyCallIn');
        const failed = wait(a, 'CRVideo_CallFail');
        const tDial = performance.now();
        a.CRVideo_Call(bUID, meet, '');
        const first = await Promise.race([ring.then(() => 'ring'), failed.then(() => 'fail')]);
        if (first === 'fail') {
          failures++;
          continue;
        }
        const tRing = performance.now();
        dialRing.push(tRing - tDial);
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
  const elapsed = (performance.now() - t0) / 1000;
  lag.disable();
  const cpuSeconds = (cpuTicks(pid) - cpu0) / 100;
  const rssEnd = rssKiB(pid);

  const result = {
    users: N,
    pairs: PAIRS,
    rate: RATE || 'unpaced',
    seconds: Number(elapsed.toFixed(2)),
    loginSeconds: Number(loginSeconds.toFixed(2)),
    dialToRingMs: { p50: pct(dialRing, 50), p90: pct(dialRing, 90), p99: pct(dialRing, 99) },
    acceptToAcceptedMs: { p50: pct(acceptAccepted, 50), p90: pct(acceptAccepted, 90), p99: pct(acceptAccepted, 99) },
    cyclesPerSecond: Number((cycles / elapsed).toFixed(1)),
    cycles,
    failures,
    serverCpuPercent: Number(((100 * cpuSeconds) / elapsed).toFixed(1)),
    serverRssMiB: { idle: rssBefore / 1024, loggedIn: rssAfter / 1024, end: rssEnd / 1024 },
    serverRssPerUserKiB: Number(((rssAfter - rssBefore) / N).toFixed(2)),
    /** The load generator's own event-loop delay: when high, latencies include the client's queueing. */
    clientLoopDelayMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
  };
  for (const k of ['dialToRingMs', 'acceptToAcceptedMs'] as const) {
    for (const p of ['p50', 'p90', 'p99'] as const) result[k][p] = Number(result[k][p].toFixed(2));
  }
  result.serverRssMiB = {
    idle: Number(result.serverRssMiB.idle.toFixed(1)),
    loggedIn: Number(result.serverRssMiB.loggedIn.toFixed(1)),
    end: Number(result.serverRssMiB.end.toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    [
      '',
      `signaling benchmark: ${N} logged-in users, ${PAIRS} pairs calling at once for ${result.seconds} s (${RATE ? `paced at ${RATE}/s` : 'unpaced'})`,
      '  metric                     p50      p90      p99',
      `  dial → ring (ms)       ${[result.dialToRingMs.p50, result.dialToRingMs.p90, result.dialToRingMs.p99].map((x) => String(x).padStart(8)).join(' ')}`,
      `  accept → accepted (ms) ${[result.acceptToAcceptedMs.p50, result.acceptToAcceptedMs.p90, result.acceptToAcceptedMs.p99].map((x) => String(x).padStart(8)).join(' ')}`,
      `  cycles per second      ${result.cyclesPerSecond} (${cycles} cycles, ${failures} failed dials)`,
      `  server RSS             ${result.serverRssMiB.idle} MiB idle → ${result.serverRssMiB.loggedIn} MiB logged in (${result.serverRssPerUserKiB} KiB per user)`,
      `  server CPU             ${result.serverCpuPercent} % of one core during the cycles`,
      `  load generator lag     p50 ${result.clientLoopDelayMs.p50.toFixed(1)} ms, p99 ${result.clientLoopDelayMs.p99.toFixed(1)} ms, max ${result.clientLoopDelayMs.max.toFixed(1)} ms`,
    ].join('\n'),
  );

  for (const c of clients) c.CRVideo_Logout();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

await main();
