// npm run bench:media — room media figures on loopback with Debian Chromium (fake capture devices), the
// real server and real mediasoup workers. Every figure is measured beside "today" in the same run: today
// is the SDK as it was before issue 15 (media set up after the answer, one full-size camera stream, no
// Opus FEC/DTX); "new" its defaults (ring-time preparation, camera preview opened on ring, VP8 simulcast
// with tile-sized layers); "svc" new with VP9 SVC cameras (CRVideo_SetMediaOptions({ svc: true })).
//   1. time from the callee's CRVideo_AcceptCall to the caller's first decoded frame of the callee's
//      camera: p50 / p90 over --runs calls per mode (default 20), interleaved, with the stages; besides
//      today / new / svc, "vp8" (new with one VP8 stream instead of simulcast) as the reference;
//   2. a room of --room members (default 9, one Chromium page each, joined one after the other with
//      retries) sending a 640 × 360 camera at 15 fps (no mic, nothing rendered: see ROOM_AUDIO), each
//      telling its SDK it shows the others as 320 × 180 tiles: bytes/s each member sends and receives,
//      worker CPU %, frames/s received per tile;
//   3. a call whose packets into the SFU lose --loss % (default 10; a lossy UDP relay, scripts/lossyUdpProxy.ts):
//      audio concealment and video freezes at the receiver, Opus in-band FEC + DTX off vs on, with a
//      synthesised speech-like fake mic (scripts/speechWav.ts) and with Chromium's default beep;
//   4. optionally (--sizes 2,4,8) the older worker CPU/RSS table per room size.
// --quick: 5 calls per mode, a 4-member room, 5 s windows. --only frame,room,loss,sizes picks sections.
// --trace: the first-frame section also says where each call's time went (p50Trace): the SFU's own
// resume / PLI / key frame events of the callee's camera and of the caller's consumer of it, when the
// caller's receiver saw its first packet, and the first frame's rVFC metadata (receive, decode, present);
// with OUTLIERS=1 in the environment it prints every SFU event of a call whose first frame took > 400 ms.
// DEBUG_ROOM=1: the room section prints the state of every video consumer in the SFU and each member's
// frames per tile in the window.
// Prints JSON, then short tables. Everything it starts is closed at the end, on failure and on Ctrl+C.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, chromium } from '@playwright/test';
import { type MediaServer, sleep, startMediaServer, User, until } from '../e2e/mediaHarness.js';
import config from '../e2e/playwright.config.js';
import { freeUdpPort, type LossyUdpProxy, startLossyUdpProxy } from './lossyUdpProxy.js';
import { speechLikePcm, writeWav } from './speechWav.js';

const { values } = parseArgs({
  options: {
    // --quick: 5 calls per mode, a 4-member room, 5 s windows (a smoke run; the defaults give the issue's figures).
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    room: { type: 'string' },
    loss: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '' },
    window: { type: 'string' },
    only: { type: 'string', default: 'frame,room,loss,sizes' },
    // Modes of the room section (each fills a room of --room pages: minutes on a loaded machine).
    'room-modes': { type: 'string', default: 'today,new,svc' },
    // Modes of the first-frame section (`--frame-modes new` repeats one mode, e.g. to chase a slow case).
    'frame-modes': { type: 'string', default: 'today,new,svc,vp8' },
    // First frame: also poll both pages' WebRTC stats every 5 ms around the accept (where the time goes).
    trace: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick === true;
const RUNS = Math.max(1, Number(values.runs ?? (QUICK ? 5 : 20)));
const ROOM = Math.max(2, Number(values.room ?? (QUICK ? 4 : 9)));
const LOSS = Math.max(0, Math.min(100, Number(values.loss)));
const SIZES = String(values.sizes)
  .split(',')
  .map(Number)
  .filter((n) => n >= 2);
const WINDOW_S = Math.max(2, Number(values.window ?? (QUICK ? 5 : 10)));

/** What this run started and has not closed yet, closed newest first on failure or Ctrl+C. */
const open = new Set<() => Promise<unknown>>();
async function closeAll(): Promise<void> {
  for (const close of [...open].reverse()) {
    open.delete(close);
    await close().catch(() => undefined);
  }
}
/** Registers `close` for an interruption; returns the call that closes it now (once) and forgets it. */
function track(close: () => Promise<unknown>): () => Promise<void> {
  open.add(close);
  return async () => {
    if (open.delete(close)) await close().catch(() => undefined);
  };
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    console.error(`bench:media: ${sig}, closing the browsers, servers and relays it started`);
    void closeAll().finally(() => process.exit(130));
  });
}
const ONLY = new Set(String(values.only).split(','));
const TRACE = values.trace === true;

/**
 * --trace, in the caller's page: keeps the page's RTCPeerConnections and, from `__tracePoll()`, polls the
 * video receivers' synchronization sources every 2 ms for 1.5 s (`firstVideoPacket`: when the receiver
 * first knew a packet of the callee's camera). getStats is no use here: Chromium caches it for 50 ms.
 */
