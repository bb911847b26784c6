// The softphone UI end to end: real Chromium (fake camera and mic), the real server with real mediasoup
// workers, the real renderer and browser SDK built from the sources. Each person has their own browser
// context; elements are found only by role and accessible name, in English (?lang=en).
import { type Browser, expect, test } from '@playwright/test';
import { SignJWT } from 'jose';
import { APP, buildApp, Person, UiServer } from './uiHarness.js';

let routes: Awaited<ReturnType<typeof buildApp>>;
let srv: UiServer;
const people: Person[] = [];
let seq = 0;

test.beforeAll(async () => {
  routes = await buildApp();
  srv = await UiServer.start(routes);
});

test.afterAll(async () => {
  await srv?.close();
});

test.afterEach(async () => {
  for (const p of people.splice(0)) {
    // No CSP violation and no uncaught error in any page, whatever the test did.
    expect(p.problems, `${p.name}'s page`).toEqual([]);
    await p.close();
  }
});

/** A person with a fresh UID (tests share one server) and a display name unique to this test. */
async function person(browser: Browser, name: string, server: UiServer = srv): Promise<Person> {
  seq += 1;
  const p = await Person.open(browser, server.url, `${name.toLowerCase()}-${seq}`, `${name} ${seq}`);
  people.push(p);
  return p;
}

