// npm run bench:media — room media figures on loopback with Debian Chromium (fake capture devices), the
// real server and real mediasoup workers:
//   1. time from the callee's CRVideo_AcceptCall to the caller's first decoded frame of the callee's
//      camera (p50 over repeated calls; the apps react inside their pages, as a real app would);
//   2. mediasoup worker CPU and RSS with 2, 4 and 8 members sending mic + camera in one room.
// Prints JSON, then a short table. (The browsers run on the same machine: with 8 members they take most of
// the CPU, which caps what each member sends; the host's received fps and kbit/s show it.)
// Flags: --runs N (default 10)  --sizes 2,4,8  --window S (CPU sampling seconds, default 10)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Browser, chromium } from '@playwright/test';
import { type MediaServer, sleep, startMediaServer, User, until } from '../e2e/mediaHarness.js';
import config from '../e2e/playwright.config.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '2,4,8' },
    window: { type: 'string', default: '10' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const SIZES = String(values.sizes)
  .split(',')
  .map(Number)
  .filter((n) => n >= 2);
const WINDOW_S = Math.max(2, Number(values.window));

type MeetObj = { ID: number };

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function createRoom(u: User): Promise<MeetObj> {
  const since = await u.eventCount();
  await u.fn('CRVideo_CreateMeeting', 'bench', 'c');
  return (await u.waitFor('CRVideo_CreateMeetingSuccess', [], since))[0] as MeetObj;
}

/**
 * Makes a page behave like an app: enter on accept / accepted, open mic and camera once inside. Given as
 * source text: tsx would wrap function literals in a helper the page does not have.
 */
async function autoApp(u: User): Promise<void> {
  await u.page.evaluate(`(() => {
    const me = ${JSON.stringify(u.UID)};
    window.__hooks = {
      CRVideo_NotifyCallAccepted: (id, meetObj) => CRVideo_EnterMeeting3(meetObj.ID, 'auto'),
      CRVideo_AcceptCallSuccess: () => CRVideo_EnterMeeting3(window.__meet, 'auto'),
      CRVideo_EnterMeetingRslt: (code) => {
        if (code !== 0) return;
        CRVideo_OpenMic(me);
        CRVideo_OpenVideo(me);
      },
    };
  })()`);
}

/** Epoch ms (sub-ms) of a page's performance.now() value. */
function epochOf(u: User, perfNow: number): Promise<number> {
  return u.page.evaluate((t) => performance.timeOrigin + t, perfNow);
}

async function firstFrameRun(ms: MediaServer, a: User, b: User): Promise<Record<string, number>> {
  // Fresh <video> elements, so the first-frame stamp is this call's.
  for (const u of [a, b]) await u.page.evaluate(() => document.getElementById('videos')?.replaceChildren());
  const meet = await createRoom(a);
  const sinceA = await a.eventCount();
  const sinceB = await b.eventCount();
  const callID = (await a.fn('CRVideo_Call', b.UID, meet, '', 'dial')) as string;
  const [, inMeet] = await b.waitFor('CRVideo_NotifyCallIn', [callID], sinceB);
  // The callee accepts in its page; its clock starts there.
  const acceptAt = await b.page.evaluate(
    ([id, m]) => {
      const w = window as unknown as Record<string, (...a: unknown[]) => unknown> & { __meet: number };
      w.__meet = (m as MeetObj).ID;
      const t = performance.timeOrigin + performance.now();
      w.CRVideo_AcceptCall?.(id, m, '', 'accept');
      return t;
    },
    [callID, inMeet] as const,
  );
  await a.waitFor('CRVideo_NotifyCallAccepted', [callID], sinceA);
  const frame = await until('caller decodes the first frame of the callee', () =>
    a.video(b.UID).then((v) => (v && v.firstFrameAt > 0 ? v : null)),
  );
  const evA = (await a.events()).slice(sinceA);
  const at = async (name: string, prefix: unknown[] = []) => {
    const e = evA.find((x) => x.name === name && prefix.every((p, i) => x.args[i] === p));
    return e ? (await epochOf(a, e.at)) - acceptAt : Number.NaN;
  };
  const r = {
    firstFrameMs: (await epochOf(a, frame.firstFrameAt)) - acceptAt,
    acceptedMs: await at('CRVideo_NotifyCallAccepted'),
    enteredMs: await at('CRVideo_EnterMeetingRslt'),
    streamMs: await at('CRVideo_NotifyVideoStream', [b.UID]),
  };
  await a.fn('CRVideo_HungupCall', callID, '', 'bye');
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await until('room media closed', async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null));
  return r;
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep 100
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function roomLoad(ms: MediaServer, browser: Browser, n: number, tag: string): Promise<Record<string, number>> {
  const users: User[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const u = await User.open(browser, ms, `${tag}-${n}-${i}`);
      await u.login();
      users.push(u);
    }
    const [host, ...guests] = users as [User, ...User[]];
    const meet = await createRoom(host);
    await host.enter(meet.ID);
    for (const g of guests) {
      const since = await g.eventCount();
      const callID = (await host.fn('CRVideo_Call', g.UID, meet, '', 'dial')) as string;
      const [, m] = await g.waitFor('CRVideo_NotifyCallIn', [callID], since);
      await g.fn('CRVideo_AcceptCall', callID, m, '', 'accept');
      await g.waitFor('CRVideo_AcceptCallSuccess', [callID], since);
      await g.enter(meet.ID);
    }
    for (const u of users) await u.openMicAndCamera();
    const want = n * (n - 1) * 2;
    await until(
      `${n} members: ${want} consumers`,
      async () => {
        const r = (await ms.plane.stats()).rooms.find((x) => x.meetID === meet.ID);
        return r && r.consumers === want && r.producers === 2 * n ? r : null;
      },
      60_000,
    );
    await sleep(3000); // let bitrates ramp up
    const pid = ms.plane.workerPidOf(meet.ID);
    if (!pid) throw new Error('room has no worker');
    const received = async () => {
      const st = (await host.fn('CRVideo_GetMediaStats')) as {
        members: Record<string, { audio: { bytesReceived: number } | null; video: { bytesReceived: number } | null }>;
      };
      return Object.values(st.members).reduce(
        (sum, m) => sum + (m.audio?.bytesReceived ?? 0) + (m.video?.bytesReceived ?? 0),
        0,
      );
    };
    const bytes0 = await received();
    const t0 = cpuTicks(pid);
    const s0 = Date.now();
    let rssMax = 0;
    while (Date.now() - s0 < WINDOW_S * 1000) {
      await sleep(500);
      rssMax = Math.max(rssMax, rssMB(pid));
    }
    const seconds = (Date.now() - s0) / 1000;
    const cpu = ((cpuTicks(pid) - t0) / clkTck / seconds) * 100;
    const hostKbps = (((await received()) - bytes0) * 8) / 1000 / seconds;
    const stats = (await host.fn('CRVideo_GetMediaStats')) as {
      members: Record<string, { video: { framesPerSecond?: number } | null }>;
    };
    const fps = Object.values(stats.members).map((m) => m.video?.framesPerSecond ?? 0);
    for (const u of users) await u.fn('CRVideo_ExitMeeting');
    await until('room media closed', async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null));
    return {
      members: n,
      workerCpuPercent: round(cpu),
      workerRssMB: round(rssMax),
      producers: 2 * n,
      consumers: want,
      hostReceivedFps: round(fps.reduce((x, y) => x + y, 0) / Math.max(1, fps.length)),
      hostReceivedKbps: Math.round(hostKbps),
    };
  } finally {
    for (const u of users) await u.close();
  }
}

