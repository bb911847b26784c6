// A network drop of one user's link in the middle of a call, seen from the UI. Each person's browser
// reaches the server through its own TCP proxy (server/testing/CutProxy.ts), which resets the signaling
// connection and refuses new ones for the length of the cut. Grace is 4 s here.
// - Shorter than the grace: "Reconnecting…", then the call simply goes on (video still moving).
// - Longer than grace + 1 s: both sides are told "The call was interrupted by a network problem", are
//   home again (the cut side signs in again by itself), and "Call back" places a new call.
// The proxy carries signaling only: media flows directly to mediasoup over UDP, so the media path is not
// broken by the cut; the short-drop test restarts ICE after the resume and checks the video goes on.
import { type Browser, expect, test } from '@playwright/test';
import { CutProxy } from '../server/testing/CutProxy.js';
import { buildApp, Person, UiServer } from './uiHarness.js';

const GRACE_MS = 4000;

// Two video calls, a cut and a sign-in each: more than the default two minutes on a loaded machine.
test.slow();
const INTERRUPTED = 'The call was interrupted by a network problem.';

/** Alice and Bob, each with the app opened through their own cutting proxy. */
async function twoPeople(browser: Browser, srv: UiServer, tag: string) {
  const pa = await CutProxy.create(srv.server.port);
  const pb = await CutProxy.create(srv.server.port);
  const a = await Person.open(browser, pa.url, `alice-${tag}`, 'Alice');
  const b = await Person.open(browser, pb.url, `bob-${tag}`, 'Bob');
  return { pa, pb, a, b };
}

test('a drop shorter than the grace: "Reconnecting…", then the call goes on', async ({ browser }) => {
  const routes = await buildApp();
  const srv = await UiServer.start(routes, { graceMs: GRACE_MS });
  const { pa, pb, a, b } = await twoPeople(browser, srv, 'short');
  try {
    await a.signIn();
    await b.signIn();
    await a.call('Bob');
    await b.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');

    const banner = b.page.getByRole('status').filter({ hasText: 'Reconnecting…' });
    const cut = pb.cut(1500);
    await expect(banner).toBeVisible();
    await cut;
    await expect(banner).toBeHidden({ timeout: 5000 });

    // Still in the call on both sides, nothing said about an interruption, media still flowing.
    for (const p of [a, b]) {
      await expect(p.page.getByRole('button', { name: 'Hang up' })).toBeVisible();
      await expect(p.page.getByText(INTERRUPTED)).toBeHidden();
    }
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');
    // A fresh ICE path after the drop (what the engine does by itself when the drop broke the transports).
    const restarted = await b.page.evaluate(() =>
      (window as unknown as { CRVideo_RestartIce(): Promise<number> }).CRVideo_RestartIce(),
    );
    expect(restarted).toBe(2);
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');

    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
    await expect(b.page.getByText('Call ended.')).toBeVisible();
    for (const p of [a, b]) expect(p.problems, p.name).toEqual([]);
  } finally {
    await a.close();
    await b.close();
    await pa.close();
    await pb.close();
    await srv.close();
  }
});

test('a drop longer than the grace: both sides are told the call was interrupted, are home, and can call back', async ({
  browser,
}) => {
  const routes = await buildApp();
  const srv = await UiServer.start(routes, { graceMs: GRACE_MS });
  const { pa, pb, a, b } = await twoPeople(browser, srv, 'long');
  try {
    await a.signIn();
    await b.signIn();
    await a.call('Bob');
    await b.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');

    const cut = pb.cut(GRACE_MS + 1500);
    await expect(b.page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
    await cut;

    for (const p of [a, b]) {
      await expect(p.page.getByText(INTERRUPTED)).toBeVisible({ timeout: 20_000 });
      await expect(p.page.getByRole('heading', { name: 'People' })).toBeVisible({ timeout: 20_000 });
      await expect(p.page.getByRole('button', { name: 'Hang up' })).toBeHidden();
    }
    // Bob lost the line and signed in again by himself.
    await expect(b.page.getByText('Signed in as Bob')).toBeVisible();
    await expect(a.person('Bob')).toContainText('Online');

    await a.page.getByRole('button', { name: 'Call back' }).click();
    await b.incoming().getByRole('button', { name: 'Accept' }).click();
    await a.expectMovingVideo('Bob');
    await b.expectMovingVideo('Alice');
    await b.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(a.page.getByRole('heading', { name: 'People' })).toBeVisible();
    for (const p of [a, b]) expect(p.problems, p.name).toEqual([]);
  } finally {
    await a.close();
    await b.close();
    await pa.close();
    await pb.close();
    await srv.close();
  }
});
