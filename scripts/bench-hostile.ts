// npm run bench:hostile -- [--seconds S] [--rate R]
// Starts the real server in its own process (default settings, signaling only) and measures one
// legitimate call cycle (call → ring → accept → hang up, paced at R cycles/s) first on a quiet
// server, then while each family of attack runs for S seconds:
//   non-reading clients, pipelined expensive requests, login brute force, presence storm, call flood,
//   socket flood.
// Attackers speak the wire protocol from other loopback addresses (127.0.0.x), the legitimate users
// use the SDK from 127.0.0.1. Prints JSON and a table: dial→ring p50/p99 beside the quiet baseline,
// cycles/s, the codes the attackers got, server RSS and disk growth, and whether the server survived.
// The server is always killed at the end, also when the benchmark fails.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { type ServerProcess, spawnServer } from '../server/testing/serverProcess.js';
import { client, forget, pct, wait } from './benchKit.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    /** Comma-separated words: only the attack families whose name contains one of them. */
    only: { type: 'string' },
    /** Run server/cli.ts through tsx instead of the built dist/ (no build needed; a little slower). */
    source: { type: 'boolean', default: false },
    rate: { type: 'string', default: '25' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const APP = { appID: 'bench', appSecret: 'bench-secret' };
const MD5 = md5Hex(APP.appSecret);
const WRONG = md5Hex('guess');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
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

// ---------------------------------------------------------------- attackers (raw wire protocol)

/** Response codes the attackers got in the current phase. */
const codes = new Map<number, number>();

class Raw {
  readonly ws: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, (err: number) => void>();
  inFlight = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t: string; id?: number; err?: number };
      if (f.t !== 'rsp' || typeof f.id !== 'number') return;
      this.inFlight--;
      codes.set(f.err ?? -1, (codes.get(f.err ?? -1) ?? 0) + 1);
      const done = this.#pending.get(f.id);
      this.#pending.delete(f.id);
      done?.(f.err ?? -1);
    });
    ws.on('error', () => undefined);
  }

  static open(url: string, localAddress: string): Promise<Raw> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Raw(ws)));
      ws.once('error', reject);
    });
  }

  /** Fire and forget (pipelined). */
  send(type: string, payload: unknown = {}): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.inFlight++;
    this.ws.send(JSON.stringify({ id: ++this.#id, type, payload }));
  }

  request(type: string, payload: unknown = {}): Promise<number> {
    return new Promise((resolve) => {
      this.#pending.set(this.#id + 1, resolve);
      this.send(type, payload);
    });
  }

  async login(UID: string): Promise<Raw> {
    const err = await this.request('login', {
      appID: APP.appID,
      md5AppSecret: MD5,
      UID,
      nickname: UID,
      userAuthCode: '',
    });
    if (err !== 0) throw new Error(`attacker login ${UID}: ${err}`);
    return this;
  }

  /** Stops reading: the kernel buffers fill and the server's answers pile up on its side. */
  stopReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  close(): void {
    this.ws.terminate();
  }
}

interface Attack {
  name: string;
  /** Starts the attack; resolves with a function that stops it and frees its sockets. */
  start(url: string): Promise<() => Promise<void>>;
}

/** Keeps `depth` requests in flight on each socket until stopped. */
function pump(socks: Raw[], depth: number, next: (r: Raw, i: number) => [string, unknown]): () => void {
  let running = true;
  let i = 0;
  const timer = setInterval(() => {
    if (!running) return;
    for (const r of socks) {
      while (r.inFlight < depth) {
        const [type, payload] = next(r, i++);
        r.send(type, payload);
      }
    }
  }, 2);
  return () => {
    running = false;
    clearInterval(timer);
  };
}

let attackerSeq = 0;
async function attackers(url: string, n: number, address: string, prefix: string, login = true): Promise<Raw[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const r = await Raw.open(url, address);
      return login ? r.login(`${prefix}-${++attackerSeq}`) : r;
    }),
  );
}

const closeAll = async (socks: Raw[]) => {
  for (const s of socks) s.close();
  await sleep(200);
};