test('sign in with a wrong secret, then the right one; remembered without the secret; auto sign-in', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  await expect(a.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await a.submitSignIn('not-the-secret');
  await expect(a.page.getByRole('alert')).toContainText('Wrong app ID or app secret.');

  await a.submitSignIn(APP.appSecret, { auto: true });
  await expect(a.page.getByText(`Signed in as ${a.name}`)).toBeVisible();
  await expect(a.page.getByRole('status').filter({ hasText: 'Your status' })).toContainText('Online');

  // The browser's storage holds the MD5 of the secret, never the secret itself.
  const stored = await a.page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(stored).not.toContain(APP.appSecret);
  expect(stored).toContain(a.UID);

  // Next start: signed in automatically.
  await a.page.reload();
  await expect(a.page.getByText(`Signed in as ${a.name}`)).toBeVisible();

  // Signing out stops the automatic sign-in and keeps the form filled (secret field empty, marked saved).
  await a.page.getByRole('button', { name: 'Settings' }).click();
  await a.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(a.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await a.page.reload();
  await expect(a.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(a.page.getByRole('textbox', { name: 'User ID', exact: true })).toHaveValue(a.UID);
  await expect(a.page.getByRole('textbox', { name: 'App secret' })).toHaveValue('');
  await a.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(a.page.getByText(`Signed in as ${a.name}`)).toBeVisible();
});

test('presence updates live: the other user signs in, enters do-not-disturb, signs out', async ({ browser }) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  await a.signIn();
  await b.signIn();

  const bobRow = a.person(b.name);
  await expect(bobRow).toContainText('Online');

  await b.page.getByRole('switch', { name: 'Do not disturb' }).click();
  await expect(b.page.getByRole('switch', { name: 'Do not disturb' })).toBeChecked();
  await expect(bobRow).toContainText('Do not disturb');

  await b.page.getByRole('switch', { name: 'Do not disturb' }).click();
  await expect(bobRow).toContainText('Online');

  // Search filters the list.
  await a.page.getByRole('searchbox', { name: 'Search people' }).fill('no-such-person-xyz');
  await expect(bobRow).toBeHidden();
  await a.page.getByRole('searchbox', { name: 'Search people' }).fill(b.UID);
  await expect(bobRow).toBeVisible();

  await b.page.getByRole('button', { name: 'Settings' }).click();
  await b.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(bobRow).toContainText('Offline');
});

test('a full call by clicking: ring, accept, video both ways, mute seen by the other, hang up, history', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  await a.signIn();
  await b.signIn();
  await expect(a.person(b.name)).toContainText('Online');

  await a.call(b.name, 'about the report');
  await expect(a.outgoing()).toContainText(`Calling ${b.name}…`);
  await expect(b.incoming()).toContainText(`${a.name} is calling`);
  await expect(b.incoming()).toContainText('Note: about the report');
  await expect(a.outgoing()).toContainText('Ringing…');
  await expect(a.person(b.name)).toContainText('Busy');

  await b.incoming().getByRole('button', { name: 'Accept' }).click();
  await expect(b.incoming()).toBeHidden();
  await expect(a.outgoing()).toBeHidden();

  await expect(a.page.getByRole('heading', { name: `Call with ${b.name}` })).toBeVisible();
  await expect(b.page.getByRole('heading', { name: `Call with ${a.name}` })).toBeVisible();
  await expect(a.tile(`${a.name} (you)`)).toBeVisible();
  await a.expectMovingVideo(b.name);
  await b.expectMovingVideo(a.name);
  await expect(b.tile(a.name).getByRole('img', { name: 'Microphone on' })).toBeVisible();
  // Loopback media: the network indicator reads good.
  await expect(a.page.getByRole('img', { name: 'Network: good' })).toBeVisible();
  // The fake microphones beep: someone is highlighted as the active speaker.
  await expect(a.page.getByRole('img', { name: 'Speaking' }).first()).toBeVisible();

  const mute = a.page.getByRole('toolbar', { name: 'Call controls' }).getByRole('button', { name: 'Mute' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await expect(b.tile(a.name).getByRole('img', { name: 'Microphone off' })).toBeVisible();
  await mute.click();
  await expect(b.tile(a.name).getByRole('img', { name: 'Microphone on' })).toBeVisible();

  // Device pickers list the (fake) devices; choosing one keeps the call going.
  await a.page.getByRole('button', { name: 'Devices' }).click();
  const camera = a.page.getByRole('combobox', { name: 'Camera' });
  await expect(camera.getByRole('option')).not.toHaveCount(1);
  const cameraIds = await camera.getByRole('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  await camera.selectOption(cameraIds[cameraIds.length - 1] ?? '');
  await b.expectMovingVideo(a.name);
  await expect(a.page.getByRole('combobox', { name: 'Microphone' })).toBeEnabled();
  await expect(a.page.getByRole('combobox', { name: 'Speaker' })).toBeVisible();

  await expect(a.page.getByRole('timer', { name: 'Call duration' })).toHaveText(/0:0[2-9]|0:[1-5]\d/);
  await b.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
  await expect(a.page.getByRole('status').filter({ hasText: 'Call ended.' })).toBeVisible();
  await expect(a.page.getByRole('heading', { name: 'People' })).toBeVisible();

  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const) {
    await me.page.getByRole('button', { name: 'History' }).click();
    await expect(
      me.page.getByRole('row', { name: new RegExp(`${other.name}.*Answered.*Duration \\d+:\\d\\d`) }),
    ).toBeVisible();
  }
});

test('reject: the caller reads that the call was declined; both histories say so', async ({ browser }) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  await a.signIn();
  await b.signIn();

  await a.call(b.name);
  await expect(b.incoming()).toBeVisible();
  await b.incoming().getByRole('button', { name: 'Reject' }).click();
  await expect(b.incoming()).toBeHidden();
  await expect(a.outgoing()).toContainText(`${b.name} declined the call.`);
  await a.outgoing().getByRole('button', { name: 'Close' }).click();
  await expect(a.outgoing()).toBeHidden();

  await a.page.getByRole('button', { name: 'History' }).click();
  await expect(a.page.getByRole('row', { name: new RegExp(`${b.name}.*Outgoing.*Declined`) })).toBeVisible();
  await b.page.getByRole('button', { name: 'History' }).click();
  await expect(b.page.getByRole('row', { name: new RegExp(`${a.name}.*Incoming.*Declined by you`) })).toBeVisible();
});

test('cancel while ringing: the callee stops ringing and sees a missed call until viewing history', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  await a.signIn();
  await b.signIn();

  await a.call(b.name);
  await expect(a.outgoing()).toContainText('Ringing…');
  await expect(b.incoming()).toBeVisible();
  await a.outgoing().getByRole('button', { name: 'Cancel call' }).click();
  await expect(a.outgoing()).toContainText('Call cancelled.');
  await expect(b.incoming()).toBeHidden();

  const badge = b.page.getByRole('button', { name: 'History, 1 missed' });
  await expect(badge).toBeVisible();
  await badge.click();
  await expect(b.page.getByRole('row', { name: new RegExp(`${a.name}.*Missed`) })).toBeVisible();
  await b.page.getByRole('button', { name: 'Home' }).click();
  await expect(b.page.getByRole('button', { name: 'History', exact: true })).toBeVisible();

  // Call back from the history row.
  await a.page.getByRole('button', { name: 'Close' }).click();
  await b.page.getByRole('button', { name: 'History', exact: true }).click();
  await b.page
    .getByRole('button', { name: `Call ${a.name} back` })
    .first()
    .click();
  await expect(a.incoming()).toContainText(`${b.name} is calling`);
  await b.outgoing().getByRole('button', { name: 'Cancel call' }).click();
  await expect(a.incoming()).toBeHidden();
});

