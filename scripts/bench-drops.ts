// npm run bench:drops -- [--calls N] [--cuts M] [--seconds S] [--grace MS] [--long L]
// Starts the real server in its own process (signaling only) and N accepted calls between real SDK
// clients, each client behind its own TCP proxy (server/testing/CutProxy.ts). Over S seconds every call
// gets M cuts of one side's link, each of a random length between 0.1 s and grace − 0.5 s, at random
// times. L more calls get one cut longer than grace + 1 s. Prints JSON and a table: calls kept, calls
// lost (with both sides told or not), ghost calls (an app believing in a call the server no longer
// has), and resume latency after the link is back (link back → NotifyReconnecting(false)).
// Targets: 0 lost below the grace, 0 ghosts, resume p99 < 1.5 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CallbackName } from '../sdk/api.js';
import { type CRVideoClient, createCRVideo, md5Hex } from '../sdk/index.js';
import { CutProxy } from '../server/testing/CutProxy.js';
import { type ServerProcess, spawnServer } from '../server/testing/serverProcess.js';
import { pct } from './benchKit.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '40' },
    cuts: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '24' },
    grace: { type: 'string', default: '4000' },
    long: { type: 'string', default: '4' },
  },
});
const CALLS = Number(values.calls);
const CUTS = Number(values.cuts);
const SECONDS = Number(values.seconds);
const GRACE = Number(values.grace);
const LONG = Number(values.long);
const SLOT_MS = (SECONDS * 1000) / Math.max(1, CUTS);
if (![CALLS, CUTS, SECONDS, GRACE, LONG].every((x) => Number.isFinite(x) && x >= 0) || GRACE < 1000) {
  console.error('bench:drops: --calls, --cuts, --seconds, --long must be numbers ≥ 0 and --grace ≥ 1000');
  process.exit(2);
}
if (SLOT_MS < GRACE + 1000) {
  console.error(`bench:drops: --seconds ${SECONDS} leaves ${SLOT_MS} ms per cut; need ≥ grace + 1 s per cut`);
  process.exit(2);
}
const APP = { appID: 'bench-drops', appSecret: 'bench-drops-secret' };
const LOSS: CallbackName[] = [
  'CRVideo_NotifyCallHungup',
  'CRVideo_NotifyCallRejected',
  'CRVideo_MeetingDropped',
  'CRVideo_LineOff',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

/** One side of a call: an SDK client behind its own proxy, and what the app was told. */
interface Side {
  UID: string;
  c: CRVideoClient;
  p: CutProxy;
  losses: string[];
  /** Calls this app believes in (from its callbacks). */
  believed: Set<string>;
  loggedIn: boolean;
}

function next(c: CRVideoClient, name: CallbackName, ms: number, where: (args: unknown[]) => boolean = () => true) {
  return new Promise<unknown[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${name}`));
    }, ms);
    const off = c.$core.onEmit((n, args) => {
      if (n !== name || !where(args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

const proxies: CutProxy[] = [];
const clients: CRVideoClient[] = [];
let server: ServerProcess | null = null;
let dataDir = '';

async function side(port: number, UID: string): Promise<Side> {
  const p = await CutProxy.create(port);
  proxies.push(p);
  const c = createCRVideo({ serverAddr: p.url, log: () => undefined });
  clients.push(c);
  const s: Side = { UID, c, p, losses: [], believed: new Set(), loggedIn: false };
  c.$core.onEmit((name, args) => {
    const callID = String(args[0]);
    if (LOSS.includes(name)) s.losses.push(`${name}(${args.map((a) => JSON.stringify(a)).join(',')})`);
    if (name === 'CRVideo_CallSuccess' || name === 'CRVideo_NotifyCallIn') s.believed.add(callID);
    if (
      name === 'CRVideo_NotifyCallHungup' ||
      name === 'CRVideo_NotifyCallRejected' ||
      name === 'CRVideo_HangupCallSuccess' ||
      name === 'CRVideo_CallFail'
    )
      s.believed.delete(callID);
    // After LineOff, what the app still believes in was never ended towards it: counted as ghosts below.
    if (name === 'CRVideo_LineOff') s.loggedIn = false;
  });
  const ok = next(c, 'CRVideo_LoginSuccess', 15_000);
  c.CRVideo_Login(APP.appID, md5Hex(APP.appSecret), UID, UID, '', null);
  await ok;
  s.loggedIn = true;
  return s;
}

async function call(a: Side, b: Side): Promise<string> {
  const created = next(a.c, 'CRVideo_CreateMeetingSuccess', 15_000);
  a.c.CRVideo_CreateMeeting('bench');
  const [meet] = (await created) as [{ ID: number }];
  const rung = next(b.c, 'CRVideo_NotifyCallIn', 15_000);
  const callID = a.c.CRVideo_Call(b.UID, meet);
  await rung;
  const accepted = next(a.c, 'CRVideo_NotifyCallAccepted', 15_000);
  b.c.CRVideo_AcceptCall(callID, meet);
  await accepted;
  return callID;
}

async function cleanup(): Promise<void> {
  for (const c of clients) c.CRVideo_Logout();
  await Promise.all(proxies.map((p) => p.close().catch(() => undefined)));
  const child = server?.child;
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(3000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'crvideo-bench-drops-'));
  server = await spawnServer([
    '--no-media',
    '--grace',
    String(GRACE),
    '--data',
    dataDir,
    '--app',
    `${APP.appID}:${APP.appSecret}`,
  ]);
  const port = Number(new URL(server.url).port);
  const pairs: Array<{ a: Side; b: Side; callID: string; long: boolean }> = [];
  for (let i = 0; i < CALLS + LONG; i++) {
    const a = await side(port, `drop-a${i}`);
    const b = await side(port, `drop-b${i}`);
    pairs.push({ a, b, callID: await call(a, b), long: i >= CALLS });
  }

  const resumeMs: number[] = [];
  let cutsDone = 0;
  let notBack = 0;
  const t0 = performance.now();
  await Promise.all(
    pairs.map(async (pair) => {
      for (let k = 0; k < (pair.long ? 1 : CUTS); k++) {
        const slotStart = t0 + k * SLOT_MS;
        const cutMs = pair.long ? rand(GRACE + 1000, GRACE + 2000) : rand(100, GRACE - 500);
        const startAt = slotStart + rand(0, Math.max(0, SLOT_MS - cutMs - 1000));
        await sleep(Math.max(0, startAt - performance.now()));
        const s = Math.random() < 0.5 ? pair.a : pair.b;
        if (!s.loggedIn) return;
        let backAt = 0;
        const back = pair.long
          ? null
          : next(s.c, 'CRVideo_NotifyReconnecting', cutMs + GRACE + 5000, (args) => args[0] === false);
        await s.p.cut(cutMs);
        backAt = performance.now();
        cutsDone++;
        if (back) {
          try {
            await back;
            resumeMs.push(performance.now() - backAt);
          } catch {
            notBack++;
          }
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(GRACE + 3000); // long cuts: the server's grace + margin has passed for every one

  // Calls kept: the caller hangs up and the callee hears it.
  let kept = 0;
  let lostShort = 0;
  let lostLongBothTold = 0;
  let lostLongNotTold = 0;
  const lostDetail: string[] = [];
  for (const pair of pairs) {
    const told = (s: Side) => s.losses.some((l) => l.includes(pair.callID));
    if (pair.long) {
      if (told(pair.a) && told(pair.b)) lostLongBothTold++;
      else {
        lostLongNotTold++;
        lostDetail.push(`${pair.callID}: caller told ${told(pair.a)}, callee told ${told(pair.b)}`);
      }
      continue;
    }
    if (pair.a.losses.length > 0 || pair.b.losses.length > 0) {
      lostShort++;
      lostDetail.push(`${pair.callID}: caller ${pair.a.losses.join(' ')} | callee ${pair.b.losses.join(' ')}`);
      continue;
    }
    const heard = next(pair.b.c, 'CRVideo_NotifyCallHungup', 10_000).then(
      () => true,
      () => false,
    );
    pair.a.c.CRVideo_HungupCall(pair.callID, '');
    if (await heard) kept++;
    else lostDetail.push(`${pair.callID}: hang-up not heard by the callee`);
  }

  // Ghosts: an app that believes in a call the server no longer holds for it.
  let ghosts = 0;
  for (const pair of pairs) {
    for (const s of [pair.a, pair.b]) {
      if (s.believed.size === 0) continue;
      let live = new Set<string>();
      if (s.loggedIn) {
        const r = await s.c.$core.request('getLiveCalls', {}).catch(() => ({ calls: [] }));
        live = new Set(r.calls.map((c) => c.callID));
      }
      for (const id of s.believed) if (!live.has(id)) ghosts++;
    }
  }

  const result = {
    calls: CALLS,
    cutsPerCall: CUTS,
    graceMs: GRACE,
    cutLengthMs: [100, GRACE - 500],
    seconds: Number(elapsed.toFixed(1)),
    cuts: cutsDone,
    callsKept: kept,
    callsLostBelowGrace: lostShort,
    resumedNever: notBack,
    longCuts: LONG,
    longCutsEndedBothSidesTold: lostLongBothTold,
    longCutsEndedNotTold: lostLongNotTold,
    ghosts,
    resumeAfterLinkBackMs: {
      p50: Number(pct(resumeMs, 50).toFixed(0)),
      p99: Number(pct(resumeMs, 99).toFixed(0)),
      max: Number(Math.max(...resumeMs, 0).toFixed(0)),
      n: resumeMs.length,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    [
      '',
      `drops benchmark: ${CALLS} calls × ${CUTS} cuts of 0.1–${(GRACE - 500) / 1000} s (grace ${GRACE / 1000} s) over ${result.seconds} s, plus ${LONG} calls cut for grace + 1–2 s`,
      `  calls kept                    ${kept} / ${CALLS}`,
      `  calls lost below the grace    ${lostShort}`,
      `  long cuts: ended, both told   ${lostLongBothTold} / ${LONG}   (not told: ${lostLongNotTold})`,
      `  ghost calls                   ${ghosts}`,
      `  resume after link back (ms)   p50 ${result.resumeAfterLinkBackMs.p50}   p99 ${result.resumeAfterLinkBackMs.p99}   max ${result.resumeAfterLinkBackMs.max}   (${resumeMs.length} resumes, ${notBack} never)`,
      ...lostDetail.slice(0, 10).map((d) => `  ! ${d}`),
    ].join('\n'),
  );
}

let failed = false;
const stop = (sig: string) => {
  console.error(`bench:drops: ${sig}, cleaning up`);
  void cleanup().finally(() => process.exit(130));
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
try {
  await main();
} catch (err) {
  failed = true;
  console.error('bench:drops failed:', err);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
