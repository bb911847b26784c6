// The web app over https on a real host name (not loopback, so only TLS makes it a secure context):
// Chromium trusts the test CA's server key (--ignore-certificate-errors-spki-list), resolves
// phone.test to 127.0.0.1, signs a user in with their password over wss, and the camera works.
import { type Browser, chromium, expect, test } from '@playwright/test';
import { makeTestCerts, type TestCerts } from '../server/testing/certs.js';
import config from './playwright.config.js';
import { APP, buildApp, UiServer } from './uiHarness.js';

let certs: TestCerts;
let srv: UiServer;
let browser: Browser;

test.beforeAll(async () => {
  certs = makeTestCerts(['DNS:phone.test', 'IP:127.0.0.1']);
  const routes = await buildApp();
  srv = await UiServer.start(routes, {
    userAuth: 'accounts',
    tls: { cert: certs.cert, key: certs.key },
    allowedHosts: ['phone.test'],
  });
  await srv.server.accounts.add({ appID: APP.appID, UID: 'alice', password: 'alice-password-1' });
  const launch = config.use?.launchOptions ?? {};
  browser = await chromium.launch({
    ...launch,
    args: [
      ...(launch.args ?? []),
      `--ignore-certificate-errors-spki-list=${certs.spki}`,
      '--host-resolver-rules=MAP phone.test 127.0.0.1',
    ],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await srv?.close();
  certs?.dispose();
});

test('https: sign in with a password over wss, and the camera opens (secure context)', async () => {
  const port = new URL(srv.url).port;
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  try {
    const page = await context.newPage();
    await page.goto(`https://phone.test:${port}/?lang=en`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    await page.getByRole('textbox', { name: 'User ID', exact: true }).fill('alice');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('alice-password-1');
    await page.getByRole('textbox', { name: 'Display name' }).fill('Alice');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByText('Signed in as Alice')).toBeVisible();
    const camera = await page.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ video: true });
      const t = s.getVideoTracks()[0];
      const state = { readyState: t?.readyState, width: t?.getSettings().width };
      for (const track of s.getTracks()) track.stop();
      return state;
    });
    expect(camera.readyState).toBe('live');
    expect(camera.width).toBeGreaterThan(0);
  } finally {
    await context.close();
  }
});
