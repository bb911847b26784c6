// The built desktop app (out/main/index.js, unchanged) run as one program on the electron stand-in
// (e2e/electron-standin): real main process, real preloads, the desktop renderer build in Chromium, the
// real server with mediasoup. Each test is a user's story.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { type RunningServer, startServer } from '../server/index.js';
import { APP, type DesktopApp, launchDesktop, signIn } from './electron-standin/harness.js';

// The apps own and close their browser contexts (the app's session): Playwright's tracing must keep out.
test.use({ trace: 'off' });

let server: RunningServer;
let dataDir = '';
const apps: DesktopApp[] = [];

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'crvideo-standin-server-'));
  server = await startServer({
    port: 0,
    dataDir,
    apps: [APP],
    // The stories sign in the developer way, with the app secret.
    userAuth: 'none',
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
  // Last launched first: a second launch may share the first one's profile folder.
  for (const a of apps.splice(0).reverse()) await a.close();
  expect(problems, 'Electron APIs the stand-in does not know, or exceptions in the app').toEqual([]);
});

async function launch(
  browser: import('@playwright/test').Browser,
  args: string[] = [],
  userData?: string,
  failures?: string[],
) {
  const d = await launchDesktop(browser, [`--server=${server.url}`, ...args], {
    ...(userData ? { userData } : {}),
    ...(failures ? { failures } : {}),
  });
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
  // A development run (not packaged) leaves the system's crvideo: handler alone.
  expect(a.rt.callsTo('app.setAsDefaultProtocolClient')).toEqual([]);
  // The application menu has no reload and no DevTools.
  expect(a.rt.callsTo('Menu.setApplicationMenu')).toHaveLength(1);
});

test('a start-up that fails quits instead of holding the single-instance lock without a window', async ({
  browser,
}) => {
  const broken = await launch(browser, [], undefined, ['Tray']);
  await expect.poll(() => broken.rt.state).toBe('quit');
  expect(broken.rt.exitCode).toBe(1);
  // The next launch with the same profile is the app, not a second instance focusing nothing.
  const next = await launch(browser, [], broken.userData);
  expect(next.rt.state).toBe('ready');
  await expect.poll(() => next.window.isVisible()).toBe(true);
});

/** The <video> of `name`'s tile: decoded frames and play time (null while there is none). */
function videoOf(page: import('@playwright/test').Page, name: string) {
  return page
    .getByRole('figure', { name, exact: true })
    .locator('video')
    .first()
    .evaluate((v: HTMLVideoElement) => ({
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      time: v.currentTime,
      width: v.videoWidth,
    }))
    .catch(() => null);
}

/** Bytes of `UID`'s audio this page received so far (CRVideo_GetMediaStats extension of the desktop SDK). */
function audioBytesFrom(page: import('@playwright/test').Page, UID: string): Promise<number> {
  return page.evaluate(async (uid) => {
    const g = globalThis as unknown as { CRVideo_GetMediaStats(): Promise<unknown> };
    const stats = (await g.CRVideo_GetMediaStats()) as {
      members: Record<string, { audio: { bytesReceived: number } | null }>;
    } | null;
    return stats?.members[uid]?.audio?.bytesReceived ?? 0;
  }, UID);
}