const TRACE_PAGE = `(() => {
  const pcs = [];
  const Orig = window.RTCPeerConnection;
  const Wrapped = function (...args) { const pc = new Orig(...args); pcs.push(pc); return pc; };
  Wrapped.prototype = Orig.prototype;
  Object.setPrototypeOf(Wrapped, Orig);
  window.RTCPeerConnection = Wrapped;
  window.__tracePoll = () => {
    const marks = {};
    window.__traceMarks = marks;
    const t0 = performance.now();
    const tick = () => {
      for (const pc of pcs) {
        if (pc.signalingState === 'closed') continue;
        for (const r of pc.getReceivers()) {
          if (r.track?.kind !== 'video' || !r.getSynchronizationSources().length) continue;
          if (!('firstVideoPacket' in marks)) marks.firstVideoPacket = performance.now();
        }
      }
      if (performance.now() - t0 < 1500) setTimeout(tick, 2);
    };
    tick();
  };
})()`;

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
 * today: no preparation, one camera stream; new: the SDK's defaults; svc: new with VP9 SVC cameras;
 * vp8: new with one VP8 camera stream instead of simulcast (the first-frame reference: one key frame).
 */
type Mode = 'today' | 'new' | 'svc' | 'vp8';
const MODES: readonly Mode[] = ['today', 'new', 'svc'];
const FRAME_MODES: readonly Mode[] = (['today', 'new', 'svc', 'vp8'] as const).filter((m) =>
  String(values['frame-modes']).split(',').includes(m),
);

/** The SDK options of a mode (set in the page before anything else happens). */
async function setMode(u: User, mode: Mode): Promise<void> {
  const on = mode !== 'today';
  await u.fn('CRVideo_SetMediaOptions', { prepareOnRing: on, simulcast: on && mode !== 'vp8', svc: mode === 'svc' });
}

/**
 * Makes a page behave like an app: enter on accept / accepted, open mic and camera once inside. In the
 * "new" mode the app opens its camera preview as the call rings (callee on NotifyCallIn, caller on
 * CallSuccess), as the issue's fast start expects. Given as source text: tsx would wrap function
 * literals in a helper the page does not have.
 */
async function autoApp(u: User, mode: Mode): Promise<void> {
  await setMode(u, mode);
  await u.page.evaluate(`(() => {
    const me = ${JSON.stringify(u.UID)};
    const preview = ${JSON.stringify(mode !== 'today')};
    const open = () => {
      CRVideo_OpenMic(me);
      CRVideo_OpenVideo(me);
    };
    // Like CRVideo Phone's own app, this one does not take the remote mix (NotifyAudioStream): the SDK
    // then makes none (it plays every member itself).
    CRVideo_NotifyAudioStream.callback = null;
    window.__hooks = {
      CRVideo_NotifyCallIn: () => { if (preview) open(); },
      CRVideo_CallSuccess: () => { if (preview) open(); },
      CRVideo_NotifyCallAccepted: (id, meetObj) => CRVideo_EnterMeeting3(meetObj.ID, 'auto'),
      CRVideo_AcceptCallSuccess: () => CRVideo_EnterMeeting3(window.__meet, 'auto'),
      CRVideo_EnterMeetingRslt: (code) => {
        if (code !== 0) return;
        open();
      },
    };
  })()`);
}

/** Epoch ms (sub-ms) of a page's performance.now() value. */
function epochOf(u: User, perfNow: number): Promise<number> {
  return u.page.evaluate((t) => performance.timeOrigin + t, perfNow);
}