test('no answer: with a short server timeout the caller reads that nobody answered', async ({ browser }) => {
  const quick = await UiServer.start(routes, { callTimeoutMs: 3000 });
  try {
    const a = await person(browser, 'Alice', quick);
    const b = await person(browser, 'Bob', quick);
    await a.signIn();
    await b.signIn();
    await a.call(b.name);
    await expect(b.incoming()).toBeVisible();
    await expect(a.outgoing()).toContainText(`${b.name} did not answer.`, { timeout: 10_000 });
    await expect(b.incoming()).toBeHidden();
    await expect(b.page.getByRole('button', { name: 'History, 1 missed' })).toBeVisible();
    await a.page.getByRole('button', { name: 'Close' }).click();
    await a.page.getByRole('button', { name: 'History' }).click();
    await expect(a.page.getByRole('row', { name: new RegExp(`${b.name}.*No answer`) })).toBeVisible();
  } finally {
    for (const p of people.splice(0)) await p.close();
    await quick.close();
  }
});

test('calling a user in do-not-disturb, an offline user and an unknown ID: the outcome in words', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  const c = await person(browser, 'Carol');
  await a.signIn();
  await b.signIn();
  await c.signIn();
  await c.page.getByRole('button', { name: 'Settings' }).click();
  await c.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(a.person(c.name)).toContainText('Offline');

  await b.page.getByRole('switch', { name: 'Do not disturb' }).click();
  await expect(a.person(b.name)).toContainText('Do not disturb');
  await a.call(b.name);
  await expect(a.outgoing()).toContainText(`${b.name} is busy or does not want to be disturbed.`);
  await expect(b.incoming()).toBeHidden();
  await a.outgoing().getByRole('button', { name: 'Close' }).click();

  await a.call(c.name);
  await expect(a.outgoing()).toContainText(`${c.name} is offline.`);
  await a.outgoing().getByRole('button', { name: 'Close' }).click();

  await a.dial('nobody-at-all');
  await expect(a.outgoing()).toContainText('There is no user with the ID “nobody-at-all”.');
  await a.outgoing().getByRole('button', { name: 'Close' }).click();

  // A user in do-not-disturb can still call out.
  await b.call(a.name);
  await expect(a.incoming()).toContainText(`${b.name} is calling`);
  await a.incoming().getByRole('button', { name: 'Reject' }).click();
});

