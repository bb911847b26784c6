// Screenshots of each main screen in English and Chinese (under this test's output folder), taken along a
// real call between two people; also covers the language switch at run time and the incoming-call keys.
import { expect, test } from '@playwright/test';
import { buildApp, Person, UiServer } from './uiHarness.js';

test('screens in English and zh-CN: sign-in, home, incoming call, in-room with two tiles, history', async ({
  browser,
}, testInfo) => {
  const routes = await buildApp();
  const srv = await UiServer.start(routes);
  const a = await Person.open(browser, srv.url, 'alice', 'Alice');
  // Bob's system prefers the dark theme.
  const b = await Person.open(browser, srv.url, 'bob', 'Bob', { colorScheme: 'dark' });
  /** Screenshot in English, switch to Chinese, screenshot, switch back (checking the switch took effect). */
  const both = async (p: Person, screen: string, zhCheck: () => Promise<void>) => {
    await p.screenshot(testInfo.outputPath(`en-${screen}.png`));
    await p.page.getByRole('button', { name: /Switch to Chinese/ }).click();
    await zhCheck();
    await p.screenshot(testInfo.outputPath(`zh-CN-${screen}.png`));
    await p.page.getByRole('button', { name: /Switch to English/ }).click();
    await expect(p.page.locator('html')).toHaveAttribute('lang', 'en');
  };
  try {
    await expect(a.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await both(a, '1-sign-in', () => expect(a.page.getByRole('heading', { name: '登录' })).toBeVisible());

    await a.signIn();
    await b.signIn();
    await expect(a.person('Bob')).toContainText('Online');
    await both(a, '2-home', () => expect(a.page.getByRole('heading', { name: '联系人' })).toBeVisible());
    expect(await a.background()).not.toEqual(await b.background());
    await b.screenshot(testInfo.outputPath('en-2-home-dark.png'));

    // Incoming call in English; Escape rejects it.
    await b.call('Alice', 'Lunch at noon?');
    await expect(a.incoming()).toContainText('Bob is calling');
    await a.screenshot(testInfo.outputPath('en-3-incoming-call.png'));
    await a.page.keyboard.press('Escape');
    await expect(a.incoming()).toBeHidden();
    await expect(b.outgoing()).toContainText('Alice declined the call.');
    await b.outgoing().getByRole('button', { name: 'Close' }).click();

    // Again with Alice's app in Chinese; Enter accepts.
    await a.page.getByRole('button', { name: /Switch to Chinese/ }).click();
    await b.call('Alice', 'Lunch at noon?');
    await expect(a.incoming()).toContainText('Bob 来电');
    await a.screenshot(testInfo.outputPath('zh-CN-3-incoming-call.png'));
    await a.page.keyboard.press('Enter');
    await expect(a.incoming()).toBeHidden();
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');
    await expect(a.page.getByRole('figure')).toHaveCount(2);
    await a.page.getByRole('button', { name: /Switch to English/ }).click();
    await b.screenshot(testInfo.outputPath('en-4-in-room-dark.png'));
    await both(a, '4-in-room', () => expect(a.page.getByRole('button', { name: '挂断' })).toBeVisible());

    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
    await a.page.getByRole('button', { name: 'History' }).click();
    await expect(a.page.getByRole('row', { name: /Bob.*Answered/ })).toBeVisible();
    await expect(a.page.getByRole('row', { name: /Bob.*Declined by you/ })).toBeVisible();
    await both(a, '5-history', () => expect(a.page.getByRole('heading', { name: '通话记录' })).toBeVisible());

    await a.page.getByRole('button', { name: 'Settings' }).click();
    const meter = a.page.getByRole('meter', { name: 'Microphone level' });
    await expect(meter).toBeVisible();
    // The fake microphone beeps: the live level meter moves.
    await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await both(a, '6-settings', () => expect(a.page.getByRole('heading', { name: '设置' })).toBeVisible());

    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
  } finally {
    await a.close();
    await b.close();
    await srv.close();
  }
});
