// Runs the built desktop app (out/main/index.js, unchanged) in this Node process over the electron
// stand-in: each launch is one app instance with its own argv, profile and Chromium browser context.
// Launches are serialised because the built main reads process.argv and CRVIDEO_USER_DATA at start-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, expect, type Page } from '@playwright/test';
import { ensureDesktopBuild } from '../../main/testing/build.js';
import { StandinRuntime, type TrayStandin } from './runtime.js';
import type { BrowserWindowStandin } from './windows.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'out', 'main', 'index.js');
const MAIN_URL = pathToFileURL(MAIN).href;
const INCOMING_URL = 'app://crvideo/desktop-incoming.html';

let hooked = false;
let seq = 0;

/** One running desktop app instance. */
export class DesktopApp {
  constructor(
    readonly rt: StandinRuntime,
    readonly userData: string,
    private readonly ownsProfile: boolean,
  ) {}

  /** The main window (the first one the app opened). */
  get window(): BrowserWindowStandin {
    const w = [...this.rt.windows].find((x) => x.contents.getURL().endsWith('/index.html')) ?? [...this.rt.windows][0];
    if (!w) throw new Error(`app ${this.rt.id} has no window`);
    return w;
  }

  get page(): Page {
    return this.window.page;
  }

  get tray(): TrayStandin {
    const t = this.rt.trays[0];
    if (!t) throw new Error(`app ${this.rt.id} has no tray icon`);
    return t;
  }

  /** The open incoming-call windows. */
  incomingWindows(): BrowserWindowStandin[] {
    return [...this.rt.windows].filter((w) => w.contents.getURL() === INCOMING_URL);
  }

  async close(): Promise<void> {
    const running = () => this.rt.state !== 'quit';
    if (running()) {
      (this.rt.app as unknown as { quit(): void }).quit();
      await Promise.race([this.rt.whenQuit(), new Promise((r) => setTimeout(r, 5000))]);
      if (running()) this.rt.kill();
    }
    if (this.ownsProfile) rmSync(this.userData, { recursive: true, force: true });
  }
}

let launching: Promise<unknown> = Promise.resolve();

/**
 * Starts an instance of the built app as `crvideo-phone ARGS…` with the given profile (a fresh one by
 * default). Resolves once the app's start-up ran (or it quit, as a second instance does).
 */
export interface LaunchOptions {
  /** The profile (userData) folder; a fresh one by default. */
  userData?: string;
  /** Stand-in constructors that throw in this run (see StandinRuntime.failures). */
  failures?: string[];
}

export function launchDesktop(browser: Browser, args: string[], o: LaunchOptions = {}): Promise<DesktopApp> {
  const run = launching.then(() => launchNow(browser, args, o));
  launching = run.catch(() => {});
  return run;
}

async function launchNow(browser: Browser, args: string[], o: LaunchOptions): Promise<DesktopApp> {
  if (!hooked) {
    ensureDesktopBuild();
    register(pathToFileURL(join(import.meta.dirname, 'hooks.mjs')));
    hooked = true;
  }
  const userData = o.userData ?? mkdtempSync(join(tmpdir(), 'crvideo-standin-profile-'));
  const id = `${process.pid}-${++seq}`;
  const argv = ['/opt/CRVideo Phone/crvideo-phone', ...args];
  const rt = new StandinRuntime({ id, browser, argv, userData, appPath: join(ROOT, 'out') });
  for (const f of o.failures ?? []) rt.failures.add(f);
  const saved = { argv: process.argv, userData: process.env.CRVIDEO_USER_DATA };
  process.argv = argv;
  process.env.CRVIDEO_USER_DATA = userData;
  try {
    await import(`${MAIN_URL}?app=${id}`);
    if (rt.state !== 'quit') await rt.becomeReady();
  } finally {
    process.argv = saved.argv;
    if (saved.userData === undefined) delete process.env.CRVIDEO_USER_DATA;
    else process.env.CRVIDEO_USER_DATA = saved.userData;
  }
  // Windows opened at start-up have their Chromium page (the page itself loads on its own).
  await Promise.all([...rt.windows].map((w) => w.ready.catch(() => {})));
  return new DesktopApp(rt, userData, o.userData === undefined);
}

export const APP = { appID: 'desktop-standin', appSecret: 'desktop-standin-secret' };

/**
 * Signs in from the app's window as a user would (the one place that knows the sign-in form: adapt it
 * here when the form changes).
 */
export async function signIn(d: DesktopApp, UID: string, name: string): Promise<void> {
  const page = d.page;
  // The stories' server runs userAuth 'none': sign in the developer way, with the app secret.
  await page.getByRole('radio', { name: 'App secret' }).check();
  await page.getByRole('textbox', { name: 'App ID' }).fill(APP.appID);
  await page.getByRole('textbox', { name: 'App secret' }).fill(APP.appSecret);
  await page.getByRole('textbox', { name: 'User ID', exact: true }).fill(UID);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
}
