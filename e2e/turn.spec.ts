// TURN: Debian's coturn on loopback (use-auth-secret), the server handing each client short-lived
// credentials of coturn's REST scheme. Chromium clients forced to relay only (iceTransportPolicy
// 'relay': no host candidates at all) still see and hear each other; coturn refuses an expired
// credential, and an ICE restart brings a fresh one.
import { expect, type Page, test } from '@playwright/test';
import { type IceServer, turnCredentials } from '../server/media/TurnCredentials.js';
import { type Coturn, startCoturn } from '../server/testing/coturn.js';
import { type MediaServer, startMediaServer, User, until } from './mediaHarness.js';

let turn: Coturn;
let ms: MediaServer;
const users: User[] = [];
let seq = 0;

test.beforeAll(async () => {
  turn = await startCoturn();
  ms = await startMediaServer({ numWorkers: 1 }, { turn: { urls: [turn.url], secret: turn.secret, ttlSec: 600 } });
});

test.afterAll(async () => {
  for (const u of users.splice(0)) await u.close();
  await ms?.close();
  await turn?.close();
});

/** The candidate types a relay-only peer connection gathers with `server` (and whether TURN said 401). */
function gather(page: Page, server: IceServer) {
  return page.evaluate(async (ice) => {
    const pc = new RTCPeerConnection({ iceServers: [ice], iceTransportPolicy: 'relay' });
    const types: string[] = [];
    const errors: number[] = [];
    pc.onicecandidateerror = (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    const done = new Promise<void>((resolve) => {
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 8000);
    });
    pc.onicecandidate = (e) => e.candidate && types.push(e.candidate.type ?? '');
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    pc.close();
    return { types, errors };
  }, server);
}

test("coturn accepts the server's credentials and refuses an expired one", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${ms.url}/`);
    const fresh = await gather(page, turnCredentials({ urls: [turn.url], secret: turn.secret }, 'probe'));
    expect(fresh.types).toContain('relay');
    const expired = await gather(
      page,
      turnCredentials({ urls: [turn.url], secret: turn.secret, ttlSec: -60 }, 'probe', Date.now()),
    );
    expect(expired.types).not.toContain('relay');
    const wrong = await gather(page, turnCredentials({ urls: [turn.url], secret: 'not-the-secret' }, 'probe'));
    expect(wrong.types).not.toContain('relay');
  } finally {
    await context.close();
  }
});

test('relay only: both members see and hear each other through TURN; ICE restart renews the credential', async ({
  browser,
}) => {
  const a = await User.open(browser, ms, `ra-${++seq}`, 'relay.html');
  const b = await User.open(browser, ms, `rb-${++seq}`, 'relay.html');
  users.push(a, b);
  await a.login();
  await b.login();
  const since = await a.eventCount();
  await a.fn('CRVideo_CreateMeeting', 'relay', 'create');
  const [meet] = (await a.waitFor('CRVideo_CreateMeetingSuccess', [], since)) as [{ ID: number }];
  const sinceB = await b.eventCount();
  const callID = (await a.fn('CRVideo_Call', b.UID, meet, '', 'dial')) as string;
  const [, inMeet] = await b.waitFor('CRVideo_NotifyCallIn', [callID], sinceB);
  await b.fn('CRVideo_AcceptCall', callID, inMeet, '', 'accept');
  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await a.openMicAndCamera();
  await b.openMicAndCamera();
  // Relay allocation adds round trips; on a loaded 2-core machine the first frames take a while.
  await until('A sees B through the relay', async () => ((await a.video(b.UID))?.frames ?? 0) > 5, 60_000);
  await until('B sees A through the relay', async () => ((await b.video(a.UID))?.frames ?? 0) > 5, 60_000);
  await until('A hears B', async () => (await a.audioBytesFrom(b.UID)) > 2000, 30_000);
  await until('B hears A', async () => (await b.audioBytesFrom(a.UID)) > 2000, 30_000);
  // Every path went through coturn: it allocated relays for both users' credentials.
  expect(turn.log()).toMatch(new RegExp(`\\d+:${a.UID}`));
  expect(turn.log()).toMatch(new RegExp(`\\d+:${b.UID}`));

  // ICE restart: the server answers with a fresh credential and media keeps flowing through the relay.
  const allocationsBefore = (turn.log().match(new RegExp(`\\d+:${a.UID}`, 'g')) ?? []).length;
  // Both of A's transports (send, recv) restarted.
  expect(await a.fn('CRVideo_RestartIce')).toBe(2);
  const before = (await b.video(a.UID))?.frames ?? 0;
  await until(
    'B still gets frames from A after the restart',
    async () => ((await b.video(a.UID))?.frames ?? 0) > before + 10,
  );
  expect((turn.log().match(new RegExp(`\\d+:${a.UID}`, 'g')) ?? []).length).toBeGreaterThanOrEqual(allocationsBefore);
});
