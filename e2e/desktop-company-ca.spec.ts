// The desktop app's company CA switch, on screen: the built app (stand-in Electron, real preload and
// main) signs in to a server whose certificate a throw-away company CA signed. Refused first (209, in
// words), then the user pastes or picks the CA under "Company certificate", sees its subject and
// fingerprint, signs in, and removes it again in Settings. English and Chinese, by role and name.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type RunningServer, startServer } from '../server/index.js';
import { makeTestCerts, type TestCerts } from '../server/testing/certs.js';
import { APP, type DesktopApp, launchDesktop } from './electron-standin/harness.js';

test.use({ trace: 'off' });

let server: RunningServer;
let certs: TestCerts;
let dataDir = '';
const apps: DesktopApp[] = [];

test.beforeAll(async () => {
  certs = makeTestCerts();
  dataDir = mkdtempSync(join(tmpdir(), 'crvideo-ca-server-'));
  server = await startServer({
    port: 0,
    dataDir,
    apps: [APP],
    userAuth: 'none',
    media: false,
    tls: { cert: certs.cert, key: certs.key },
    logLevel: process.env.CRVIDEO_TEST_LOG ?? 'warn',
  });
});

test.afterAll(async () => {
  await server?.close();
  certs?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test.afterEach(async () => {
  const problems = apps.flatMap((a) => [...a.rt.unknown, ...a.rt.errors]);
  for (const a of apps.splice(0).reverse()) await a.close();
  expect(problems, 'Electron APIs the stand-in does not know, or exceptions in the app').toEqual([]);
});

/** Labels of the form in one language. */
const L = {
  en: {
    secretMethod: 'App secret',
    appID: 'App ID',
    secret: 'App secret',
    uid: 'User ID',
    name: 'Display name',
    submit: 'Sign in',
    refused: 'The server certificate is not trusted',
    section: 'Company certificate',
    pem: 'Certificate (PEM)',
    file: 'Or choose a PEM file',
    trust: 'Trust this certificate',
    saved: 'Trusted from the next sign-in on.',
    current: 'Trusted company certificate',
    signedIn: 'Signed in as',
    settings: 'Settings',
    remove: 'Remove company certificate',
    removed: 'Removed: only public CAs are trusted.',
    notPem: 'That is not a PEM certificate',
  },
  zh: {
    secretMethod: '应用密钥',
    appID: '应用 ID',
    secret: '应用密钥',
    uid: '用户 ID',
    name: '显示名称',
    submit: '登录',
    refused: '服务器证书不受信任',
    section: '公司证书',
    pem: '证书（PEM）',
    file: '或选择 PEM 文件',
    trust: '信任此证书',
    saved: '下次登录起生效。',
    current: '已信任的公司证书',
    signedIn: '已登录：',
    settings: '设置',
    remove: '移除公司证书',
    removed: '已移除：只信任公共 CA。',
    notPem: '这不是 PEM 证书',
  },
};

async function fillSignIn(page: Page, l: (typeof L)['en'], UID: string): Promise<void> {
  await page.getByRole('radio', { name: l.secretMethod }).check();
  await page.getByRole('textbox', { name: l.appID }).fill(APP.appID);
  await page.getByRole('textbox', { name: l.secret, exact: true }).fill(APP.appSecret);
  await page.getByRole('textbox', { name: l.uid, exact: true }).fill(UID);
  await page.getByRole('textbox', { name: l.name }).fill(UID);
  await page.getByRole('button', { name: l.submit, exact: true }).click();
}

async function launch(browser: import('@playwright/test').Browser): Promise<DesktopApp> {
  const d = await launchDesktop(browser, [`--server=${server.url}`]);
  apps.push(d);
  return d;
}

test('English: refused with 209, paste the company CA, sign in; remove it in Settings', async ({ browser }) => {
  const l = L.en;
  const { page } = await launch(browser);
  await fillSignIn(page, l, 'ann');
  await expect(page.getByRole('alert').filter({ hasText: l.refused })).toBeVisible();
  // The refusal opens the section its message names.
  const section = page.getByRole('region', { name: l.section });
  await expect(section.getByRole('textbox', { name: l.pem })).toBeVisible();
  await section.getByRole('textbox', { name: l.pem }).fill('not a certificate');
  await section.getByRole('button', { name: l.trust }).click();
  await expect(section.getByRole('alert')).toContainText(l.notPem);
  await section.getByRole('textbox', { name: l.pem }).fill(certs.ca);
  await section.getByRole('button', { name: l.trust }).click();
  await expect(section.getByRole('status')).toHaveText(l.saved);
  const x = new X509Certificate(certs.ca);
  const current = section.getByRole('group', { name: l.current });
  await expect(current).toContainText(x.fingerprint256);
  await expect(current).toContainText(/CN=/);
  await fillSignIn(page, l, 'ann');
  await expect(page.getByText(`${l.signedIn} ann`)).toBeVisible();

  await page.getByRole('button', { name: l.settings, exact: true }).click();
  const inSettings = page.getByRole('region', { name: l.section });
  await expect(inSettings.getByRole('group', { name: l.current })).toContainText(x.fingerprint256);
  await inSettings.getByRole('button', { name: l.remove }).click();
  await expect(inSettings.getByRole('status')).toHaveText(l.removed);
  await expect(inSettings.getByRole('group', { name: l.current })).toHaveCount(0);
});

test('Chinese: pick the CA file, see it, and sign in', async ({ browser }) => {
  const l = L.zh;
  const { page } = await launch(browser);
  await page.getByRole('button', { name: 'Switch to Chinese (切换到中文)' }).click();
  await fillSignIn(page, l, 'bo');
  await expect(page.getByRole('alert').filter({ hasText: l.refused })).toBeVisible();
  const section = page.getByRole('region', { name: l.section });
  await section.getByLabel(l.file).setInputFiles(certs.caFile);
  await expect(section.getByRole('textbox', { name: l.pem })).toHaveValue(/BEGIN CERTIFICATE/);
  await section.getByRole('button', { name: l.trust }).click();
  await expect(section.getByRole('status')).toHaveText(l.saved);
  await expect(section.getByRole('group', { name: l.current })).toContainText(
    new X509Certificate(certs.ca).fingerprint256,
  );
  await fillSignIn(page, l, 'bo');
  await expect(page.getByText(`${l.signedIn}bo`)).toBeVisible();
});