async function firstFrameRun(ms: MediaServer, a: User, b: User, mode: Mode): Promise<Record<string, number>> {
  await autoApp(a, mode);
  await autoApp(b, mode);
  // Fresh <video> elements, so the first-frame stamp is this call's.
  for (const u of [a, b]) await u.page.evaluate(() => document.getElementById('videos')?.replaceChildren());
  const meet = await createRoom(a);
  const sinceA = await a.eventCount();
  const sinceB = await b.eventCount();
  const callID = (await a.fn('CRVideo_Call', b.UID, meet, '', 'dial')) as string;
  const [, inMeet] = await b.waitFor('CRVideo_NotifyCallIn', [callID], sinceB);
  // A callee takes a moment to answer: the ring-time work (if any) happens meanwhile, as in real use.
  await sleep(700);
  // The callee accepts in its page; its clock starts there.
  if (TRACE) await a.page.evaluate('window.__tracePoll()');
  sfuMarks.length = 0;
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
  const frame = await until(
    'caller decodes the first frame of the callee',
    () => a.video(b.UID).then((v) => (v && v.firstFrameAt > 0 ? v : null)),
    60_000,
  ).catch(async (err: unknown) => {
    // What each side heard since the dial, and what the SFU holds: where the missing frame got stuck.
    const names = async (u: User, since: number) =>
      (await u.events())
        .slice(since)
        .map((e) => `${e.name.replace('CRVideo_', '')}(${e.args.map((x) => JSON.stringify(x)).join(',')})`)
        .join(' ');
    console.error(`  caller heard: ${await names(a, sinceA)}`);
    console.error(`  callee heard: ${await names(b, sinceB)}`);
    console.error(`  SFU: ${JSON.stringify((await ms.plane.stats()).totals)}`);
    await endCall(ms, a, b, callID);
    throw err;
  });
  const evA = (await a.events()).slice(sinceA);
  const calleeEntered = (await b.events('CRVideo_EnterMeetingRslt')).filter((e) => e.args[0] === 0).at(-1);
  const at = async (name: string, prefix: unknown[] = []) => {
    const e = evA.find((x) => x.name === name && prefix.every((p, i) => x.args[i] === p));
    return e ? (await epochOf(a, e.at)) - acceptAt : Number.NaN;
  };
  const traced: Record<string, number> = {};
  if (TRACE) {
    const marks = (await a.page.evaluate('window.__traceMarks || {}')) as Record<string, number>;
    for (const [k, t] of Object.entries(marks)) traced[`caller.${k}`] = (await epochOf(a, t)) - acceptAt;
    for (const m of sfuMarks) if (!(`sfu.${m.what}` in traced)) traced[`sfu.${m.what}`] = m.at - acceptAt;
    if (process.env.OUTLIERS && (await epochOf(a, frame.firstFrameAt)) - acceptAt > 400) {
      console.log(
        `outlier: ${sfuMarks.map((m) => `${m.what}${m.ssrc ? `[${m.ssrc % 1000}]` : ''}@${round(m.at - acceptAt)}`).join(' ')}`,
      );
    }
    const meta = (await a.page.evaluate(
      `(() => { const v = document.getElementById('v-' + ${JSON.stringify(b.UID)}); return v && v.__firstMeta; })()`,
    )) as Record<string, number | undefined> | null;
    for (const k of ['receiveTime', 'presentationTime', 'now'] as const) {
      const t = meta?.[k];
      if (typeof t === 'number') traced[`caller.frame.${k}`] = (await epochOf(a, t)) - acceptAt;
    }
    if (typeof meta?.processingDuration === 'number') traced['caller.frame.decodeMs'] = meta.processingDuration * 1000;
  }
  const r = {
    ...traced,
    firstFrameMs: (await epochOf(a, frame.firstFrameAt)) - acceptAt,
    acceptedMs: await at('CRVideo_NotifyCallAccepted'),
    calleeEnteredMs: calleeEntered ? (await epochOf(b, calleeEntered.at)) - acceptAt : Number.NaN,
    enteredMs: await at('CRVideo_EnterMeetingRslt'),
    streamMs: await at('CRVideo_NotifyVideoStream', [b.UID]),
  };
  await endCall(ms, a, b, callID);
  return r;
}

async function endCall(ms: MediaServer, a: User, b: User, callID: string): Promise<void> {
  await a.fn('CRVideo_HungupCall', callID, '', 'bye');
  for (const u of [a, b]) {
    await u.fn('CRVideo_ExitMeeting');
    await u.fn('CRVideo_CloseMic', u.UID);
    await u.fn('CRVideo_CloseVideo', u.UID);
  }
  await until('room media closed', async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null), 60_000);
}

function summary(runs: Record<string, number>[]): Record<string, unknown> {
  const sorted = (k: string) => runs.map((r) => r[k] as number).sort((x, y) => x - y);
  const ff = sorted('firstFrameMs');
  return {
    runs: runs.length,
    p50: round(pct(ff, 50)),
    p90: round(pct(ff, 90)),
    min: round(ff[0] as number),
    max: round(ff.at(-1) as number),
    p50Steps: {
      callerToldAccepted: round(pct(sorted('acceptedMs'), 50)),
      calleeEntered: round(pct(sorted('calleeEnteredMs'), 50)),
      callerEntered: round(pct(sorted('enteredMs'), 50)),
      callerGotStream: round(pct(sorted('streamMs'), 50)),
      firstFrame: round(pct(ff, 50)),
    },
    // --trace: each SFU event and caller-side stage after the accept (p50, calls that had it, min–max).
    ...(TRACE
      ? {
          p50Trace: Object.fromEntries(
            [...new Set(runs.flatMap((r) => Object.keys(r).filter((k) => /^(caller|sfu)\./.test(k))))]
              .map((k) => {
                const v = runs
                  .map((r) => r[k])
                  .filter((x): x is number => typeof x === 'number')
                  .sort((x, y) => x - y);
                return [
                  k,
                  `${round(pct(v, 50))} (${v.length}) ${round(v[0] ?? Number.NaN)}–${round(v.at(-1) ?? Number.NaN)}`,
                ] as const;
              })
              .sort((x, y) => Number.parseFloat(x[1]) - Number.parseFloat(y[1])),
          ),
        }
      : {}),
  };
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
    const [host] = users as [User, ...User[]];
    const meet = await fillRoom(ms, users, 'new');
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
      consumers: n * (n - 1) * 2,
      hostReceivedFps: round(fps.reduce((x, y) => x + y, 0) / Math.max(1, fps.length)),
      hostReceivedKbps: Math.round(hostKbps),
    };
  } finally {
    for (const u of users) await u.close();
  }
}

