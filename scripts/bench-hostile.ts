// npm run bench:hostile -- [--seconds S] [--rate R] [--only WORDS] [--source] [--attacker-nice N] [--server-flags=FLAGS]
// Starts the real server in its own process (default settings, signaling only) and measures one
// legitimate call cycle (call → ring → accept → hang up, paced at R cycles/s) first on a quiet
// server, then while each family of attack runs for S seconds:
//   non-reading clients, pipelined expensive requests, login brute force, presence storm, call flood,
//   socket flood.
// Attackers run in their own process, one per family (scripts/hostileAttackers.ts), so the measured
// client never shares an event loop with attack traffic; they speak the wire protocol from other
// loopback addresses (127.0.0.x), the legitimate users use the SDK from 127.0.0.1. Prints JSON and a
// table per family: dial→ring p50/p99 quiet (a window just before the attack) and under attack, cycles/s, the codes the attackers got, server RSS
// and CPU, the attacker's CPU, the load average, disk growth, and whether the server survived.
// The server and the attacker processes are always killed at the end, also when the benchmark fails.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { type ServerProcess, spawnServer } from '../server/testing/serverProcess.js';
import { client, forget, pct, wait } from './benchKit.js';
import { type AttackerCommand, type AttackerEvent, FAMILIES } from './hostileAttackers.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    /** Comma-separated words: only the attack families whose name contains one of them. */
    only: { type: 'string' },
    /** Run server/cli.ts through tsx instead of the built dist/ (no build needed; a little slower). */
    source: { type: 'boolean', default: false },
    rate: { type: 'string', default: '25' },
    /** Niceness of the attacker processes (0: same priority as the server and the measured client). */
    'attacker-nice': { type: 'string', default: '0' },
    /** Space-separated Node options for the server process, e.g. --server-flags=--trace-gc or "--cpu-prof --cpu-prof-dir=/tmp/p". */
    'server-flags': { type: 'string', default: '' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const NICE = Number(values['attacker-nice']);
const APP = { appID: 'bench', appSecret: 'bench-secret' };
const MD5 = md5Hex(APP.appSecret);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

// ---------------------------------------------------------------- attackers (their own process)

/** One attack family running in a child process (scripts/hostileAttackers.ts). */
interface RunningAttack {
  stop(): Promise<Record<string, number>>;
  child: ChildProcess;
}

const ATTACKER = join(import.meta.dirname, 'hostileAttackers.ts');
const attackProcs = new Set<ChildProcess>();

async function startAttack(family: string, url: string): Promise<RunningAttack> {
  const child = fork(ATTACKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CRVIDEO_ATTACKER: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  attackProcs.add(child);
  child.once('exit', () => attackProcs.delete(child));
  if (NICE > 0 && child.pid) setPriority(child.pid, NICE);
  const next = () =>
    new Promise<AttackerEvent>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`attacker process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: AttackerEvent) => {
        child.off('exit', onExit);
        if (m.ev === 'failed') reject(new Error(`attacker ${family}: ${m.error}`));
        else resolve(m);
      });
    });
  const started = next();
  child.send({ cmd: 'start', family, url } satisfies AttackerCommand);
  await started;
  return {
    child,
    async stop() {
      const stopped = next();
      child.send({ cmd: 'stop' } satisfies AttackerCommand);
      const m = await stopped;
      return m.ev === 'stopped' ? m.codes : {};
    },
  };
}

// ---------------------------------------------------------------- the legitimate call cycle (SDK)

async function signIn(url: string, UID: string): Promise<CRVideoClient> {
  const c = client(url);
  const ok = Promise.race([
    wait(c, 'CRVideo_LoginSuccess'),
    wait(c, 'CRVideo_LoginFail').then((a) => Promise.reject(new Error(`login ${UID}: ${a[0]}`))),
  ]);
  c.CRVideo_Login(APP.appID, MD5, UID, UID, '');
  await ok;
  return c;
}

interface Legit {
  a: CRVideoClient;
  b: CRVideoClient;
  bUID: string;
  meet: MeetObj;
}

/** Paced call cycles for `seconds`; dial→ring in ms for each completed cycle. */
async function cycles(
  pairs: Legit[],
  seconds: number,
): Promise<{ dialRing: number[]; slowest: string; done: number; failed: number; stalled: number }> {
  const dialRing: number[] = [];
  /** [ms into the window the dial was sent, dial→ring ms]: where in the window the slow dials fall. */
  const timeline: [number, number][] = [];
  let done = 0;
  let failed = 0;
  let stalled = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const period = (1000 * pairs.length) / RATE;
  await Promise.all(
    pairs.map(async ({ a, b, bUID, meet }, p) => {
      let nextStart = t0 + (period * p) / pairs.length;
      while (performance.now() < deadline) {
        const now = performance.now();
        if (nextStart > now) await sleep(nextStart - now);
        nextStart += period;
        if (performance.now() >= deadline) break;
        const ring = wait(b, 'CRVideo_NotifyCallIn');
        const fail = wait(a, 'CRVideo_CallFail');
        const tDial = performance.now();
        a.CRVideo_Call(bUID, meet, '');
        const first = await Promise.race([ring.then(() => 'ring'), fail.then(() => 'fail'), sleep(10_000)]);
        forget(b, 'CRVideo_NotifyCallHungup');
        if (first !== 'ring') {
          failed++;
          forget(b, 'CRVideo_NotifyCallIn');
          continue;
        }
        forget(a, 'CRVideo_CallFail');
        dialRing.push(performance.now() - tDial);
        timeline.push([tDial - t0, performance.now() - tDial]);
        const [callID] = (await ring) as [string];
        const accepted = wait(a, 'CRVideo_NotifyCallAccepted');
        b.CRVideo_AcceptCall(callID, meet, '');
        const hung = wait(b, 'CRVideo_NotifyCallHungup');
        // A cycle that stalls counts as failed; the pair hangs up and goes on.
        if (!(await within(accepted, 10_000))) {
          a.CRVideo_HungupCall(callID, '');
          stalled++;
          continue;
        }
        a.CRVideo_HungupCall(callID, '');
        if (!(await within(hung, 10_000))) {
          stalled++;
          continue;
        }
        done++;
      }
    }),
  );
  const slowest = timeline
    .sort((x, y) => y[1] - x[1])
    .slice(0, 5)
    .map(([at, ms]) => `${ms.toFixed(1)} ms at ${(at / 1000).toFixed(2)} s`)
    .join(', ');
  return { dialRing, slowest, done, failed, stalled };
}

/** True when `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const r = await Promise.race([p.then(() => true), late]);
  clearTimeout(timer);
  return r;
}

// ---------------------------------------------------------------- the run

/** What one measuring window saw. */
interface Window {
  dialToRingMs: { p50: number; p99: number };
  /** The five slowest dials and when in the window they were sent. */
  slowestDials: string;
  cyclesPerSecond: number;
  failedDials: number;
  /** Cycles that rang but whose accept or hang-up did not arrive within 10 s. */
  stalledCycles: number;
  attackerCodes: Record<string, number>;
  serverRssMaxMiB: number;
  /** Server process CPU during the phase (100 = one core). */
  serverCpuPercent: number;
  /** The attacker process's CPU during the phase. */
  attackerCpuPercent: number;
  /** 1-minute load average when the phase started (other work on the machine). */
  loadAverage: number;
  diskGrowthKiB: number;
  serverUp: boolean;
}

/** One attack family: its window beside the quiet window measured just before it. */
interface PhaseResult extends Window {
  phase: string;
  quiet: { p50: number; p99: number; slowestDials: string; serverCpuPercent: number; loadAverage: number };
  /** Attack p99 over the quiet p99 just before. */
  p99VsQuiet: number;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return r.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-hostile-'));
  let server: ServerProcess | null = null;
  let crashed = false;
  const legit: CRVideoClient[] = [];
  try {
    server = await spawnServer(
      // The presence storm's 300 subscribers share 127.0.0.1 with the legitimate users: room for them under
      // the per-address socket cap (the socket flood comes from other addresses and still meets the cap).
      ['--data', dataDir, '--no-media', '--app', `${APP.appID}:${APP.appSecret}`, '--limit', 'socketsPerAddress=400'],
      values.source ? 'source' : 'dist',
      {
        nodeArgs: values['server-flags'].split(' ').filter(Boolean),
        // --trace-gc and similar flags print to stdout: shown on stderr, after the banner.
        ...(values['server-flags'] ? { onOutput: (t: string) => process.stderr.write(t) } : {}),
      },
    );
    current = server;
    const { url, child } = server;
    child.once('exit', (code, signal) => {
      if (!stopping) {
        crashed = true;
        console.error(`server exited during the benchmark (${code ?? signal})`);
      }
    });
    const pid = child.pid as number;

    const pairs: Legit[] = [];
    for (let p = 0; p < 2; p++) {
      const a = await signIn(url, `legit-a${p}`);
      const b = await signIn(url, `legit-b${p}`);
      legit.push(a, b);
      const created = wait(a, 'CRVideo_CreateMeetingSuccess');
      a.CRVideo_CreateMeeting('legit');
      const [meet] = (await created) as [MeetObj];
      pairs.push({ a, b, bUID: `legit-b${p}`, meet });
    }
    await cycles(pairs, 1); // warm-up

    /** One measuring window: the legitimate cycles for SECONDS, with `family` attacking (null: quiet). */
    const window = async (family: string | null): Promise<Window> => {
      const disk0 = dirBytes(dataDir);
      let rssMax = rssMiB(pid);
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, rssMiB(pid));
      }, 200);
      const attack = family ? await startAttack(family, url) : null;
      const cpu0 = cpuSeconds(pid);
      const attackCpu0 = attack?.child.pid ? cpuSeconds(attack.child.pid) : 0;
      const load = loadavg()[0] ?? 0;
      const r = await cycles(pairs, SECONDS);
      const serverCpu = (cpuSeconds(pid) - cpu0) / SECONDS;
      const attackerCpu = attack?.child.pid ? (cpuSeconds(attack.child.pid) - attackCpu0) / SECONDS : 0;
      const codes = attack ? await attack.stop() : {};
      clearInterval(sampler);
      rssMax = Math.max(rssMax, rssMiB(pid));
      const up = !crashed && (await healthy(url));
      await sleep(500);
      return {
        dialToRingMs: { p50: round(pct(r.dialRing, 50)), p99: round(pct(r.dialRing, 99)) },
        slowestDials: r.slowest,
        cyclesPerSecond: round(r.done / SECONDS, 1),
        failedDials: r.failed,
        stalledCycles: r.stalled,
        attackerCodes: Object.fromEntries(
          Object.entries(codes).map(([code, n]) => [
            code === '-2' ? 'refused sockets' : code === '-1' ? 'no code' : code,
            n,
          ]),
        ),
        serverRssMaxMiB: round(rssMax, 0),
        serverCpuPercent: round(serverCpu * 100, 0),
        attackerCpuPercent: round(attackerCpu * 100, 0),
        loadAverage: round(load, 1),
        diskGrowthKiB: round((dirBytes(dataDir) - disk0) / 1024, 0),
        serverUp: up,
      };
    };

    // Each family is measured against a quiet window just before it: on a machine shared with other
    // work the load changes from minute to minute, and a ratio to one early baseline would measure that.
    const results: PhaseResult[] = [];
    const only = values.only?.split(',').filter(Boolean);
    for (const family of FAMILIES.filter((f) => !only || only.some((w) => f.includes(w)))) {
      const quiet = await window(null);
      const under = await window(family);
      results.push({
        phase: family,
        quiet: {
          ...quiet.dialToRingMs,
          slowestDials: quiet.slowestDials,
          serverCpuPercent: quiet.serverCpuPercent,
          loadAverage: quiet.loadAverage,
        },
        ...under,
        p99VsQuiet: round(under.dialToRingMs.p99 / quiet.dialToRingMs.p99, 1),
      });
      process.stderr.write(`  ${family}: done\n`);
      if (!under.serverUp || !quiet.serverUp) break;
    }

    const worstRatio = Math.max(...results.map((r) => r.p99VsQuiet));
    const lastLoad = loadavg()[0] ?? 0;
    const maxRss = Math.max(...results.map((r) => r.serverRssMaxMiB));
    const summary = {
      seconds: SECONDS,
      rate: RATE,
      attackerNice: NICE,
      cores: availableParallelism(),
      loadAverageAtEnd: round(lastLoad, 1),
      phases: results,
      targets: {
        p99WithinThreeTimesQuiet: worstRatio <= 3,
        serverRssUnder1GB: maxRss < 1024,
        zeroCrashes: !crashed && results.every((r) => r.serverUp),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    const pad = (s: string | number, n: number) => String(s).padStart(n);
    console.log(
      [
        '',
        `hostile benchmark: a legitimate call cycle at ${RATE}/s, ${SECONDS} s quiet then ${SECONDS} s under attack per family, default server limits`,
        `  ${'family'.padEnd(29)} ${pad('quiet p50', 9)} ${pad('p99', 7)} ${pad('attack p50', 10)} ${pad('p99', 7)} ${pad('p99/quiet', 9)} ${pad('cycles/s', 8)} ${pad('failed', 6)} ${pad('stalled', 7)} ${pad('RSS MiB', 7)} ${pad('srv CPU q→a', 11)} ${pad('atk CPU', 7)} ${pad('load', 5)} ${pad('disk KiB', 8)}  attackers got`,
        ...results.map(
          (r) =>
            `  ${r.phase.padEnd(29)} ${pad(r.quiet.p50, 9)} ${pad(r.quiet.p99, 7)} ${pad(r.dialToRingMs.p50, 10)} ${pad(r.dialToRingMs.p99, 7)} ${pad(`${r.p99VsQuiet}x`, 9)} ${pad(r.cyclesPerSecond, 8)} ${pad(r.failedDials, 6)} ${pad(r.stalledCycles, 7)} ${pad(r.serverRssMaxMiB, 7)} ${pad(`${r.quiet.serverCpuPercent}→${r.serverCpuPercent}%`, 11)} ${pad(`${r.attackerCpuPercent}%`, 7)} ${pad(r.loadAverage, 5)} ${pad(r.diskGrowthKiB, 8)}  ${Object.entries(
              r.attackerCodes,
            )
              .map(([c, n]) => `${c}×${n}`)
              .join(' ')}`,
        ),
        `  slowest dials (dial→ring, and when in the ${SECONDS} s window it was sent):`,
        ...results.map(
          (r) =>
            `  ${r.phase.padEnd(29)} quiet: ${r.quiet.slowestDials}\n  ${''.padEnd(29)} under attack: ${r.slowestDials}`,
        ),
        `  targets: p99 within 3x of quiet ${summary.targets.p99WithinThreeTimesQuiet ? 'yes' : 'NO'} (worst ${worstRatio}x), server RSS < 1 GB ${summary.targets.serverRssUnder1GB ? 'yes' : 'NO'} (max ${maxRss} MiB), zero crashes ${summary.targets.zeroCrashes ? 'yes' : 'NO'}`,
      ].join('\n'),
    );
  } finally {
    stopping = true;
    for (const c of attackProcs) c.kill('SIGKILL');
    for (const c of legit) c.CRVideo_Logout();
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      const exited = new Promise((r) => server?.child.once('exit', r));
      server.child.kill('SIGTERM');
      const late = setTimeout(() => server?.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(late);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(crashed ? 1 : 0);
}

let stopping = false;
let current: ServerProcess | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    current?.child.kill('SIGKILL');
    for (const c of attackProcs) c.kill('SIGKILL');
    process.exit(130);
  });
}
await main().catch((err) => {
  console.error(err);
  process.exit(1);
});
