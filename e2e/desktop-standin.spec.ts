// The built desktop app (out/main/index.js, unchanged) run as one program on the electron stand-in
// (e2e/electron-standin): real main process, real preloads, the desktop renderer build in Chromium, the
// real server with mediasoup. Each test is a user's story.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '../server/index.js';
import { APP, type DesktopApp, launchDesktop, signIn } from './electron-standin/harness.js';

let server: RunningServer;
let dataDir = '';
const apps: DesktopApp[] = [];

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'crvideo-standin-server-'));
  server = await startServer({
    port: 0,
    dataDir,
    apps: [APP],
    logLevel: process.env.CRVIDEO_TEST_LOG ?? 'warn',
    media: process.env.STANDIN_NO_MEDIA ? false : { numWorkers: 1 },
  });
});

test.afterAll(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test.afterEach(async () => {
  const problems = apps.flatMap((a) => [...a.rt.unknown, ...a.rt.errors]);
  for (const a of apps.splice(0)) await a.close();
  expect(problems, 'Electron APIs the stand-in does not know, or exceptions in the app').toEqual([]);
});

async function launch(browser: import('@playwright/test').Browser, args: string[] = [], userData?: string) {
  const d = await launchDesktop(browser, [`--server=${server.url}`, ...args], userData ? { userData } : {});
  apps.push(d);
  return d;
}

test('the built app starts, shows its locked-down window and signs in through main', async ({ browser }) => {
  const a = await launch(browser);
  await expect.poll(() => a.window.isVisible()).toBe(true);
  await expect(a.page).toHaveTitle('CRVideo Phone');
  expect(a.window.webContents.getURL()).toBe('app://crvideo/index.html');
  expect(await a.page.evaluate(() => typeof (globalThis as Record<string, unknown>).crvideoBridge)).toBe('object');
  await signIn(a, 'alice', 'Alice');
  await expect.poll(() => a.tray.toolTip).toContain('alice · Online');
});
