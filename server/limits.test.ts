// Per-user and per-address limits against the real server: each attack gets its clear code, the
// server stays up, and a legitimate call completes while the attack runs.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { MeetObj } from '../protocol/index.js';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import {
  callAndAccept,
  closeClients,
  createRoom,
  login,
  newClient,
  next,
  sleep,
  startTestServer,
  TEST_APP,
  type TestServer,
} from './testing/fixtures.js';
import { loginPayload, rawClient } from './testing/rawClient.js';

const WRONG = md5Hex('not the secret');
const RIGHT = md5Hex(TEST_APP.appSecret);

/** A legitimate pair completes a whole call (ring, accept, hang up) — the proof that service goes on. */
async function legitimateCall(server: TestServer, tag: string): Promise<void> {
  const a = await login(server, `legit-a-${tag}`);
  const b = await login(server, `legit-b-${tag}`);
  const { callID } = await callAndAccept(a, b, `legit-b-${tag}`);
  const hung = next(b, 'CRVideo_NotifyCallHungup');
  a.CRVideo_HungupCall(callID);
  await hung;
  a.CRVideo_Logout();
  b.CRVideo_Logout();
}

async function callFails(a: CRVideoClient, UID: string, meet: MeetObj): Promise<number> {
  const fail = next(a, 'CRVideo_CallFail');
  a.CRVideo_Call(UID, meet);
  return (await fail)[1];
}

describe('login brute force', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: {
        loginFreeFailuresPerUID: 3,
        loginFreeFailuresPerAddress: 6,
        loginBackoffMs: 100,
        loginBackoffMaxMs: 200,
        loginLockoutFailuresPerUID: 6,
        loginLockoutFailuresPerAddress: 12,
        loginLockoutMs: 60_000,
      },
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('per UID: wrong secrets get 7, then 904 while backing off, then 806 locked out; others still call', async () => {
    const attacker = await rawClient(server.url, '127.0.0.2');
    const codes: number[] = [];
    for (let i = 0; i < 3; i++)
      codes.push((await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, 'victim'))).err);
    assert.deepEqual(codes, [7, 7, 7], 'the free failures are plain wrong-secret answers');
    assert.equal((await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, 'victim'))).err, 7);
    const hurried = await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, 'victim'));
    assert.equal(hurried.err, 904, 'a try during the back-off is refused without checking the secret');
    assert.match(hurried.msg ?? '', /retry in \d+ s/);

    // The attack goes on at full speed (all refused) while a legitimate call completes.
    let stop = false;
    const storm = (async () => {
      let n = 0;
      while (!stop) {
        const r = await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, 'victim'));
        assert.ok([7, 904, 806].includes(r.err), `attacker got ${r.err}`);
        n++;
      }
      return n;
    })();
    await legitimateCall(server, 'uid');
    stop = true;
    assert.ok((await storm) > 0);

    // Keep failing after each back-off: the sixth failure locks the UID, even with the right secret.
    let last = 0;
    for (let i = 0; i < 20 && last !== 806; i++) {
      await sleep(220);
      last = (await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, 'victim'))).err;
    }
    assert.equal(last, 806);
    const owner = await rawClient(server.url, '127.0.0.4');
    const locked = await owner.request('login', loginPayload(TEST_APP.appID, RIGHT, 'victim'));
    assert.equal(locked.err, 806, 'locked out: even the right secret waits');
    assert.match(locked.msg ?? '', /locked out/);
    attacker.close();
    owner.close();
  });

  test('per address: many UIDs from one address back off and lock that address only', async () => {
    const attacker = await rawClient(server.url, '127.0.0.3');
    const codes: number[] = [];
    for (let i = 0; i < 40 && codes.at(-1) !== 806; i++) {
      const r = await attacker.request('login', loginPayload(TEST_APP.appID, WRONG, `guess-${i}`));
      codes.push(r.err);
      if (r.err === 904) await sleep(210);
    }
    assert.deepEqual(codes.slice(0, 6), [7, 7, 7, 7, 7, 7], 'six free failures for the address');
    assert.ok(codes.includes(904), 'then back-off');
    assert.equal(codes.at(-1), 806, 'then the address is locked out');
    const sameAddress = await attacker.request('login', loginPayload(TEST_APP.appID, RIGHT, 'someone-new'));
    assert.equal(sameAddress.err, 806, 'anything from the locked address is refused');
    // Another address is untouched.
    const c = await login(server, 'from-elsewhere');
    assert.equal(c.$core.UID, 'from-elsewhere');
    await legitimateCall(server, 'addr');
    attacker.close();
  });

  test('a right secret after a few failures resets the UID count', async () => {
    const c = await rawClient(server.url, '127.0.0.5');
    for (let i = 0; i < 2; i++)
      assert.equal((await c.request('login', loginPayload(TEST_APP.appID, WRONG, 'typo'))).err, 7);
    assert.equal((await c.request('login', loginPayload(TEST_APP.appID, RIGHT, 'typo'))).err, 0);
    c.close();
    const again = await rawClient(server.url, '127.0.0.5');
    for (let i = 0; i < 3; i++)
      assert.equal((await again.request('login', loginPayload(TEST_APP.appID, WRONG, 'typo'))).err, 7);
    again.close();
  });
});