/**
 * Joins `users` into one room (the first calls the others in), everyone sending their camera and (with
 * `audio`) their mic. Without `audio` the pages also show no video (`__noRender`): their SDK still
 * receives and decodes every member (the figures come from its stats), without the audio and
 * compositing nine pages cannot all have on two cores.
 */
async function fillRoom(
  ms: MediaServer,
  users: User[],
  mode: Mode,
  capture?: RoomCapture,
  audio = true,
): Promise<MeetObj> {
  const [host, ...guests] = users as [User, ...User[]];
  const perMember = audio ? 2 : 1;
  for (const u of users) {
    if (!audio) await u.page.evaluate('window.__noRender = true');
    await setMode(u, mode);
    if (capture) await u.fn('CRVideo_SetVideoCfg', capture);
    // An app like CRVideo Phone's: it does not take the remote mix, so the SDK makes none.
    await u.page.evaluate('CRVideo_NotifyAudioStream.callback = null');
  }
  const meet = await createRoom(host);
  await host.enter(meet.ID);
  const roomNow = async () => (await ms.plane.stats()).rooms.find((x) => x.meetID === meet.ID);
  // One member after the other, each with a few attempts: on a loaded machine a page may miss its ring.
  for (const g of guests) {
    for (let attempt = 1; ; attempt++) {
      try {
        const since = await g.eventCount();
        const callID = (await host.fn('CRVideo_Call', g.UID, meet, '', 'dial')) as string;
        const [, m] = await g.waitFor('CRVideo_NotifyCallIn', [callID], since);
        await g.fn('CRVideo_AcceptCall', callID, m, '', 'accept');
        await g.waitFor('CRVideo_AcceptCallSuccess', [callID], since);
        await g.enter(meet.ID);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        console.error(`room: ${g.UID} did not get in (attempt ${attempt}): ${String(err)}; again`);
        await g.fn('CRVideo_ExitMeeting').catch(() => undefined);
        await sleep(2000);
      }
    }
  }
  // Mics and cameras one member at a time: each waits until its two producers exist.
  for (const [i, u] of users.entries()) {
    if (audio) await u.fn('CRVideo_OpenMic', u.UID);
    await u.fn('CRVideo_OpenVideo', u.UID);
    await until(
      `${u.UID}'s mic and camera produced`,
      async () => ((await roomNow())?.producers ?? 0) >= perMember * (i + 1) || null,
      120_000,
    ).catch(async (err: unknown) => {
      // What the page was told last, to see where it stopped.
      const noisy = new Set(['CRVideo_MicEnergyUpdate', 'CRVideo_NotifyActiveSpeaker', 'CRVideo_NetStateChanged']);
      const last = (await u.events())
        .filter((e) => !noisy.has(e.name))
        .slice(-10)
        .map((e) => `${e.name}(${JSON.stringify(e.args).slice(0, 80)})`);
      const sent = await stats(u).then(
        (s) => JSON.stringify(s.sent),
        (e: unknown) => String(e),
      );
      const room = JSON.stringify(await roomNow());
      throw new Error(`${String(err)}; room ${room}; ${u.UID} sends ${sent}; its last callbacks: ${last.join(' ')}`);
    });
  }
  const n = users.length;
  const want = n * (n - 1) * perMember;
  await until(
    `${n} members: ${want} consumers`,
    async () => {
      const r = await roomNow();
      return r && r.consumers === want && r.producers === perMember * n ? r : null;
    },
    // Nine Chromium pages starting their cameras and codecs on a loaded 2-core machine take minutes.
    600_000,
  );
  return meet;
}

/**
 * The fake cameras of a room benchmark (CRVideo_SetVideoCfg): the SDK's default size and rate. Chromium
 * sends two simulcast layers of it (320 × 180 and 640 × 360); a 320 × 180 camera gets one layer only.
 */
type RoomCapture = { width: number; height: number; fps: number };
const ROOM_CAPTURE: RoomCapture = { width: 640, height: 360, fps: 15 };
/**
 * Room members send no audio and render no video: with mics and <video> tiles, nine pages on the 2-core
 * machine get a third of the CPU they need (load average 5–6 in the window), their encoders adapt down to
 * under a frame a second and mediasoup sees their streams as inactive, so the figures measured the
 * overload, not the SFU.
 */
const ROOM_AUDIO = false;

type Stats = {
  sent: { audio: { bytesSent: number } | null; video: { bytesSent: number } | null };
  members: Record<
    string,
    {
      audio: {
        bytesReceived: number;
        packetsReceived: number;
        packetsLost: number;
        totalSamplesReceived?: number;
        concealedSamples?: number;
        silentConcealedSamples?: number;
        concealmentEvents?: number;
        fecPacketsReceived?: number;
      } | null;
      video: {
        bytesReceived: number;
        framesDecoded?: number;
        frameHeight?: number;
        freezeCount?: number;
        packetsLost: number;
        packetsReceived: number;
      } | null;
    }
  >;
};