test('call waiting: a second call during a call can be rejected, or accepted which ends the first', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  const c = await person(browser, 'Carol');
  await a.signIn();
  await b.signIn();
  await c.signIn();

  await a.call(b.name);
  await b.incoming().getByRole('button', { name: 'Accept' }).click();
  await b.expectMovingVideo(a.name);

  await c.call(b.name);
  const waiting = b.page.getByRole('region', { name: 'Call waiting' });
  await expect(waiting).toContainText(`${c.name} is also calling.`);
  await expect(b.incoming()).toBeHidden();
  await waiting.getByRole('button', { name: `Reject ${c.name}` }).click();
  await expect(waiting).toBeHidden();
  await expect(c.outgoing()).toContainText(`${b.name} declined the call.`);
  await c.outgoing().getByRole('button', { name: 'Close' }).click();
  await expect(b.tile(a.name)).toBeVisible();

  await c.call(b.name);
  await expect(waiting).toBeVisible();
  await waiting.getByRole('button', { name: 'Accept and end current call' }).click();
  await expect(a.page.getByRole('status').filter({ hasText: 'Call ended.' })).toBeVisible();
  await expect(b.page.getByRole('heading', { name: `Call with ${c.name}` })).toBeVisible();
  await b.expectMovingVideo(c.name);
  await c.expectMovingVideo(b.name);
  await expect(b.tile(a.name)).toBeHidden();
  await c.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
});

test('three in one room: "Add person" calls a third user into the call; the grid shows three tiles', async ({
  browser,
}) => {
  const a = await person(browser, 'Alice');
  const b = await person(browser, 'Bob');
  const c = await person(browser, 'Carol');
  await a.signIn();
  await b.signIn();
  await c.signIn();

  await a.call(b.name);
  await b.incoming().getByRole('button', { name: 'Accept' }).click();
  await a.expectMovingVideo(b.name);

  await a.page.getByRole('button', { name: 'Add person' }).click();
  await a.page.getByRole('textbox', { name: 'User ID to add' }).fill(c.UID);
  await a.page.getByRole('button', { name: 'Invite' }).click();
  await expect(c.incoming()).toContainText(`${a.name} is calling`);
  await c.incoming().getByRole('button', { name: 'Accept' }).click();

  for (const [viewer, others] of [
    [a, [b, c]],
    [b, [a, c]],
    [c, [a, b]],
  ] as const) {
    await expect(viewer.page.getByRole('figure')).toHaveCount(3);
    for (const o of others) await viewer.expectMovingVideo(o.name);
  }

  // Carol leaves: the others stay in the call together.
  await c.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(a.page.getByRole('figure')).toHaveCount(2);
  await expect(b.tile(a.name)).toBeVisible();
  await a.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(b.page.getByRole('heading', { name: 'People' })).toBeVisible();
});

test('sign in with a token; a bad token is refused in words', async ({ browser }) => {
  const a = await person(browser, 'Alice');
  const token = (UID: string) =>
    new SignJWT({ appID: APP.appID, UID })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(APP.appSecret));
  const page = a.page;
  await page.getByRole('radio', { name: 'Token' }).check();
  await page.getByRole('textbox', { name: 'Token' }).fill(await token('somebody-else'));
  await page.getByRole('textbox', { name: 'User ID', exact: true }).fill(a.UID);
  await page.getByRole('textbox', { name: 'Display name' }).fill(a.name);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('The token is invalid for this app ID and user ID.');

  await page.getByRole('textbox', { name: 'Token' }).fill(await token(a.UID));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByText(`Signed in as ${a.name}`)).toBeVisible();
});

test('signed in elsewhere: the first window returns to sign-in and says why', async ({ browser }) => {
  const first = await person(browser, 'Alice');
  await first.signIn();
  const second = await Person.open(browser, srv.url, first.UID, first.name);
  people.push(second);
  await second.signIn();
  await expect(first.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(first.page.getByRole('alert')).toContainText('Your user ID signed in on another device');
  await expect(second.page.getByText(`Signed in as ${first.name}`)).toBeVisible();
});