const ATTACKS: Attack[] = [
  {
    name: 'non-reading clients',
    async start(url) {
      // 20 logged-in clients that never read, each sending 20 getUserStatus per 10 ms tick.
      const socks = await attackers(url, 20, '127.0.0.2', 'sink');
      for (const s of socks) s.stopReading();
      const timer = setInterval(() => {
        for (const s of socks) for (let k = 0; k < 20; k++) s.send('getUserStatus', {});
      }, 10);
      return async () => {
        clearInterval(timer);
        await closeAll(socks);
      };
    },
  },
  {
    name: 'pipelined expensive requests',
    async start(url) {
      // 10 readers keeping 200 history and user-list pages in flight each.
      const socks = await attackers(url, 10, '127.0.0.3', 'pipe');
      const stop = pump(socks, 200, (_r, i) =>
        i % 2 === 0 ? ['getCallRecords', { limit: 200 }] : ['getUserStatus', { page: 1, limit: 1000 }],
      );
      return async () => {
        stop();
        await closeAll(socks);
      };
    },
  },
  {
    name: 'login brute force',
    async start(url) {
      // 40 sockets over 4 addresses guessing the app secret for a few UIDs, 20 guesses in flight each.
      const socks = (await Promise.all([4, 5, 6, 7].map((a) => attackers(url, 10, `127.0.0.${a}`, 'x', false)))).flat();
      const stop = pump(socks, 20, (_r, i) => [
        'login',
        { appID: APP.appID, md5AppSecret: WRONG, UID: `target-${i % 5}`, nickname: 'x', userAuthCode: '' },
      ]);
      return async () => {
        stop();
        await closeAll(socks);
      };
    },
  },
  {
    name: 'presence storm',
    async start(url) {
      // 300 subscribers; 30 users flipping DND with 50 changes in flight each.
      const subs = await attackers(url, 300, '127.0.0.8', 'watch');
      for (const s of subs) s.send('startUserStatusNotify');
      const flippers = await attackers(url, 30, '127.0.0.9', 'flip');
      const stop = pump(flippers, 50, (_r, i) => ['setDND', { DNDStatus: i % 2 }]);
      return async () => {
        stop();
        await closeAll([...subs, ...flippers]);
      };
    },
  },
  {
    name: 'call flood',
    async start(url) {
      // 20 callers: calls to UIDs that do not exist, to an offline user, and ringing many at once.
      const base = attackerSeq;
      const victims = await attackers(url, 30, '127.0.0.10', 'rung');
      const offline = await attackers(url, 1, '127.0.0.10', 'gone');
      const offlineUID = `gone-${attackerSeq}`;
      offline[0]?.close();
      const callers = await attackers(url, 20, '127.0.0.11', 'flood');
      const rooms = await Promise.all(
        callers.map(
          (c) =>
            new Promise<number>((resolve) => {
              const onMsg = (d: WebSocket.RawData) => {
                const f = JSON.parse(d.toString()) as { data?: { meetObj?: MeetObj } };
                if (f.data?.meetObj) {
                  c.ws.off('message', onMsg);
                  resolve(f.data.meetObj.ID);
                }
              };
              c.ws.on('message', onMsg);
              c.send('createMeeting', { subject: 'flood' });
            }),
        ),
      );
      const stop = pump(callers, 50, (r, i) => {
        const meetID = rooms[callers.indexOf(r)] ?? 1;
        const kind = i % 3;
        const calledUID = kind === 0 ? `nobody-${i}` : kind === 1 ? offlineUID : `rung-${base + 1 + (i % 30)}`;
        return ['call', { callID: `f${i}`, calledUID, meetID, usrExtDat: 'x'.repeat(1024) }];
      });
      return async () => {
        stop();
        await closeAll([...callers, ...victims]);
      };
    },
  },
  {
    name: 'socket flood',
    async start(url) {
      // 1,500 sockets that never log in, from one address, opened as fast as they go.
      const socks: WebSocket[] = [];
      let refused = 0;
      await Promise.all(
        Array.from({ length: 1500 }, async () => {
          const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress: '127.0.0.12' });
          ws.on('error', () => undefined);
          socks.push(ws);
          await new Promise<void>((resolve) => {
            ws.once('open', () => resolve());
            ws.once('close', () => {
              refused++;
              resolve();
            });
            ws.once('error', () => resolve());
          });
        }),
      );
      codes.set(-2, refused);
      return async () => {
        for (const ws of socks) ws.terminate();
        await sleep(300);
      };
    },
  },
];

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
): Promise<{ dialRing: number[]; done: number; failed: number; stalled: number }> {
  const dialRing: number[] = [];
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
  return { dialRing, done, failed, stalled };
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

interface PhaseResult {
  phase: string;
  dialToRingMs: { p50: number; p99: number };
  p99VsQuiet: number;
  cyclesPerSecond: number;
  failedDials: number;
  /** Cycles that rang but whose accept or hang-up did not arrive within 10 s. */
  stalledCycles: number;
  attackerCodes: Record<string, number>;
  serverRssMaxMiB: number;
  diskGrowthKiB: number;
  serverUp: boolean;
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

    const results: PhaseResult[] = [];
    const only = values.only?.split(',').filter(Boolean);
    const phases: (Attack | null)[] = [null, ...ATTACKS.filter((a) => !only || only.some((w) => a.name.includes(w)))];
    for (const attack of phases) {
      const name = attack?.name ?? 'quiet';
      codes.clear();
      const disk0 = dirBytes(dataDir);
      let rssMax = rssMiB(pid);
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, rssMiB(pid));
      }, 200);
      const stop = attack ? await attack.start(url) : async () => undefined;
      const r = await cycles(pairs, SECONDS);
      await stop();
      clearInterval(sampler);
      rssMax = Math.max(rssMax, rssMiB(pid));
      const up = !crashed && (await healthy(url));
      const quiet = results[0]?.dialToRingMs.p99 ?? pct(r.dialRing, 99);
      results.push({
        phase: name,
        dialToRingMs: { p50: round(pct(r.dialRing, 50)), p99: round(pct(r.dialRing, 99)) },
        p99VsQuiet: round(pct(r.dialRing, 99) / quiet, 1),
        cyclesPerSecond: round(r.done / SECONDS, 1),
        failedDials: r.failed,
        stalledCycles: r.stalled,
        attackerCodes: Object.fromEntries(
          [...codes].map(([code, n]) => [code === -2 ? 'refused sockets' : code === -1 ? 'no code' : String(code), n]),
        ),
        serverRssMaxMiB: round(rssMax, 0),
        diskGrowthKiB: round((dirBytes(dataDir) - disk0) / 1024, 0),
        serverUp: up,
      });
      process.stderr.write(`  ${name}: done\n`);
      if (!up) break;
      await sleep(500);
    }

    const worstRatio = Math.max(...results.map((r) => r.p99VsQuiet));
    const maxRss = Math.max(...results.map((r) => r.serverRssMaxMiB));
    const summary = {
      seconds: SECONDS,
      rate: RATE,
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
        `hostile benchmark: a legitimate call cycle at ${RATE}/s, ${SECONDS} s per phase, default server limits`,
        `  ${'phase'.padEnd(30)} ${pad('ring p50', 9)} ${pad('ring p99', 9)} ${pad('p99/quiet', 9)} ${pad('cycles/s', 9)} ${pad('failed', 6)} ${pad('stalled', 7)} ${pad('RSS MiB', 8)} ${pad('disk KiB', 9)}  attackers got`,
        ...results.map(
          (r) =>
            `  ${r.phase.padEnd(30)} ${pad(r.dialToRingMs.p50, 9)} ${pad(r.dialToRingMs.p99, 9)} ${pad(`${r.p99VsQuiet}x`, 9)} ${pad(r.cyclesPerSecond, 9)} ${pad(r.failedDials, 6)} ${pad(r.stalledCycles, 7)} ${pad(r.serverRssMaxMiB, 8)} ${pad(r.diskGrowthKiB, 9)}  ${Object.entries(
              r.attackerCodes,
            )
              .map(([c, n]) => `${c}×${n}`)
              .join(' ')}`,
        ),
        `  targets: p99 within 3x of quiet ${summary.targets.p99WithinThreeTimesQuiet ? 'yes' : 'NO'} (worst ${worstRatio}x), server RSS < 1 GB ${summary.targets.serverRssUnder1GB ? 'yes' : 'NO'} (max ${maxRss} MiB), zero crashes ${summary.targets.zeroCrashes ? 'yes' : 'NO'}`,
      ].join('\n'),
    );
  } finally {
    stopping = true;
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
    process.exit(130);
  });
}
await main().catch((err) => {
  console.error(err);
  process.exit(1);
});