async function main(): Promise<void> {
  const ms = await startMediaServer({ numWorkers: 1 });
  const browser = await chromium.launch(config.use?.launchOptions ?? {});
  try {
    const idlePid = ms.plane.workerPids()[0] as number;
    const idleRss = rssMB(idlePid);

    const a = await User.open(browser, ms, 'bench-caller');
    const b = await User.open(browser, ms, 'bench-callee');
    await a.login();
    await b.login();
    await autoApp(a);
    await autoApp(b);
    // One warm-up call (first getUserMedia and codec start-up in this browser), not counted.
    await firstFrameRun(ms, a, b);
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await firstFrameRun(ms, a, b));
    await a.close();
    await b.close();
    const sorted = (k: string) => runs.map((r) => r[k] as number).sort((x, y) => x - y);
    const ff = sorted('firstFrameMs');
    const firstFrame = {
      runs: RUNS,
      p50: round(pct(ff, 50)),
      p90: round(pct(ff, 90)),
      min: round(ff[0] as number),
      max: round(ff.at(-1) as number),
      p50Breakdown: {
        callerToldAccepted: round(pct(sorted('acceptedMs'), 50)),
        callerEntered: round(pct(sorted('enteredMs'), 50)),
        callerGotStream: round(pct(sorted('streamMs'), 50)),
        firstFrame: round(pct(ff, 50)),
      },
      targetMs: 300,
    };

    const rooms: Record<string, number>[] = [];
    for (const n of SIZES) rooms.push(await roomLoad(ms, browser, n, 'load'));

    const result = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      firstFrameAfterAccept: firstFrame,
      worker: { idleRssMB: round(idleRss), sampleWindowS: WINDOW_S, rooms },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('\nfirst decoded remote frame after AcceptCall (caller side)');
    console.log(
      `  p50 ${firstFrame.p50} ms   p90 ${firstFrame.p90} ms   min ${firstFrame.min}   max ${firstFrame.max}   (${RUNS} calls, target < 300 ms)`,
    );
    console.log(
      `  p50 steps: accepted ${firstFrame.p50Breakdown.callerToldAccepted} → entered ${firstFrame.p50Breakdown.callerEntered} → stream ${firstFrame.p50Breakdown.callerGotStream} → frame ${firstFrame.p50Breakdown.firstFrame} ms`,
    );
    console.log(`\nmediasoup worker with N members sending mic + camera (idle RSS ${round(idleRss)} MB)`);
    const cols = [
      ['members', 'members'],
      ['worker CPU %', 'workerCpuPercent'],
      ['worker RSS MB', 'workerRssMB'],
      ['producers', 'producers'],
      ['consumers', 'consumers'],
      ['host recv fps', 'hostReceivedFps'],
      ['host recv kbit/s', 'hostReceivedKbps'],
    ] as const;
    console.log(`  ${cols.map(([h]) => h).join('  ')}`);
    for (const r of rooms) console.log(`  ${cols.map(([h, k]) => String(r[k]).padStart(h.length)).join('  ')}`);
  } finally {
    await browser.close();
    await ms.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