const stats = (u: User) => u.fn('CRVideo_GetMediaStats') as Promise<Stats>;
const sentBytes = (s: Stats) => (s.sent.audio?.bytesSent ?? 0) + (s.sent.video?.bytesSent ?? 0);
const recvBytes = (s: Stats) =>
  Object.values(s.members).reduce((n, m) => n + (m.audio?.bytesReceived ?? 0) + (m.video?.bytesReceived ?? 0), 0);

/**
 * A room of `n` members in a mode (today: one full-size camera stream each; new: simulcast; svc: VP9
 * SVC). Every member shows the others as 320 × 180 thumbnails
 * (a 3 × 3 grid of a 1280 × 720 window is about that) and tells the SDK so; measured over WINDOW_S.
 */
async function roomFigures(
  ms: MediaServer,
  browser: Browser,
  n: number,
  mode: Mode,
): Promise<Record<string, number | string>> {
  const users: User[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const u = await User.open(browser, ms, `room-${mode}-${i}`);
      await u.login();
      users.push(u);
    }
    const meet = await fillRoom(ms, users, mode, ROOM_CAPTURE, ROOM_AUDIO);
    for (const u of users) for (const o of users) if (o !== u) await u.fn('CRVideo_SetVideoTileSize', o.UID, 320, 180);
    await sleep(4000); // let bitrates and layers settle
    const pid = ms.plane.workerPidOf(meet.ID);
    if (!pid) throw new Error('room has no worker');
    const before = await Promise.all(users.map(stats));
    const t0 = cpuTicks(pid);
    const s0 = Date.now();
    await sleep(WINDOW_S * 1000);
    const seconds = (Date.now() - s0) / 1000;
    const cpu = ((cpuTicks(pid) - t0) / clkTck / seconds) * 100;
    const after = await Promise.all(users.map(stats));
    if (process.env.DEBUG_ROOM) {
      const rows: Record<string, number> = {};
      for (const c of debugConsumers) {
        if (c.closed || c.kind !== 'video') continue;
        const k = `paused=${c.paused} producerPaused=${c.producerPaused} layer=${c.currentLayers?.spatialLayer ?? '-'} score=${c.score.producerScore}/${c.score.score}`;
        rows[k] = (rows[k] ?? 0) + 1;
      }
      console.log('video consumers:', rows);
      after.forEach((s, i) => {
        const b = before[i] as Stats;
        const f = Object.entries(s.members).map(
          ([UID, m]) =>
            `${UID.slice(-1)}:${(m.video?.framesDecoded ?? 0) - (b.members[UID]?.video?.framesDecoded ?? 0)}`,
        );
        console.log(`member ${i} frames in window: ${f.join(' ')}`);
      });
    }
    let sent = 0;
    let recv = 0;
    const fps: number[] = [];
    const heights: number[] = [];
    // A member whose counters went back re-made its transports during the window (its page lost its
    // link and came back): its figures say nothing, and the row says how many members were measured.
    let restarted = 0;
    after.forEach((s, i) => {
      const b = before[i] as Stats;
      if (sentBytes(s) < sentBytes(b) || recvBytes(s) < recvBytes(b)) {
        restarted++;
        return;
      }
      sent += sentBytes(s) - sentBytes(b);
      recv += recvBytes(s) - recvBytes(b);
      for (const [UID, m] of Object.entries(s.members)) {
        const frames = (m.video?.framesDecoded ?? 0) - (b.members[UID]?.video?.framesDecoded ?? 0);
        fps.push(frames / seconds);
        if (m.video?.frameHeight) heights.push(m.video.frameHeight);
      }
    });
    for (const u of users) await u.fn('CRVideo_ExitMeeting');
    // The figures are taken; a room that does not close is reported with what the SFU still holds.
    const closed = await until(
      'room media closed',
      async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null),
      120_000,
    ).catch(async (err: unknown) => {
      console.error(`room, ${mode}: ${String(err)}; the SFU holds ${JSON.stringify(await ms.plane.stats())}`);
      return false;
    });
    fps.sort((x, y) => x - y);
    return {
      roomClosedAfterExit: closed ? 'yes' : 'NO',
      membersMeasured: n - restarted,
      loadAverage: round(loadavg()[0] ?? 0),
      members: n,
      mode,
      sentKBpsPerMember: round(sent / Math.max(1, n - restarted) / seconds / 1000),
      receivedKBpsPerMember: round(recv / Math.max(1, n - restarted) / seconds / 1000),
      workerCpuPercent: round(cpu),
      fpsPerTileMean: round(fps.reduce((x, y) => x + y, 0) / Math.max(1, fps.length)),
      fpsPerTileP10: round(pct(fps, 10)),
      receivedHeightMean: round(heights.reduce((x, y) => x + y, 0) / Math.max(1, heights.length), 0),
    };
  } finally {
    for (const u of users) await u.close();
  }
}

/**
 * A two-member call whose packets into the SFU lose `loss` % on the way: the media server announces
 * 127.0.0.2 as its ICE address, where a relay in this process drops that share of what clients send
 * (this kernel has no netem qdisc, and DevTools' packetLoss emulation does not reach WebRTC sockets).
 * Figures at the receiver, which gets the sender's media as the SFU got it (video retransmissions and
 * FEC recover what they can).
 */
