// Shared by e2e/media*.spec.ts and scripts/bench-media.ts: a real server (port 0, temp data dir, real
// mediasoup workers) serving a tiny app page that loads /sdk/crvideo.js, and one browser context per
// user that drives nothing but the CRVideo_* globals.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { build } from 'esbuild';
import type { ClusterOptions } from '../server/cluster/options.js';
import type { RunningServer } from '../server/index.js';
import { startServer } from '../server/index.js';
import type { MediaPlane, MediaPlaneOptions } from '../server/media/MediaPlane.js';
import type { TurnOptions } from '../server/media/TurnCredentials.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APP = { appID: 'media-e2e', appSecret: 'media-e2e-secret' };
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * The app page: loads the SDK like a CloudRoom H5 page would, records every callback in
 * `window.__ev` (then calls `window.__hooks[name]` if set), and shows every NotifyVideoStream in a <video id="v-UID"> whose decoded frames it counts.
 */
// The page script is a file of its own: the server's CSP (script-src 'self') refuses inline scripts.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>CRVideo media test</title></head>
<body><div id="videos"></div>
<script src="/sdk/crvideo.js"></script>
<script src="/harness.js"></script></body></html>`;

const PAGE_SCRIPT = `
  window.__ev = [];
  window.__audio = {};
  window.__t0 = performance.now();
  const plain = (a) => (a instanceof MediaStream ? '[MediaStream]' : a);
  const showVideo = (uid, stream) => {
    // A benchmark page standing for a room member shows nothing (it reads its SDK's stats).
    if (window.__noRender) return;
    let v = document.getElementById('v-' + uid);
    if (!v) {
      v = document.createElement('video');
      v.id = 'v-' + uid;
      v.autoplay = true;
      v.muted = true;
      v.playsInline = true;
      v.width = 160;
      v.__frames = 0;
      v.__firstFrameAt = 0;
      const onFrame = (now, meta) => {
        v.__frames++;
        if (!v.__firstFrameAt) {
          v.__firstFrameAt = performance.now();
          // When the first frame's last packet came in and when it was handed to the compositor.
          v.__firstMeta = { now, receiveTime: meta?.receiveTime, presentationTime: meta?.presentationTime,
            processingDuration: meta?.processingDuration, captureTime: meta?.captureTime };
        }
        v.requestVideoFrameCallback(onFrame);
      };
      v.requestVideoFrameCallback(onFrame);
      document.getElementById('videos').appendChild(v);
    }
    v.srcObject = stream;
    v.play().catch(() => {});
  };
  for (const name of Object.keys(window)) {
    if (!name.startsWith('CRVideo_')) continue;
    const holder = window[name];
    if (!holder || typeof holder !== 'object' || !('callback' in holder)) continue;
    holder.callback = (...args) => {
      window.__ev.push({ name, args: args.map(plain), at: performance.now() });
      if (name === 'CRVideo_NotifyVideoStream') showVideo(args[0], args[1]);
      if (name === 'CRVideo_NotifyMemberAudioStream') window.__audio[args[0]] = args[1];
      // An app reaction set by a benchmark (runs in the page, no round trip to the test).
      window.__hooks?.[name]?.(...args);
    };
  }
