// CloudRoom H5 compatibility in Chromium: a page written in the manner of CloudRoom's public H5 call
// demo (e2e/h5demo/, only documented globals) logs in, calls, answers, shows both videos through
// CRVideo_CreatVideoObj and hangs up with no exception; then the device / config / status functions
// and callbacks of the H5 reference, with CloudRoom's argument meanings.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { APP, type MediaServer, startMediaServer } from './mediaHarness.js';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), 'h5demo');
const md5 = async (s: string) => (await import('node:crypto')).createHash('md5').update(s).digest('hex');

let ms: MediaServer;
let seq = 0;

// Two browsers, a media server and real encoders on a shared 2-core machine: give media time to start.
test.setTimeout(300_000);

test.beforeAll(async () => {
  const files: Record<string, string> = {};
  for (const f of ['videocall.html', 'videocall.css', 'videocall.js', 'md5.js'])
    files[`h5demo/${f}`] = readFileSync(join(DEMO, f), 'utf8');
  ms = await startMediaServer({ numWorkers: 1 }, {}, files);
});

test.afterAll(async () => {
  await ms?.close();
});

interface DemoUser {
  uid: string;
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

async function openDemo(browser: Browser, name: string): Promise<DemoUser> {
  const uid = `${name}-${++seq}`;
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (process.env.CRVIDEO_TEST_CONSOLE) console.log(`[${uid}] ${m.type()}: ${m.text()}`);
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  const q = new URLSearchParams({ appID: APP.appID, appSecret: await md5(APP.appSecret), uid, nick: `${name} nick` });
  await page.goto(`${ms.url}/h5demo/videocall.html?${q}`);
  await page.getByRole('button', { name: 'Login' }).click();
  await expect(page.locator('#me')).toHaveText(uid);
  return { uid, page, errors, close: () => context.close() };
}

/** Frames a <video> inside `selector` decodes during a short while (moving video → > 0). */
async function framesIn(page: Page, selector: string): Promise<number> {
  return page.evaluate(async (sel) => {
    const v = document.querySelector(`${sel} video`) as HTMLVideoElement | null;
    if (!v) return -1;
    let n = 0;
    const count = () => {
      n++;
      v.requestVideoFrameCallback(count);
    };
    v.requestVideoFrameCallback(count);
    await new Promise((r) => setTimeout(r, 1000));
    return n;
  }, selector);
}

test('a page in the manner of CloudRoom’s H5 demo: login, call, answer, both videos, hang up, no exception', async ({
  browser,
}) => {
  const a = await openDemo(browser, 'caller');
  const b = await openDemo(browser, 'callee');
  try {
    await a.page.locator('#calleeID').fill(b.uid);
    await a.page.getByRole('button', { name: 'Call' }).click();
    await expect(b.page.locator('#modalText')).toContainText(`${a.uid} is calling (direct call)`);
    await b.page.getByRole('button', { name: 'Accept' }).click();

    for (const u of [a, b]) {
      await expect(u.page.locator('#meetingPage')).toBeVisible();
      for (const box of ['.caller-video', '.callee-video']) {
        await expect.poll(() => framesIn(u.page, box), { timeout: 90_000 }).toBeGreaterThan(3);
      }
    }
    await expect(a.page.locator('#headerUserName')).toHaveText('callee nick');
    await expect(b.page.locator('#headerUserName')).toHaveText('caller nick');
    // The video objects show the names of their members by default.
    await expect(a.page.locator('.callee-video .crvideo-videoobj-name')).toHaveText('callee nick');

    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(a.page.locator('#tip')).toHaveText('call ended: hung up');
    await expect(b.page.locator('#tip')).toHaveText('call ended: the other side hung up');
    await expect(b.page.locator('#callPage')).toBeVisible();
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('the H5 device, status and configuration API in a call', async ({ browser }) => {
  const a = await openDemo(browser, 'alice');
  const b = await openDemo(browser, 'bob');
  try {
    // Record the callbacks the demo does not use (the demo's own handlers stay as they are).
    for (const u of [a, b]) {
      await u.page.evaluate(() => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's globals, as an H5 app sees them
        const w = window as any;
        w.__h5 = [];
        for (const name of ['CRVideo_NotifyAudioStream', 'CRVideo_MicEnergyUpdate', 'CRVideo_NetStateChanged']) {
          w[name].callback = (...args: unknown[]) =>
            w.__h5.push([
              name,
              ...args.map((x) => (x instanceof MediaStream ? `stream:${x.getAudioTracks().length}` : x)),
            ]);
        }
      });
    }
    await a.page.locator('#calleeID').fill(b.uid);
    await a.page.getByRole('button', { name: 'Call' }).click();
    await b.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => framesIn(a.page, '.callee-video'), { timeout: 90_000 }).toBeGreaterThan(3);

    const me = a.uid;
    const info = await a.page.evaluate(
      ([me, peer]) => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's globals, as an H5 app sees them
        const w = window as any;
        return {
          mics: w.CRVideo_GetAudioMicNames(),
          spks: w.CRVideo_GetAudioSpkNames(),
          cams: w.CRVideo_GetAllVideoInfo(me),
          peerCams: w.CRVideo_GetAllVideoInfo(peer),
          def: w.CRVideo_GetDefaultVideo(me),
          opened: w.CRVideo_GetOpenedVideoIDs(me),
          myAudio: w.CRVideo_GetAudioStatus(me),
          peerVideo: w.CRVideo_GetVideoStatus(peer),
          cfg: w.CRVideo_GetAudioCfg(),
          member: w.CRVideo_GetMemberInfo(peer),
          inMeeting: w.CRVideo_IsUserInMeeting(peer),
        };
      },
      [me, b.uid],
    );
    expect((info.mics as { micID: number }[]).length).toBeGreaterThan(0);
    expect(info.cams).toEqual([expect.objectContaining({ videoID: info.def, userID: me })]);
    expect(info.peerCams).toEqual([expect.objectContaining({ videoID: 1, userID: b.uid })]);
    expect(info.opened).toEqual([info.def]);
    expect(info.myAudio).toBe(3);
    expect(info.peerVideo).toBe(3);
    expect(info.member).toEqual(expect.objectContaining({ userID: b.uid, nickname: 'bob nick', videoStatus: 3 }));
    expect(info.inMeeting).toBe(true);
    expect((info.cfg as { micID: number }).micID).toBe((info.mics as { micID: number }[])[0]?.micID);

    // SetVideoCfg reaches the real capture: size 2 is 480 lines.
    await a.page.evaluate(() =>
      (window as unknown as { CRVideo_SetVideoCfg: (c: unknown) => Promise<void> }).CRVideo_SetVideoCfg({
        size: 2,
        fps: 10,
        maxbps: 300_000,
      }),
    );
    const cfg = await a.page.evaluate(() =>
      (window as unknown as { CRVideo_GetVideoCfg: () => unknown }).CRVideo_GetVideoCfg(),
    );
    expect(cfg).toEqual(expect.objectContaining({ size: 2, fps: 10, height: 480, width: 848, maxbps: 300_000 }));
    await expect
      .poll(() =>
        a.page.evaluate(() => {
          const v = document.querySelector('.caller-video video') as HTMLVideoElement;
          const t = (v.srcObject as MediaStream | null)?.getVideoTracks()[0];
          return t?.getSettings().height ?? 0;
        }),
      )
      .toBe(480);

    // CloudRoom's NotifyAudioStream: 0 = own microphone, 1 = the others' mix; levels and the network score.
    await expect
      .poll(() =>
        a.page.evaluate(() => (window as unknown as { __h5: unknown[][] }).__h5.map((e) => `${e[0]}:${e[1]}`)),
      )
      .toEqual(expect.arrayContaining(['CRVideo_NotifyAudioStream:1']));
    const events = await a.page.evaluate(() => (window as unknown as { __h5: unknown[][] }).__h5);
    const score = events.find((e) => e[0] === 'CRVideo_NetStateChanged');
    if (score) expect(score[1]).toBeGreaterThanOrEqual(0);
    await expect
      .poll(
        () =>
          b.page.evaluate(
            () =>
              (window as unknown as { __h5: unknown[][] }).__h5.filter((e) => e[0] === 'CRVideo_NetStateChanged')
                .length,
          ),
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(0);
    const netScores = await b.page.evaluate(() =>
      (window as unknown as { __h5: unknown[][] }).__h5
        .filter((e) => e[0] === 'CRVideo_NetStateChanged')
        .map((e) => e[1] as number),
    );
    for (const s of netScores) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(10);
    }
    await expect
      .poll(() =>
        a.page.evaluate(
          (peer) => (window as unknown as { CRVideo_GetMicEnergy: (u: string) => number }).CRVideo_GetMicEnergy(peer),
          b.uid,
        ),
      )
      .toBeGreaterThan(0);

    // Out of scope: the documented callback answers 806, the constants are CloudRoom's.
    const ns = await a.page.evaluate(
      () =>
        new Promise((resolve) => {
          // biome-ignore lint/suspicious/noExplicitAny: the page's globals, as an H5 app sees them
          const w = window as any;
          w.CRVideo_StartScreenShareRslt.callback = (code: number) =>
            resolve([code, w.CRVideo_ERR_DEF.SEVICE_NOTENABLED]);
          w.CRVideo_StartScreenShare();
        }),
    );
    expect(ns).toEqual([806, 806]);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  } finally {
    await a.close();
    await b.close();
  }
});