async function lossFigures(
  browser: Browser,
  loss: number,
  fecDtx: boolean,
  mic: 'tone' | 'speech',
): Promise<Record<string, number | string>> {
  const port = await freeUdpPort(['127.0.0.1', '127.0.0.2']);
  const ms = await startMediaServer({
    numWorkers: 1,
    announcedAddress: '127.0.0.2',
    rtcMinPort: port,
    rtcMaxPort: port,
    enableTcp: false,
  });
  const closeServer = track(() => ms.close());
  const users: User[] = [];
  let proxy: LossyUdpProxy | undefined;
  let closeProxy = async () => {};
  try {
    const relay = await startLossyUdpProxy({ listenHost: '127.0.0.2', targetHost: '127.0.0.1', port });
    proxy = relay;
    closeProxy = track(() => relay.close());
    for (const name of ['loss-tx', 'loss-rx']) {
      const u = await User.open(browser, ms, `${name}-${fecDtx ? 'fec' : 'nofec'}`);
      await u.login();
      await u.fn('CRVideo_SetMediaOptions', { opusFecDtx: fecDtx });
      users.push(u);
    }
    const [tx, rx] = users as [User, User];
    await fillRoom(ms, users, 'new');
    proxy.setLoss(loss);
    await sleep(2000);
    const b = (await stats(rx)).members[tx.UID];
    const up0 = { ...proxy.counts };
    await sleep(WINDOW_S * 1000);
    const a = (await stats(rx)).members[tx.UID];
    const relayed = proxy.counts.up - up0.up;
    const dropped = proxy.counts.upDropped - up0.upDropped;
    const d = (k: string, kind: 'audio' | 'video') =>
      ((a?.[kind] as Record<string, number> | null)?.[k] ?? 0) -
      ((b?.[kind] as Record<string, number> | null)?.[k] ?? 0);
    const audioPackets = d('packetsReceived', 'audio') + d('packetsLost', 'audio');
    const videoPackets = d('packetsReceived', 'video') + d('packetsLost', 'video');
    for (const u of users) await u.fn('CRVideo_ExitMeeting');
    await until('room media closed', async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null));
    const concealed = d('concealedSamples', 'audio');
    const silent = d('silentConcealedSamples', 'audio');
    const samples = Math.max(1, d('totalSamplesReceived', 'audio'));
    return {
      mic,
      fecDtx: fecDtx ? 1 : 0,
      droppedPercent: round((100 * dropped) / Math.max(1, relayed)),
      audioLossPercent: round((100 * d('packetsLost', 'audio')) / Math.max(1, audioPackets)),
      concealedPercent: round((100 * concealed) / samples, 2),
      // Concealment that was heard: not the comfort noise of silences (DTX) the receiver fills in.
      audibleConcealedPercent: round((100 * (concealed - silent)) / samples, 2),
      concealmentEvents: d('concealmentEvents', 'audio'),
      fecPacketsRecovered: d('fecPacketsReceived', 'audio'),
      videoLossPercent: round((100 * d('packetsLost', 'video')) / Math.max(1, videoPackets)),
      videoFreezes: d('freezeCount', 'video'),
      videoFps: round(d('framesDecoded', 'video') / WINDOW_S),
    };
  } finally {
    for (const u of users) await u.close().catch(() => undefined);
    await closeProxy();
    await closeServer();
  }
}

function table(
  title: string,
  rows: Record<string, number | string>[],
  cols: readonly (readonly [string, string])[],
): void {
  console.log(`\n${title}`);
  console.log(`  ${cols.map(([h]) => h).join('  ')}`);
  for (const r of rows) console.log(`  ${cols.map(([h, k]) => String(r[k]).padStart(h.length)).join('  ')}`);
}