describe('per-user limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      callTimeoutMs: 5000,
      limits: {
        meetingsPerUser: 4,
        outgoingCallsPerUser: 2,
        rejectsBeforeCooldown: 2,
        enterMeetingPerSession: 5,
        dndChangesPerUser: 4,
        dndBurstChanges: 2,
        dndBurstWindowMs: 1000,
      },
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('rooms per user: the fifth room in the window gets 904; other users create theirs', async () => {
    const a = await login(server, 'roomy');
    for (let i = 0; i < 4; i++) await createRoom(a);
    const fail = next(a, 'CRVideo_CreateMeetingFail');
    a.CRVideo_CreateMeeting('one too many', 'c');
    const [code, cookie] = await fail;
    assert.deepEqual([code, cookie], [904, 'c']);
    await legitimateCall(server, 'rooms');
  });

  test('outgoing calls at once: the third ringing call gets 904; hanging one up frees a place', async () => {
    const a = await login(server, 'dialer');
    const targets = await Promise.all(['t1', 't2', 't3'].map((u) => login(server, u)));
    const meet = await createRoom(a);
    const rung = targets.slice(0, 2).map((t) => next(t, 'CRVideo_NotifyCallIn'));
    const first = a.CRVideo_Call('t1', meet);
    a.CRVideo_Call('t2', meet);
    await Promise.all(rung);
    assert.equal(await callFails(a, 't3', meet), 904);
    await legitimateCall(server, 'outgoing');
    const ok = next(a, 'CRVideo_HangupCallSuccess');
    a.CRVideo_HungupCall(first);
    await ok;
    const rings = next(targets[2]!, 'CRVideo_NotifyCallIn');
    a.CRVideo_Call('t3', meet);
    await rings;
  });

  test('re-ringing after rejections: after 2 rejections the caller gets 904 for that callee; others still reach them', async () => {
    const pest = await login(server, 'pest');
    const victim = await login(server, 'victim');
    const meet = await createRoom(pest);
    for (let i = 0; i < 2; i++) {
      const callIn = next(victim, 'CRVideo_NotifyCallIn');
      const rejected = next(pest, 'CRVideo_NotifyCallRejected');
      pest.CRVideo_Call('victim', meet);
      const [callID] = await callIn;
      victim.CRVideo_RejectCall(callID);
      assert.equal((await rejected)[1], 606);
    }
    assert.equal(await callFails(pest, 'victim', meet), 904, 'no third ring');
    const friend = await login(server, 'friend');
    await callAndAccept(friend, victim, 'victim');
  });

  test('enterMeeting attempts per session: guessing room IDs gets 800 then 904; unknown and uninvited look alike', async () => {
    const owner = await login(server, 'owner');
    const meet = await createRoom(owner);
    const guesser = await rawClient(server.url);
    assert.equal((await guesser.request('login', loginPayload(TEST_APP.appID, RIGHT, 'guesser'))).err, 0);
    const uninvited = await guesser.request('enterMeeting', { meetID: meet.ID });
    const unknown = await guesser.request('enterMeeting', {
      meetID: 123_456_789 === meet.ID ? 123_456_788 : 123_456_789,
    });
    assert.deepEqual(
      { err: uninvited.err, msg: uninvited.msg },
      { err: unknown.err, msg: unknown.msg },
      'same answer: the room ID is not an oracle',
    );
    assert.equal(uninvited.err, 800);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await guesser.request('enterMeeting', { meetID: 100_000_000 + i })).err);
    assert.deepEqual(codes, [800, 800, 800, 904, 904]);
    const entered = next(owner, 'CRVideo_EnterMeetingRslt');
    owner.CRVideo_EnterMeeting3(meet.ID, 'e');
    assert.deepEqual(await entered, [0, 'e'], 'the owner still gets in');
    guesser.close();
    await legitimateCall(server, 'enter');
  });

  test('enterMeeting attempts per session: entries that succeed do not count (many calls in a row stay possible)', async () => {
    const owner = await login(server, 'busy-owner');
    const meet = await createRoom(owner);
    const codes: number[] = [];
    // Twice the allowance of 5: every entry succeeds, so none of them uses it up.
    for (let i = 0; i < 10; i++) {
      const entered = next(owner, 'CRVideo_EnterMeetingRslt');
      owner.CRVideo_EnterMeeting3(meet.ID, `e${i}`);
      codes.push((await entered)[0] as number);
      // ExitMeeting has no answer in the API; the next request on the socket comes after it.
      owner.CRVideo_ExitMeeting();
    }
    assert.deepEqual(codes, Array(10).fill(0));
    // Failed attempts still count: the allowance is whole, then spent.
    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = next(owner, 'CRVideo_EnterMeetingRslt');
      owner.CRVideo_EnterMeeting3(100_000_000 + i, 'g');
      guesses.push((await r)[0] as number);
    }
    assert.deepEqual(guesses, [800, 800, 800, 800, 800, 904]);
  });

  test('DND changes per user: 2 at once (the burst), 4 in the window, then 904', async () => {
    const flip = await login(server, 'flipper');
    const change = async (i: number) => {
      const ok = next(flip, 'CRVideo_SetDNDStatusSuccess').then(() => 0);
      const fail = next(flip, 'CRVideo_SetDNDStatusFail').then(([c]) => c);
      flip.CRVideo_SetDNDStatus(i % 2);
      return Promise.race([ok, fail]);
    };
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push(await change(i));
    assert.deepEqual(codes, [0, 0, 904], 'the third change at once is over the burst');
    await sleep(1100);
    const later: number[] = [];
    for (let i = 0; i < 3; i++) later.push(await change(i));
    assert.deepEqual(later, [0, 0, 904], 'a new burst, and then the window of 4 is spent');
    await legitimateCall(server, 'dnd');
  });

  test('a client hammering a limit is answered a few times a second, not at its own speed; a call completes meanwhile', async () => {
    const hammer = await rawClient(server.url, '127.0.0.5');
    assert.equal((await hammer.request('login', loginPayload(TEST_APP.appID, RIGHT, 'hammer'))).err, 0);
    // The window's 4 changes, in two bursts of 2: from now on every change is refused for the minute.
    for (let i = 0; i < 4; i++) {
      if (i === 2) await sleep(1100);
      assert.equal((await hammer.request('setDND', { DNDStatus: i % 2 })).err, 0);
    }
    // 20 more, pipelined: every one is refused 904, but after each refusal the socket is not read for
    // refusalHoldMs (200 ms), so the server answers about five a second instead of twenty at once.
    const t0 = performance.now();
    const answered: number[] = [];
    const all = Array.from({ length: 20 }, (_, i) =>
      hammer.request('setDND', { DNDStatus: i % 2 }).then((r) => {
        answered.push(performance.now() - t0);
        return r.err;
      }),
    );
    await legitimateCall(server, 'hammered');
    assert.deepEqual(await Promise.all(all), Array(20).fill(904));
    const inFirstSecond = answered.filter((ms) => ms < 1000).length;
    assert.ok(inFirstSecond <= 6, `${inFirstSecond} refusals answered in the first second (at most 5 + 1 expected)`);
    hammer.close();
  });

  test('usrExtDat over 8 KiB and nicknames over 128 characters are refused with 5', async () => {
    const a = await login(server, 'sizer');
    const meet = await createRoom(a);
    await login(server, 'sized');
    const fail = next(a, 'CRVideo_CallFail');
    a.CRVideo_Call('sized', meet, 'x'.repeat(8 * 1024 + 1));
    assert.equal((await fail)[1], 5);
    const c = newClient(server);
    const refused = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login(TEST_APP.appID, RIGHT, 'n'.repeat(129), 'long-nick', '');
    assert.equal((await refused)[0], 5);
  });
});

describe('request budget', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerSocketPerSecond: 50, requestsPerAddressPerSecond: 100 } });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a pipelining client is paced, not refused, and a legitimate call does not queue behind it', async () => {
    const flood = await rawClient(server.url, '127.0.0.6');
    assert.equal((await flood.request('login', loginPayload(TEST_APP.appID, RIGHT, 'piper'))).err, 0);
    let answered = 0;
    const all = Array.from({ length: 200 }, () =>
      flood.request('getCallRecords', { limit: 200 }).then((r) => {
        answered++;
        return r.err;
      }),
    );
    await legitimateCall(server, 'budget');
    assert.ok(answered < 200, `the legitimate call finished while ${200 - answered} of the flood still waited`);
    assert.deepEqual(new Set(await Promise.all(all)), new Set([0]), 'every paced request is answered, none refused');
    flood.close();
  });
});
