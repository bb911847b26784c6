// Network drop seen from the UI: the server is closed and started again on the same port and data dir.
// The app shows "Reconnecting…", recovers by itself (no sign-in form), and calls work again.
import { expect, test } from '@playwright/test';
import { buildApp, Person, UiServer } from './uiHarness.js';

test('reconnect after the server restarts: banner, then presence and calls work again', async ({ browser }) => {
  const routes = await buildApp();
  const srv = await UiServer.start(routes);
  const people: Person[] = [];
  try {
    const a = await Person.open(browser, srv.url, 'alice-rc', 'Alice');
    const b = await Person.open(browser, srv.url, 'bob-rc', 'Bob');
    people.push(a, b);
    await a.signIn();
    await b.signIn();
    await expect(a.person('Bob')).toContainText('Online');

    const banner = a.page.getByRole('status').filter({ hasText: 'Reconnecting…' });
    const restarted = srv.restart(2500);
    await expect(banner).toBeVisible();
    await expect(b.page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
    await restarted;
    await expect(banner).toBeHidden({ timeout: 30_000 });
    await expect(a.page.getByText('Signed in as Alice')).toBeVisible();
    await expect(a.page.getByRole('heading', { name: 'Sign in' })).toBeHidden();
    await expect(a.person('Bob')).toContainText('Online');

    await a.call('Bob');
    await b.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');
    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
    for (const p of people) expect(p.problems, p.name).toEqual([]);
  } finally {
    for (const p of people) await p.close();
    await srv.close();
  }
});

test('a server restart in the middle of a call: both sides end up back home, and calling again works', async ({
  browser,
}) => {
  const routes = await buildApp();
  const srv = await UiServer.start(routes);
  const people: Person[] = [];
  try {
    const a = await Person.open(browser, srv.url, 'alice-rc2', 'Alice');
    const b = await Person.open(browser, srv.url, 'bob-rc2', 'Bob');
    people.push(a, b);
    await a.signIn();
    await b.signIn();
    await a.call('Bob');
    await b.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');

    await srv.restart(2500);
    // The server's calls do not survive its restart: each side learns the call is over (told by the
    // server as it closed, or from the peer's presence once back) and returns home with a message.
    for (const p of people) {
      await expect(p.page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeHidden({ timeout: 30_000 });
      await expect(p.page.getByRole('heading', { name: 'People' })).toBeVisible({ timeout: 20_000 });
    }
    await expect(a.person('Bob')).toContainText('Online');

    await b.call('Alice');
    await a.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');
    await b.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(a.page.getByRole('heading', { name: 'People' })).toBeVisible();
    for (const p of people) expect(p.problems, p.name).toEqual([]);
  } finally {
    for (const p of people) await p.close();
    await srv.close();
  }
});