/** Prints the tables of what `result` holds so far (each section as soon as it is measured). */
function printTables(result: Record<string, unknown>): void {
  const ff = result.firstFrameAfterAccept as
    | Record<
        Mode,
        { p50: number; p90: number; min: number; max: number; runs: number; p50Steps: Record<string, number> }
      >
    | undefined;
  if (ff) {
    console.log('\nfirst decoded remote frame after AcceptCall (caller side), target p50 < 150 ms, p90 < 200 ms');
    for (const mode of FRAME_MODES) {
      const f = ff[mode];
      if (!f) continue;
      const st = f.p50Steps;
      console.log(
        `  ${mode.padEnd(5)}  p50 ${f.p50} ms  p90 ${f.p90} ms  min ${f.min}  max ${f.max}  (${f.runs} calls)  p50 steps: caller told accepted ${st.callerToldAccepted} · callee entered ${st.calleeEntered} · caller entered ${st.callerEntered} · stream ${st.callerGotStream} · frame ${st.firstFrame}`,
      );
    }
  }
  const room = result.room as { rows: Record<string, number | string>[] } | undefined;
  if (room)
    table(
      `a ${ROOM}-member room, every member sending ${ROOM_AUDIO ? 'mic + ' : ''}camera (${ROOM_CAPTURE.width}x${ROOM_CAPTURE.height} at ${ROOM_CAPTURE.fps} fps), tiles 320x180 (today: no simulcast)`,
      room.rows,
      [
        ['mode ', 'mode'],
        ['sent kB/s/member', 'sentKBpsPerMember'],
        ['recv kB/s/member', 'receivedKBpsPerMember'],
        ['worker CPU %', 'workerCpuPercent'],
        ['fps/tile mean', 'fpsPerTileMean'],
        ['fps/tile p10', 'fpsPerTileP10'],
        ['recv height', 'receivedHeightMean'],
        ['measured', 'membersMeasured'],
        ['load', 'loadAverage'],
      ],
    );
  const loss = result.loss as { rows: Record<string, number | string>[] } | undefined;
  if (loss)
    table(`a call with ${LOSS} % of the sender's packets dropped (receiver side, ${WINDOW_S} s)`, loss.rows, [
      ['mic   ', 'mic'],
      ['FEC+DTX', 'fecDtx'],
      ['dropped %', 'droppedPercent'],
      ['audio loss %', 'audioLossPercent'],
      ['concealed %', 'concealedPercent'],
      ['audible concealed %', 'audibleConcealedPercent'],
      ['conceal events', 'concealmentEvents'],
      ['FEC recovered', 'fecPacketsRecovered'],
      ['video loss %', 'videoLossPercent'],
      ['video freezes', 'videoFreezes'],
      ['video fps', 'videoFps'],
    ]);
  const worker = result.worker as { rooms: Record<string, number>[] } | undefined;
  if (worker)
    table('mediasoup worker with N members sending mic + camera', worker.rooms, [
      ['members', 'members'],
      ['worker CPU %', 'workerCpuPercent'],
      ['worker RSS MB', 'workerRssMB'],
      ['consumers', 'consumers'],
      ['host recv fps', 'hostReceivedFps'],
      ['host recv kbit/s', 'hostReceivedKbps'],
    ]);
}

/** One section: its figures (or its error, the others still run) go into `result` and are printed at once. */
async function section(result: Record<string, unknown>, key: string, measure: () => Promise<unknown>): Promise<void> {
  const at = Date.now();
  try {
    result[key] = await measure();
    printTables({ [key]: result[key] });
  } catch (err) {
    result[key] = { error: String((err as Error)?.stack ?? err) };
    process.exitCode = 1;
    console.error(`\n${key}: failed after ${round((Date.now() - at) / 1000)} s: ${String(err)}`);
  }
}

/** --trace: the SFU's own key frame and PLI events (epoch ms), from every producer and consumer. */
const sfuMarks: { at: number; what: string; ssrc?: number }[] = [];
/** Calls `fn` with every transport the SFU of this process makes from now on (workers made later too). */
async function onEachTransport(fn: (t: import('mediasoup').types.Transport) => void): Promise<void> {
  const mediasoup = await import('mediasoup');
  mediasoup.observer.on('newworker', (w) => w.observer.on('newrouter', (r) => r.observer.on('newtransport', fn)));
}

async function traceSfu(): Promise<void> {
  const now = () => performance.timeOrigin + performance.now();
  await onEachTransport((t) => {
    // Whose: the callee's camera (producer) and the caller's view of it (consumer) are the first frame's path.
    const who = String(t.appData.UID).includes('callee') ? 'callee' : 'caller';
    t.observer.on('newproducer', (p) => {
      if (p.kind !== 'video') return;
      void p.enableTraceEvent(['keyframe', 'pli', 'fir']);
      p.on('trace', (ev) => {
        const info = ev.info as { ssrc?: number; rtpPacket?: { ssrc?: number } };
        sfuMarks.push({ at: now(), what: `${who}Producer.${ev.type}`, ssrc: info.ssrc ?? info.rtpPacket?.ssrc });
      });
      p.observer.on('resume', () => sfuMarks.push({ at: now(), what: `${who}Producer.resume` }));
    });
    t.observer.on('newconsumer', (c) => {
      if (c.kind !== 'video') return;
      void c.enableTraceEvent(['keyframe', 'pli', 'fir']);
      c.on('trace', (ev) => sfuMarks.push({ at: now(), what: `${who}Consumer.${ev.type}.${ev.direction}` }));
      c.observer.on('resume', () => sfuMarks.push({ at: now(), what: `${who}Consumer.resume` }));
      c.observer.on('layerschange', (l) =>
        sfuMarks.push({ at: now(), what: `${who}Consumer.layers.${l ? l.spatialLayer : 'none'}` }),
      );
    });
  });
}

/** DEBUG_ROOM: every consumer the SFU holds, for the room section's dump of their states. */
const debugConsumers = new Set<import('mediasoup').types.Consumer>();
function debugRoom(): Promise<void> {
  return onEachTransport((t) =>
    t.observer.on('newconsumer', (c) => {
      debugConsumers.add(c);
      c.observer.once('close', () => debugConsumers.delete(c));
    }),
  );
}