async function expectMediaFrom(viewer: DesktopApp, UID: string, name: string): Promise<void> {
  let first: { frames: number; time: number } | null = null;
  await expect
    .poll(
      async () => {
        first = await videoOf(viewer.page, name);
        return (first?.frames ?? 0) > 0;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const start = first as unknown as { frames: number; time: number };
  await expect
    .poll(
      async () => {
        const now = await videoOf(viewer.page, name);
        return !!now && now.frames >= start.frames + 5 && now.time > start.time;
      },
      { message: `${name}'s video moves`, timeout: 20_000 },
    )
    .toBe(true);
  const bytes = await (async () => {
    await expect.poll(() => audioBytesFrom(viewer.page, UID), { timeout: 20_000 }).toBeGreaterThan(0);
    return audioBytesFrom(viewer.page, UID);
  })();
  await expect
    .poll(() => audioBytesFrom(viewer.page, UID), { message: `audio bytes from ${UID} grow`, timeout: 20_000 })
    .toBeGreaterThan(bytes + 1000);
}

test('two desktop apps call each other: the callee in the tray answers from the incoming-call window, both see and hear each other', async ({
  browser,
}) => {
  test.skip(!!process.env.STANDIN_NO_MEDIA, 'STANDIN_NO_MEDIA set: no media server');
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');
  // Bob closes his window: the app goes on in the tray.
  b.window.close();
  expect(b.window.isVisible()).toBe(false);
  expect(b.rt.state).toBe('ready');

  await a.page.getByRole('button', { name: 'Call Bob', exact: true }).click();
  // Linux: the small always-on-top incoming window, shown without taking the focus.
  await expect.poll(() => b.incomingWindows().length).toBe(1);
  const alert = b.incomingWindows()[0]!;
  await expect.poll(() => alert.isVisible()).toBe(true);
  expect(alert.isFocused()).toBe(false);
  expect(alert.isAlwaysOnTop()).toBe(true);
  await expect(alert.page.getByRole('alertdialog')).toContainText('Alice');
  // Keys typed while the alert merely has the focus (Wayland may give it) neither answer nor reject.
  await alert.page.keyboard.press('Enter');
  await alert.page.keyboard.press('Escape');
  await expect(alert.page.getByRole('alertdialog')).toBeVisible();
  expect(b.incomingWindows()).toHaveLength(1);
  await alert.page.getByRole('button', { name: 'Answer' }).click();

  await expect.poll(() => b.window.isVisible()).toBe(true);
  await expect.poll(() => b.incomingWindows().length).toBe(0);
  await expect(a.page.getByRole('figure', { name: 'Bob', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(b.page.getByRole('figure', { name: 'Alice', exact: true })).toBeVisible({ timeout: 30_000 });
  await expectMediaFrom(a, 'bob', 'Bob');
  await expectMediaFrom(b, 'alice', 'Alice');

  await a.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(b.page.getByRole('figure', { name: 'Alice', exact: true })).toBeHidden();
});

test('tray Do-not-disturb on: the caller hears busy (602); off again: the call rings', async ({ browser }) => {
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');

  b.tray.clickItem('Do not disturb');
  await expect(b.page.getByRole('switch', { name: 'Do not disturb' })).toBeChecked();
  await expect.poll(() => b.tray.toolTip).toContain('Do not disturb');
  await a.page.getByRole('button', { name: 'Call Bob', exact: true }).click();
  await expect(a.page.getByText('Bob is busy or does not want to be disturbed.')).toBeVisible();
  expect(b.incomingWindows()).toHaveLength(0);
  await a.page.getByRole('button', { name: 'Close' }).click();

  b.tray.clickItem('Do not disturb');
  await expect(b.page.getByRole('switch', { name: 'Do not disturb' })).not.toBeChecked();
  expect(b.tray.menuItem('Do not disturb')?.checked).toBe(false);
  await expect(a.page.getByRole('list', { name: 'People' }).getByRole('listitem', { name: 'Bob' })).toContainText(
    'Online',
  );
  await a.page.getByRole('button', { name: 'Call Bob', exact: true }).click();
  // Bob's window is in front: his own incoming screen rings (no extra alert window).
  await expect(b.page.getByRole('button', { name: 'Accept' })).toBeVisible();
});

test('a crvideo://call/bob link places a call; a second launch focuses the running app and quits', async ({
  browser,
}) => {
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');
  a.window.close();
  expect(a.window.isVisible()).toBe(false);
  // Linux, first close to the tray: told once that the app goes on (GNOME may show no tray icon).
  const still = () => a.rt.notifications.filter((n) => n.shown && n.options.title === 'CRVideo Phone is still running');
  expect(still()).toHaveLength(1);
  a.window.show();
  a.window.close();
  expect(still()).toHaveLength(1);

  // The OS starts the app again with the link (Linux / Windows); the running one takes it over.
  const second = await launch(browser, ['crvideo://call/bob?note=standup'], a.userData);
  await expect.poll(() => second.rt.state).toBe('quit');
  expect(second.rt.windows.size).toBe(0);
  await expect.poll(() => a.window.isVisible()).toBe(true);
  expect(a.window.isFocused()).toBe(true);
  await expect(b.page.getByRole('button', { name: 'Accept' })).toBeVisible();
  await expect(b.page.getByText('standup')).toBeVisible();
});

test('Ctrl+R and a page reload do not sign the user out', async ({ browser }) => {
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');
  const alice = b.page.getByRole('list', { name: 'People' }).getByRole('listitem', { name: 'Alice' });
  await expect(alice).toContainText('Online');

  const tips = a.tray.toolTips.length;
  // Ctrl+R as the user types it (the application menu's accelerators, Electron's default one if none).
  await a.rt.pressKey(a.window, 'CmdOrCtrl+R');
  await expect(a.page.getByText('Signed in as Alice')).toBeVisible();
  // A reload all the same (a crashed page is reloaded by main): still signed in, still reachable.
  a.window.contents.reload();
  await expect(a.page.getByText('Signed in as Alice')).toBeVisible();
  await expect(alice).toContainText('Online');
  await b.page.getByRole('button', { name: 'Call Alice', exact: true }).click();
  await expect(a.page.getByRole('button', { name: 'Accept' })).toBeVisible();
  // Main never signed out meanwhile (the tray would have said so).
  expect(a.tray.toolTips.slice(tips)).not.toContainEqual(expect.stringContaining('Not signed in'));
  // No reload or DevTools accelerators in the menu.
  const accelerators =
    a.rt
      .effectiveMenu()
      ?.all()
      .map((i) => i.role) ?? [];
  expect(accelerators).not.toContain('reload');
  expect(accelerators).not.toContain('forceReload');
  expect(accelerators).not.toContain('toggleDevTools');
});

test('--hidden starts in the tray; the tray brings the window back', async ({ browser }) => {
  const a = await launch(browser, ['--hidden']);
  await expect.poll(() => a.tray.toolTip).toContain('Not signed in');
  await a.window.ready;
  await expect(a.page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  expect(a.window.isVisible()).toBe(false);
  a.tray.clickItem('Show CRVideo Phone');
  expect(a.window.isVisible()).toBe(true);
  expect(a.window.isFocused()).toBe(true);
});

test('after the machine sleeps and wakes, the app is still signed in and reachable', async ({ browser }) => {
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');
  const tips = a.tray.toolTips.length;
  a.rt.powerMonitor.emit('suspend');
  a.rt.powerMonitor.emit('resume');
  await b.page.getByRole('button', { name: 'Call Alice', exact: true }).click();
  await expect(a.page.getByRole('button', { name: 'Accept' })).toBeVisible();
  await expect(a.page.getByText('Signed in as Alice')).toBeVisible();
  expect(a.tray.toolTips.slice(tips)).not.toContainEqual(expect.stringContaining('Not signed in'));
});

test('Windows log-off (session-end) signs out at once: callers see the user offline', async ({ browser }) => {
  const a = await launch(browser);
  const b = await launch(browser);
  await signIn(a, 'alice', 'Alice');
  await signIn(b, 'bob', 'Bob');
  const bob = a.page.getByRole('list', { name: 'People' }).getByRole('listitem', { name: 'Bob' });
  await expect(bob).toContainText('Online');
  b.window.emit('session-end');
  await expect.poll(() => b.rt.state).toBe('quit');
  // Well within the server's 20 s grace period: Bob logged out, he did not just vanish.
  await expect(bob).toContainText('Offline', { timeout: 5_000 });
});

test('the stand-in refuses Electron APIs it does not implement', async ({ browser }) => {
  const a = await launch(browser);
  const app = a.rt.electron.app as Record<string, unknown>;
  expect(() => app.getGPUFeatureStatus).toThrow(/app.getGPUFeatureStatus is not implemented/);
  expect(() => (a.window.webContents as unknown as Record<string, unknown>).openDevTools).toThrow(/not implemented/);
  expect(a.rt.unknown).toHaveLength(2);
  a.rt.unknown.length = 0; // recorded as it should be; not a failure of the app
});

test('remember me keeps the refresh credential in the OS keychain, not in localStorage; the next start signs in with it', async ({
  browser,
}) => {
  // People sign in with their password here: a server with built-in accounts (signaling only).
  const accountsDir = mkdtempSync(join(tmpdir(), 'crvideo-standin-accounts-'));
  const acc = await startServer({
    port: 0,
    dataDir: accountsDir,
    apps: [APP],
    userAuth: 'accounts',
    logLevel: process.env.CRVIDEO_TEST_LOG ?? 'warn',
    media: false,
  });
  const userData = mkdtempSync(join(tmpdir(), 'crvideo-standin-profile-'));
  try {
    await acc.accounts.add({ appID: APP.appID, UID: 'carol', password: 'carol-password-1' });
    const a = await launchDesktop(browser, [`--server=${acc.url}`], { userData });
    apps.push(a);
    const page = a.page;
    await page.getByRole('textbox', { name: 'User ID', exact: true }).fill('carol');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('carol-password-1');
    await page.getByRole('textbox', { name: 'Display name' }).fill('Carol');
    await page.getByRole('checkbox', { name: 'Remember me' }).check();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByText('Signed in as Carol')).toBeVisible();

    // The page's storage holds neither the password nor the refresh credential; the keychain file does, sealed.
    const stored = await page.evaluate(() => localStorage.getItem('crvideo-phone.settings.v1') ?? '');
    expect(stored).not.toContain('carol-password-1');
    expect(JSON.parse(stored).login.refreshToken).toBe('');
    const vaultFile = join(userData, 'remembered-sign-in.json');
    await expect.poll(() => existsSync(vaultFile)).toBe(true);
    expect(readFileSync(vaultFile, 'utf8')).not.toContain('carol');

    // Quit and start again with the same profile (the stand-in's pages do not keep localStorage across
    // launches, so the story carries the page's own storage over as Electron's profile would).
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    const b = await launchDesktop(browser, [`--server=${acc.url}`], { userData });
    apps.push(b);
    await expect(b.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await b.page.evaluate((v) => localStorage.setItem('crvideo-phone.settings.v1', v), stored);
    b.window.contents.reload();
    // Signed in by the keychain's refresh credential: nobody typed a password.
    await expect(b.page.getByText('Signed in as Carol')).toBeVisible();
    expect([...a.rt.unknown, ...a.rt.errors, ...b.rt.unknown, ...b.rt.errors]).toEqual([]);
  } finally {
    for (const x of apps.splice(0).reverse()) await x.close();
    await acc.close();
    rmSync(accountsDir, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true });
  }
});
