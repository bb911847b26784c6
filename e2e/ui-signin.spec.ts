// The sign-in form for people: server address, user ID and password against a server with built-in
// accounts (the default). The app secret is never asked for; a token bought with the password is
// renewed with the refresh credential; "remember me" keeps that credential, never the password.
import { expect, test } from '@playwright/test';
import { APP, buildApp, Person, UiServer } from './uiHarness.js';

let srv: UiServer;
const people: Person[] = [];

test.beforeAll(async () => {
  const routes = await buildApp();
  // Tokens live 5 s and the warning comes 2.5 s ahead, so a renewal happens within each test.
  srv = await UiServer.start(routes, { userAuth: 'accounts', userTokenTtlMs: 5000, tokenWarnMs: 2500 });
  await srv.server.accounts.add({ appID: APP.appID, UID: 'alice', password: 'alice-password-1' });
  await srv.server.accounts.add({ appID: APP.appID, UID: 'li', password: 'li-password-1' });
  await srv.server.accounts.add({ appID: APP.appID, UID: 'mei', password: 'mei-password-1' });
});

test.afterAll(async () => {
  for (const p of people.splice(0)) await p.close();
  await srv?.close();
});

test('English: wrong password refused in words; the right one signs in; remembered sign-in; token renewed; disabled', async ({
  browser,
}) => {
  const a = await Person.open(browser, srv.url, 'alice', 'Alice');
  people.push(a);
  const page = a.page;
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Password' })).toBeChecked();
  await expect(page.getByRole('textbox', { name: 'App secret' })).toHaveCount(0);

  await page.getByRole('textbox', { name: 'User ID', exact: true }).fill('alice');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Please fill in: Password.');

  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not-her-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong user ID or password');

  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('alice-password-1');
  await page.getByRole('textbox', { name: 'Display name' }).fill('Alice');
  await page.getByRole('checkbox', { name: 'Remember me' }).check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByText('Signed in as Alice')).toBeVisible();

  // Stored: a refresh credential, never the password nor the app secret.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(stored).not.toContain('alice-password-1');
  expect(stored).not.toContain(APP.appSecret);
  const remembered = await page.evaluate(
    () => JSON.parse(localStorage.getItem('crvideo-phone.settings.v1') ?? '{}').login?.refreshToken as string,
  );
  expect(remembered).toMatch(/^[\w-]{20,}$/);

  // The 5 s token is renewed in the background: still signed in well after it expired.
  await page.waitForTimeout(7000);
  await expect(page.getByText('Signed in as Alice')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0);

  // Next start: signed in again by the remembered sign-in.
  await page.reload();
  await expect(page.getByText('Signed in as Alice')).toBeVisible();

  // The admin disables her: she is signed out and told why; the remembered sign-in no longer works.
  await srv.server.accounts.disable(APP.appID, 'alice');
  await expect(page.getByRole('alert')).toContainText('Your account was disabled by an administrator.');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('Chinese: the same form by its Chinese names', async ({ browser }) => {
  const p = await Person.open(browser, srv.url, 'li', '李雷', { lang: 'zh-CN' });
  people.push(p);
  const page = p.page;
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  await expect(page.getByRole('radio', { name: '密码' })).toBeChecked();
  await page.getByRole('textbox', { name: '用户 ID', exact: true }).fill('li');
  await page.getByRole('textbox', { name: '密码', exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('用户 ID 或密码错误');
  await page.getByRole('textbox', { name: '密码', exact: true }).fill('li-password-1');
  await page.getByRole('textbox', { name: '显示名称' }).fill('李雷');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByText('已登录：李雷')).toBeVisible();
});

test('a one-time code from the admin, typed as the password, signs in once', async ({ browser }) => {
  const code = await srv.server.accounts.issueCode({ appID: APP.appID, UID: 'mei', minutes: 10 });
  const p = await Person.open(browser, srv.url, 'mei', 'Mei');
  people.push(p);
  const page = p.page;
  const signIn = async () => {
    await page.getByRole('textbox', { name: 'User ID', exact: true }).fill('mei');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(code.toLowerCase());
    await page.getByRole('textbox', { name: 'Display name' }).fill('Mei');
    await page.getByRole('checkbox', { name: 'Remember me' }).uncheck();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };
  await signIn();
  await expect(page.getByText('Signed in as Mei')).toBeVisible();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn();
  await expect(page.getByRole('alert')).toContainText('Wrong user ID or password');
});

test('a signed-in user changes their own password in Settings; remember me survives; the old one stops working', async ({
  browser,
}) => {
  test.setTimeout(240_000); // a second server and app build on a shared, loaded machine
  // Its own server with tokens of normal length: a password change is two scrypt runs, which on a
  // loaded machine can outlast the 5 s tokens of the other stories.
  const own = await UiServer.start(await buildApp(), { userAuth: 'accounts' });
  try {
    await own.server.accounts.add({ appID: APP.appID, UID: 'nora', password: 'nora-password-1' });
    const p = await Person.open(browser, own.url, 'nora', 'Nora');
    people.push(p);
    const page = p.page;
    const signIn = async (password: string, remember: boolean) => {
      await page.getByRole('textbox', { name: 'User ID', exact: true }).fill('nora');
      await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
      await page.getByRole('textbox', { name: 'Display name' }).fill('Nora');
      await page.getByRole('checkbox', { name: 'Remember me' }).setChecked(remember);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    };
    await signIn('nora-password-1', true);
    await expect(page.getByText('Signed in as Nora')).toBeVisible();
    await page.getByRole('button', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Change password' });
    const change = async (current: string, next: string, repeat = next) => {
      await form.getByLabel('Current password').fill(current);
      await form.getByLabel('New password', { exact: true }).fill(next);
      await form.getByLabel('New password again').fill(repeat);
      await form.getByRole('button', { name: 'Change password' }).click();
    };
    await change('nora-password-1', 'nora-new-pass', 'nora-new-typo');
    await expect(form.getByRole('alert')).toHaveText('The two new passwords differ.');
    await change('not-my-password', 'nora-new-pass');
    await expect(form.getByRole('alert')).toHaveText('The current password is wrong.');
    const stored = () =>
      page.evaluate(
        () => JSON.parse(localStorage.getItem('crvideo-phone.settings.v1') ?? '{}').login?.refreshToken as string,
      );
    const before = await stored();
    expect(before).toMatch(/^[\w-]{20,}$/);
    await change('nora-password-1', 'nora-new-pass');
    await expect(form.getByRole('status')).toHaveText('Password changed. Use the new one from now on.');
    // The change revoked every saved sign-in; the app bought a new one with the new password, so the
    // next start still signs her in by itself.
    await expect.poll(stored, { timeout: 10_000 }).not.toBe(before);
    await page.reload();
    await expect(page.getByText('Signed in as Nora')).toBeVisible();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('nora-password-1', false);
    await expect(page.getByRole('alert')).toContainText('Wrong user ID or password');
    await signIn('nora-new-pass', false);
    await expect(page.getByText('Signed in as Nora')).toBeVisible();
  } finally {
    await own.close();
  }
});