async function main(): Promise<void> {
  if (TRACE) await traceSfu();
  if (process.env.DEBUG_ROOM) await debugRoom();
  // A long session grace: nine pages on a loaded 2-core machine can stall past the default 20 s, and a
  // member whose resume came too late would leave the room mid-measurement.
  const ms = await startMediaServer({ numWorkers: 1 }, { graceMs: 120_000 });
  const closeServer = track(() => ms.close());
  const browser = await chromium.launch(config.use?.launchOptions ?? {});
  const closeBrowser = track(() => browser.close());
  const os = await import('node:os');
  const result: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart: os.loadavg().map((x) => round(x)) },
  };
  console.log(
    `bench:media on ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => round(x))
      .join(' ')}`,
  );
  try {
    const idlePid = ms.plane.workerPids()[0] as number;
    const idleRss = rssMB(idlePid);

    if (ONLY.has('frame'))
      await section(result, 'firstFrameAfterAccept', async () => {
        const init = TRACE ? TRACE_PAGE : '';
        const a = await User.open(browser, ms, 'bench-caller', '', init);
        const b = await User.open(browser, ms, 'bench-callee', '', init);
        try {
          await a.login();
          await b.login();
          // One warm-up call per mode (first getUserMedia and codec start-up in this browser), not counted.
          for (const mode of FRAME_MODES) await firstFrameRun(ms, a, b, mode);
          const runs: Record<Mode, Record<string, number>[]> = { today: [], new: [], svc: [], vp8: [] };
          const failed: Record<Mode, number> = { today: 0, new: 0, svc: 0, vp8: 0 };
          for (let i = 0; i < RUNS; i++) {
            for (const mode of FRAME_MODES) {
              // A call whose frame never came (a stalled machine) is counted, not fatal.
              const r = await firstFrameRun(ms, a, b, mode).catch((err: unknown) => {
                failed[mode]++;
                console.error(`first frame, ${mode}: ${String(err)}`);
                return null;
              });
              if (r) runs[mode].push(r);
            }
          }
          return {
            failedCalls: failed,
            today: summary(runs.today),
            new: summary(runs.new),
            svc: summary(runs.svc),
            vp8: summary(runs.vp8),
            targetMs: { p50: 150, p90: 200 },
          };
        } finally {
          await a.close().catch(() => undefined);
          await b.close().catch(() => undefined);
        }
      });
    if (ONLY.has('room'))
      await section(result, 'room', async () => {
        const rows: Record<string, number | string>[] = [];
        const modes = MODES.filter((m) => String(values['room-modes']).split(',').includes(m));
        for (const mode of modes) {
          try {
            rows.push(await roomFigures(ms, browser, ROOM, mode));
          } catch (err) {
            // One mode failing (a loaded machine) leaves the others' figures.
            process.exitCode = 1;
            console.error(`room, ${mode}: ${String(err)}`);
            rows.push({ members: ROOM, mode, error: String(err) });
            // Its pages are closed; the server keeps their sessions for the grace period (20 s) first.
            await until(
              'room media closed',
              async () => ((await ms.plane.stats()).totals.routers === 0 ? true : null),
              120_000,
            );
          }
        }
        return { windowS: WINDOW_S, tile: '320x180', capture: ROOM_CAPTURE, audio: ROOM_AUDIO, rows };
      });
    if (ONLY.has('loss') && LOSS > 0)
      await section(result, 'loss', async () => {
        // A second browser whose fake mic plays a synthesised speech-like signal (scripts/speechWav.ts):
        // Opus codes the default beep in CELT mode, which has no in-band FEC.
        const dir = mkdtempSync(join(tmpdir(), 'crvideo-speech-'));
        const closeDir = track(async () => rmSync(dir, { recursive: true, force: true }));
        const wav = join(dir, 'speech.wav');
        writeWav(wav, speechLikePcm());
        const launch = config.use?.launchOptions ?? {};
        const speech = await chromium.launch({
          ...launch,
          args: [...(launch.args ?? []), `--use-file-for-fake-audio-capture=${wav}`],
        });
        const closeSpeech = track(() => speech.close());
        try {
          const rows: Record<string, number | string>[] = [];
          for (const fec of [false, true]) rows.push(await lossFigures(speech, LOSS, fec, 'speech'));
          for (const fec of [false, true]) rows.push(await lossFigures(browser, LOSS, fec, 'tone'));
          return { lossPercent: LOSS, rows };
        } finally {
          await closeSpeech();
          await closeDir();
        }
      });
    if (ONLY.has('sizes') && SIZES.length > 0)
      await section(result, 'worker', async () => {
        const rooms: Record<string, number>[] = [];
        for (const n of SIZES) rooms.push(await roomLoad(ms, browser, n, 'load'));
        return { idleRssMB: round(idleRss), sampleWindowS: WINDOW_S, rooms };
      });
    result.loadAverageAtEnd = os.loadavg().map((x) => round(x));
    console.log(
      `\nload average at the end ${os
        .loadavg()
        .map((x) => round(x))
        .join(' ')}; all figures as JSON:`,
    );
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await closeBrowser();
    await closeServer();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