`;

export interface MediaServer {
  readonly server: RunningServer;
  readonly plane: MediaPlane;
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles the browser SDK from the sources and starts a real server with a real media plane. */
export async function startMediaServer(
  media: MediaPlaneOptions = {},
  serverOptions: { callTimeoutMs?: number; graceMs?: number; turn?: TurnOptions; cluster?: ClusterOptions } = {},
  /** More files served beside the app page (path → content). */
  files: Record<string, string> = {},
): Promise<MediaServer> {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-media-e2e-'));
  const sdkDir = join(dir, 'sdk');
  const appDir = join(dir, 'app');
  mkdirSync(appDir, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'sdk/browser/index.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile: join(sdkDir, 'crvideo.js'),
    logLevel: 'warning',
  });
  writeFileSync(join(appDir, 'index.html'), PAGE);
  // The same page with media through TURN relays only (the SDK reads the script tag's data attribute).
  writeFileSync(
    join(appDir, 'relay.html'),
    PAGE.replace('<script src="/sdk/crvideo.js">', '<script src="/sdk/crvideo.js" data-ice-transport-policy="relay">'),
  );
  writeFileSync(join(appDir, 'harness.js'), PAGE_SCRIPT);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(appDir, path)), { recursive: true });
    writeFileSync(join(appDir, path), content);
  }
  const server = await startServer({
    port: 0,
    dataDir: join(dir, 'data'),
    apps: [APP],
    userAuth: 'none',
    logLevel: process.env.CRVIDEO_TEST_LOG ?? 'silent',
    media: { numWorkers: 1, ...media } as Record<string, unknown>,
    staticRoutes: { sdkBundleDir: sdkDir, rendererDir: appDir },
    ...serverOptions,
  });
  if (!server.media) throw new Error('the server started without a media plane');
  return {
    server,
    plane: server.media as unknown as MediaPlane,
    url: server.url,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordedEvent {
  name: string;
  args: unknown[];
  at: number;
}

/** One user: a browser context with the app page, driven through the CRVideo_* globals. */
export class User {
  readonly UID: string;
  readonly context: BrowserContext;
  readonly page: Page;

  private constructor(UID: string, context: BrowserContext, page: Page) {
    this.UID = UID;
    this.context = context;
    this.page = page;
  }

  /**
   * `pagePath` '' is the app page; 'relay.html' the same page with media through TURN only. `initScript`
   * runs in the page before its own scripts (a test's probe of browser APIs).
   */
  static async open(browser: Browser, ms: MediaServer, UID: string, pagePath = '', initScript = ''): Promise<User> {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    if (initScript) await context.addInitScript(initScript);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (process.env.CRVIDEO_TEST_CONSOLE) console.log(`[${UID}] ${m.type()}: ${m.text()}`);
    });
    await page.goto(`${ms.url}/${pagePath}`);
    await page.waitForFunction(
      () => typeof (window as unknown as { CRVideo_Login?: unknown }).CRVideo_Login === 'function',
    );
    return new User(UID, context, page);
  }

  /** Calls a CRVideo_* function in the page and returns its (serializable) result. */
  fn(name: string, ...args: unknown[]): Promise<unknown> {
    return this.page.evaluate(
      async ([n, a]) => {
        const r = (window as unknown as Record<string, (...x: unknown[]) => unknown>)[n as string]?.(
          ...(a as unknown[]),
        );
        return r instanceof Promise ? await r : r;
      },
      [name, args] as const,
    );
  }

  eventCount(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { __ev: unknown[] }).__ev.length);
  }

  events(name?: string): Promise<RecordedEvent[]> {
    return this.page.evaluate(
      (n) => (window as unknown as { __ev: RecordedEvent[] }).__ev.filter((e) => !n || e.name === n),
      name ?? '',
    );
  }

  /** Waits for callback `name` whose first arguments equal `prefix`, recorded at index `since` or later. */
  async waitFor(name: string, prefix: unknown[] = [], since = 0, timeoutMs = 20_000): Promise<unknown[]> {
    const handle = await this.page.waitForFunction(
      ({ n, p, s }) => {
        const ev = (window as unknown as { __ev: RecordedEvent[] }).__ev;
        for (let i = s; i < ev.length; i++) {
          const e = ev[i];
          if (e && e.name === n && p.every((x, j) => JSON.stringify(e.args[j]) === JSON.stringify(x))) return e.args;
        }
        return null;
      },
      { n: name, p: prefix, s: since },
      { timeout: timeoutMs, polling: 50 },
    );
    return (await handle.jsonValue()) as unknown[];
  }

  async login(): Promise<void> {
    const since = await this.eventCount();
    await this.fn('CRVideo_Login', APP.appID, md5(APP.appSecret), `nick-${this.UID}`, this.UID, '', 'login');
    const r = await Promise.race([
      this.waitFor('CRVideo_LoginSuccess', [this.UID], since),
      this.waitFor('CRVideo_LoginFail', [], since).then((a) => {
        throw new Error(`${this.UID}: LoginFail ${JSON.stringify(a)}`);
      }),
    ]);
    void r;
  }

  /** Enters room `meetID` and waits for EnterMeetingRslt(0). */
  async enter(meetID: number): Promise<void> {
    const since = await this.eventCount();
    await this.fn('CRVideo_EnterMeeting3', meetID, 'enter');
    const [code] = await this.waitFor('CRVideo_EnterMeetingRslt', [], since);
    if (code !== 0) throw new Error(`${this.UID}: EnterMeetingRslt ${String(code)}`);
  }

  async openMicAndCamera(): Promise<void> {
    await this.fn('CRVideo_OpenMic', this.UID);
    await this.fn('CRVideo_OpenVideo', this.UID);
  }

  /** Decoded-frame figures of the <video> showing `UID`'s camera (null before its stream arrived). */
  video(
    UID: string,
  ): Promise<{ width: number; height: number; frames: number; time: number; firstFrameAt: number } | null> {
    return this.page.evaluate((uid) => {
      const v = document.getElementById(`v-${uid}`) as
        | (HTMLVideoElement & { __frames: number; __firstFrameAt: number })
        | null;
      if (!v) return null;
      return {
        width: v.videoWidth,
        height: v.videoHeight,
        frames: v.__frames,
        time: v.currentTime,
        firstFrameAt: v.__firstFrameAt,
      };
    }, UID);
  }

  /** Bytes received so far of `UID`'s audio (inbound-rtp, via the CRVideo_GetMediaStats extension). */
  async audioBytesFrom(UID: string): Promise<number> {
    const stats = (await this.fn('CRVideo_GetMediaStats')) as {
      members: Record<string, { audio: { bytesReceived: number } | null }>;
    } | null;
    return stats?.members[UID]?.audio?.bytesReceived ?? 0;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(what: string, check: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

/** Waits until `viewer` shows `UID`'s video with a size and advancing frames. */
export async function expectVideoFlowing(viewer: User, UID: string): Promise<void> {
  const first = await until(`${viewer.UID} sees video of ${UID}`, async () => {
    const v = await viewer.video(UID);
    return v && v.width > 0 && v.frames > 0 ? v : null;
  });
  await until(`${viewer.UID}: frames of ${UID} advance`, async () => {
    const v = await viewer.video(UID);
    return v && v.frames >= first.frames + 5 && v.time > first.time ? v : null;
  });
}

/** Waits until the audio bytes `listener` receives from `UID` grow. */
export async function expectAudioFlowing(listener: User, UID: string): Promise<void> {
  const first = await until(`${listener.UID} receives audio of ${UID}`, () => listener.audioBytesFrom(UID));
  await until(`${listener.UID}: audio bytes from ${UID} grow`, async () => {
    const now = await listener.audioBytesFrom(UID);
    return now > first + 1000 ? now : 0;
  });
}
