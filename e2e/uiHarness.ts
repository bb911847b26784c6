// Shared by e2e/ui*.spec.ts: builds the real renderer (Vite) and browser SDK (esbuild) from the sources,
// starts the real server (port 0, temp data dir, real mediasoup workers) serving both, and opens one
// browser context per user on the app. Tests drive the UI by role and accessible name only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { type RunningServer, startServer } from '../server/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APP = { appID: 'ui-e2e', appSecret: 'ui-e2e-secret' };

/** Builds the renderer and the SDK bundle once into a temp folder; returns the static routes. */
export async function buildApp(): Promise<{ dir: string; sdkBundleDir: string; rendererDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-ui-e2e-'));
  const sdkBundleDir = join(dir, 'sdk');
  const rendererDir = join(dir, 'app');
  await esbuild({
    entryPoints: [join(ROOT, 'sdk/browser/index.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile: join(sdkBundleDir, 'crvideo.js'),
    logLevel: 'warning',
  });
  await viteBuild({
    configFile: join(ROOT, 'renderer/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true },
  });
  return { dir, sdkBundleDir, rendererDir };
}

export interface UiServerOptions {
  callTimeoutMs?: number;
  graceMs?: number;
  /** Default 'none' (the suites sign in with the app secret); the sign-in suite uses 'accounts'. */
  userAuth?: 'accounts' | 'none';
  userTokenTtlMs?: number;
  tokenWarnMs?: number;
  /** Serve https/wss with this PEM pair. */
  tls?: { cert: string; key: string };
  /** Host names browsers may reach /ws by (besides IP literals and localhost). */
  allowedHosts?: string[];
  port?: number;
  dataDir?: string;
}

/** A real server serving the built app; `restart()` closes it and starts again on the same port and data. */
export class UiServer {
  server!: RunningServer;
  readonly dataDir: string;
  #routes: { sdkBundleDir: string; rendererDir: string };
  #options: UiServerOptions;

  private constructor(
    routes: { sdkBundleDir: string; rendererDir: string },
    options: UiServerOptions,
    dataDir: string,
  ) {
    this.#routes = routes;
    this.#options = options;
    this.dataDir = dataDir;
  }

  static async start(
    routes: { sdkBundleDir: string; rendererDir: string },
    options: UiServerOptions = {},
  ): Promise<UiServer> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'crvideo-ui-data-'));
    const s = new UiServer(routes, options, dataDir);
    await s.#listen(options.port ?? 0);
    return s;
  }

  get url(): string {
    return this.server.url;
  }

  async #listen(port: number): Promise<void> {
    this.server = await startServer({
      port,
      dataDir: this.dataDir,
      apps: [APP],
      userAuth: this.#options.userAuth ?? 'none',
      ...(this.#options.userTokenTtlMs ? { userTokenTtlMs: this.#options.userTokenTtlMs } : {}),
      ...(this.#options.tokenWarnMs ? { tokenWarnMs: this.#options.tokenWarnMs } : {}),
      ...(this.#options.tls ? { tls: this.#options.tls } : {}),
      ...(this.#options.allowedHosts ? { allowedHosts: this.#options.allowedHosts } : {}),
      logLevel: process.env.CRVIDEO_TEST_LOG ?? 'warn',
      media: { numWorkers: 1 },
      staticRoutes: this.#routes,
      ...(this.#options.callTimeoutMs ? { callTimeoutMs: this.#options.callTimeoutMs } : {}),
      ...(this.#options.graceMs ? { graceMs: this.#options.graceMs } : {}),
    });
  }

  async restart(downMs = 500): Promise<void> {
    const port = this.server.port;
    await this.server.close();
    await new Promise((r) => setTimeout(r, downMs));
    await this.#listen(port);
  }

  async close(removeData = true): Promise<void> {
    await this.server.close();
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One person with the app open in their own browser context. */
export class Person {
  readonly UID: string;
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and CSP violations seen in the page. */
  readonly problems: string[] = [];

  private constructor(UID: string, name: string, context: BrowserContext, page: Page) {
    this.UID = UID;
    this.name = name;
    this.context = context;
    this.page = page;
  }

  static async open(
    browser: Browser,
    url: string,
    UID: string,
    name: string,
    opts: { lang?: string; colorScheme?: 'light' | 'dark' } = {},
  ): Promise<Person> {
    const context = await browser.newContext({
      permissions: ['camera', 'microphone'],
      viewport: { width: 1100, height: 760 },
      colorScheme: opts.colorScheme ?? 'light',
    });
    const page = await context.newPage();
    const p = new Person(UID, name, context, page);
    page.on('console', (m) => {
      if (process.env.CRVIDEO_TEST_CONSOLE) console.log(`[${UID}] ${m.type()}: ${m.text()}`);
      if (/Content Security Policy/i.test(m.text())) p.problems.push(m.text());
    });
    page.on('pageerror', (err) => p.problems.push(`pageerror: ${err.message}`));
    await page.goto(`${url}/?lang=${opts.lang ?? 'en'}`);
    return p;
  }

  /** Fills the sign-in form and submits it (the outcome is for the test to check). */
  async submitSignIn(secret: string, opts: { appID?: string; auto?: boolean } = {}): Promise<void> {
    const page = this.page;
    // These suites run a userAuth 'none' server and sign in the developer way, with the app secret.
    await page.getByRole('radio', { name: 'App secret' }).check();
    await page.getByRole('textbox', { name: 'App ID' }).fill(opts.appID ?? APP.appID);
    await page.getByRole('textbox', { name: 'App secret' }).fill(secret);
    await page.getByRole('textbox', { name: 'User ID', exact: true }).fill(this.UID);
    await page.getByRole('textbox', { name: 'Display name' }).fill(this.name);
    await page.getByRole('checkbox', { name: 'Sign in automatically next time' }).setChecked(opts.auto ?? false);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async signIn(): Promise<void> {
    await this.submitSignIn(APP.appSecret);
    await expect(this.page.getByText(`Signed in as ${this.name}`)).toBeVisible();
  }

  /** The row of another user in the People list. */
  person(name: string) {
    return this.page.getByRole('list', { name: 'People' }).getByRole('listitem', { name, exact: true });
  }

  async call(name: string, note = ''): Promise<void> {
    if (note) await this.page.getByRole('textbox', { name: 'Note for the call (optional)' }).fill(note);
    await this.page.getByRole('button', { name: `Call ${name}`, exact: true }).click();
  }

  async dial(UID: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'User ID to call' }).fill(UID);
    await this.page.getByRole('button', { name: 'Call', exact: true }).click();
  }

  incoming() {
    return this.page.getByRole('alertdialog');
  }

  outgoing() {
    return this.page.getByRole('dialog');
  }

  tile(name: string) {
    return this.page.getByRole('figure', { name, exact: true });
  }

  /** Frames decoded so far by the <video> inside a tile (0 when it shows no video). */
  framesIn(name: string): Promise<{ frames: number; width: number }> {
    return this.tile(name).evaluate(async (el) => {
      const v = el.querySelector('video');
      if (!v || v.readyState < 2) return { frames: 0, width: 0 };
      const q = v.getVideoPlaybackQuality();
      return { frames: q.totalVideoFrames, width: v.videoWidth };
    });
  }

  async expectMovingVideo(name: string): Promise<void> {
    let first = 0;
    await expect
      .poll(async () => {
        const f = await this.framesIn(name);
        first = f.frames;
        return f.width > 0 && f.frames > 0;
      })
      .toBe(true);
    await expect.poll(async () => (await this.framesIn(name)).frames).toBeGreaterThan(first + 5);
  }

  /** The page's background colour (to tell the light theme from the dark one). */
  background(): Promise<string> {
    return this.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: true });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
