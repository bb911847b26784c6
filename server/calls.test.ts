import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { MeetObj } from '../protocol/index.js';
import type { CRVideoClient } from '../sdk/index.js';
import {
  closeClients,
  collect,
  createRoom,
  login,
  next,
  sleep,
  startTestServer,
  type TestServer,
} from './testing/fixtures.js';

/** A calls B into a fresh room; resolves once B's phone rings. */
async function ring(a: CRVideoClient, b: CRVideoClient, bUID: string, note = '') {
  const meet = await createRoom(a);
  const callIn = next(b, 'CRVideo_NotifyCallIn');
  const ok = next(a, 'CRVideo_CallSuccess');
  const callID = a.CRVideo_Call(bUID, meet, note, 'call-cookie');
  const [okID, cookie] = await ok;
  assert.equal(okID, callID);
  assert.equal(cookie, 'call-cookie');
  const [inID, inMeet, callerID, usrExtDat] = await callIn;
  assert.equal(inID, callID);
  assert.equal(inMeet.ID, meet.ID);
  return { meet, callID, callerID, usrExtDat };
}

async function callFails(a: CRVideoClient, UID: string, meet: MeetObj): Promise<number> {
  const fail = next(a, 'CRVideo_CallFail');
  const callID = a.CRVideo_Call(UID, meet, '', 'fail-cookie');
  const [id, code, cookie] = await fail;
  assert.equal(id, callID);
  assert.equal(cookie, 'fail-cookie');
  return code;
}

async function records(c: CRVideoClient) {
  const r = next(c, 'CRVideo_GetCallRecordsRslt');
  c.CRVideo_GetCallRecords('rec');
  const [err, list, cookie] = await r;
  assert.equal(err, 0);
  assert.equal(cookie, 'rec');
  return list;
}

describe('calls', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ callTimeoutMs: 400 });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test("the seed's flow: create, call, accept, both enter, hang up, both exit", async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { meet, callID, callerID, usrExtDat } = await ring(a, b, 'bob', '{"note":"hi"}');
    assert.equal(callerID, 'alice');
    assert.equal(usrExtDat, '{"note":"hi"}');
    assert.equal(meet.creator, 'alice');
    assert.equal(meet.pswd, '');

    const accepted = next(a, 'CRVideo_NotifyCallAccepted');
    const acceptOk = next(b, 'CRVideo_AcceptCallSuccess');
    b.CRVideo_AcceptCall(callID, meet, 'ok', 'acc');
    assert.deepEqual(await acceptOk, [callID, 'acc']);
    const [accID, accMeet, accExt] = await accepted;
    assert.equal(accID, callID);
    assert.equal(accMeet.ID, meet.ID);
    assert.equal(accExt, 'ok');

    const bEnters = next(a, 'CRVideo_UserEnterMeeting');
    const aIn = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3(meet.ID, 'enterA');
    assert.deepEqual(await aIn, [0, 'enterA']);
    const bIn = next(b, 'CRVideo_EnterMeetingRslt');
    b.CRVideo_EnterMeeting3(meet.ID, 'enterB');
    assert.deepEqual(await bIn, [0, 'enterB']);
    assert.deepEqual(await bEnters, ['bob']);

    const hungup = next(b, 'CRVideo_NotifyCallHungup');
    const hungupAlias = next(b, 'CRVideo_NotifyCallHangup');
    const hangOk = next(a, 'CRVideo_HangupCallSuccess');
    a.CRVideo_HungupCall(callID, 'bye', 'hang');
    assert.deepEqual(await hangOk, [callID, 'hang']);
    assert.deepEqual(await hungup, [callID, 'bye']);
    assert.deepEqual(await hungupAlias, [callID, 'bye']);

    const aLeft = next(b, 'CRVideo_UserLeftMeeting');
    a.CRVideo_ExitMeeting();
    assert.deepEqual(await aLeft, ['alice']);
    b.CRVideo_ExitMeeting();

    const [rec] = await records(b);
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.outcome, 'answered');
    assert.equal(rec?.callerID, 'alice');
    assert.equal(rec?.calleeID, 'bob');
    assert.ok(rec?.answerAt && rec.endAt && rec.endAt >= rec.answerAt && rec.answerAt >= rec.ringAt);
  });

  test('the callee hangs up an accepted call: the caller is told', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { meet, callID } = await ring(a, b, 'bob');
    const accepted = next(a, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(callID, meet);
    await accepted;
    const hungup = next(a, 'CRVideo_NotifyCallHungup');
    b.CRVideo_HangupCall(callID, 'callee leaves');
    assert.deepEqual(await hungup, [callID, 'callee leaves']);
  });

  test('reject: the caller gets 606 with the usrExtDat, the record says rejected', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await ring(a, b, 'bob');
    const rejected = next(a, 'CRVideo_NotifyCallRejected');
    const ok = next(b, 'CRVideo_RejectCallSuccess');
    b.CRVideo_RejectCall(callID, 'busy now', 'rej');
    assert.deepEqual(await ok, [callID, 'rej']);
    assert.deepEqual(await rejected, [callID, 606, 'busy now']);
    const [rec] = await records(a);
    assert.equal(rec?.outcome, 'rejected');
    assert.equal(rec?.sdkErr, 606);
  });

  test('cancel while ringing: the callee stops ringing, the record says cancelled', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await ring(a, b, 'bob');
    const stop = next(b, 'CRVideo_NotifyCallHungup');
    a.CRVideo_HungupCall(callID, 'never mind');
    assert.deepEqual(await stop, [callID, 'never mind']);
    const late = next(b, 'CRVideo_AcceptCallFail');
    b.CRVideo_AcceptCall(callID, {});
    assert.equal((await late)[1], 600, 'a cancelled call cannot be answered');
    assert.equal((await records(b))[0]?.outcome, 'cancelled');
  });

  test('no answer: the caller gets 604, the callee stops ringing, the call is missed', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await ring(a, b, 'bob');
    const [rejected, stop] = await Promise.all([
      next(a, 'CRVideo_NotifyCallRejected'),
      next(b, 'CRVideo_NotifyCallHungup'),
    ]);
    assert.deepEqual(rejected, [callID, 604, '']);
    assert.deepEqual(stop, [callID, '']);
    assert.equal((await records(b))[0]?.outcome, 'missed');
  });

  test('DND: a callee in DND gets no call (602) and can call out; DND off makes it callable again', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const dndOk = next(b, 'CRVideo_SetDNDStatusSuccess');
    b.CRVideo_SetDNDStatus(1, 'dnd');
    assert.deepEqual(await dndOk, ['dnd']);
    const meet = await createRoom(a);
    const rings = collect(b, 'CRVideo_NotifyCallIn');
    assert.equal(await callFails(a, 'bob', meet), 602);
    assert.equal(rings.length, 0);

    // Bob in DND still calls out.
    const { callID } = await ring(b, a, 'alice');
    b.CRVideo_HungupCall(callID);

    const offOk = next(b, 'CRVideo_SetDNDStatusSuccess');
    b.CRVideo_SetDNDStatus(0, 'off');
    await offOk;
    const again = await ring(a, b, 'bob');
    a.CRVideo_HungupCall(again.callID);
  });

  test('failures: offline 603, unknown user 605, existing call 601, busy 602, bad parameters 5', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const c = await login(server, 'carol');
    const meet = await createRoom(a);

    const gone = await login(server, 'dave');
    const daveOff = next(a, 'CRVideo_LoginSuccess', 200).catch(() => undefined);
    gone.CRVideo_Logout();
    await daveOff;
    await sleep(100);
    assert.equal(await callFails(a, 'dave', meet), 603);
    assert.equal(await callFails(a, 'nobody-ever', meet), 605);
    assert.equal(await callFails(a, 'alice', meet), 5, 'calling yourself is a bad parameter');
    assert.equal(await callFails(a, 'bob', { ID: 0 } as MeetObj), 5);
    assert.equal(await callFails(a, 'bob', {} as MeetObj), 5);
    assert.equal(await callFails(a, 'bob', { ID: 123 } as MeetObj), 800);

    const { callID } = await ring(a, b, 'bob');
    assert.equal(await callFails(a, 'bob', meet), 601, 'a second call to the same user');
    assert.equal(await callFails(c, 'bob', await createRoom(c)), 602, 'bob is ringing already');
    a.CRVideo_HungupCall(callID);

    const failed = (await records(a)).filter((r) => r.outcome === 'failed').map((r) => r.sdkErr);
    for (const code of [603, 601]) assert.ok(failed.includes(code), `record of failed call ${code}`);
    assert.ok(!failed.includes(605), 'a call to a UID that does not exist is not stored');
  });

  test('unknown or foreign callID gives 600', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const c = await login(server, 'carol');
    const { callID } = await ring(a, b, 'bob');
    const f1 = next(c, 'CRVideo_AcceptCallFail');
    c.CRVideo_AcceptCall(callID, {}, '', 'x');
    assert.deepEqual(await f1, [callID, 600, 'x']);
    const f2 = next(c, 'CRVideo_HangupCallFail');
    c.CRVideo_HungupCall('no-such-call', '', 'y');
    assert.deepEqual(await f2, ['no-such-call', 600, 'y']);
    const f3 = next(a, 'CRVideo_RejectCallFail');
    a.CRVideo_RejectCall(callID, '', 'z');
    assert.deepEqual(await f3, [callID, 600, 'z'], 'the caller cannot reject its own call');
    a.CRVideo_HungupCall(callID);
  });

  test('call waiting (turned on): a user in a call can take a second call; accepting it and hanging up the first', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob', undefined, { params: { callWaiting: true } });
    const c = await login(server, 'carol');
    const first = await ring(a, b, 'bob');
    const acc = next(a, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(first.callID, first.meet);
    await acc;
    const second = await ring(c, b, 'bob', 'urgent');
    assert.equal(second.callerID, 'carol');
    const firstEnds = next(a, 'CRVideo_NotifyCallHungup');
    b.CRVideo_HungupCall(first.callID);
    await firstEnds;
    const acc2 = next(c, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(second.callID, second.meet);
    assert.equal((await acc2)[0], second.callID);
    c.CRVideo_HungupCall(second.callID);
  });

  test('the caller logs out while ringing: the callee stops ringing', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await ring(a, b, 'bob');
    const stop = next(b, 'CRVideo_NotifyCallHungup');
    a.CRVideo_Logout();
    assert.equal((await stop)[0], callID);
  });

  test('not logged in: every request fails with 12', async () => {
    const { newClient } = await import('./testing/fixtures.js');
    const c = newClient(server);
    const f = next(c, 'CRVideo_CallFail');
    const id = c.CRVideo_Call('bob', { ID: 1 });
    assert.deepEqual(await f, [id, 12, undefined]);
    const m = next(c, 'CRVideo_CreateMeetingFail');
    c.CRVideo_CreateMeeting('x', 'k');
    assert.deepEqual(await m, [12, 'k']);
  });
});

describe('multi-device', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ multiDevice: true });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a call rings on every device; the first accept wins and the others stop at once', async () => {
    const a = await login(server, 'alice');
    const phone = await login(server, 'bob');
    const desk = await login(server, 'bob');
    const meet = await createRoom(a);
    const r1 = next(phone, 'CRVideo_NotifyCallIn');
    const r2 = next(desk, 'CRVideo_NotifyCallIn');
    const callID = a.CRVideo_Call('bob', meet, '', null);
    assert.equal((await r1)[0], callID);
    assert.equal((await r2)[0], callID);
    const phoneStops = next(phone, 'CRVideo_NotifyCallHungup');
    const accepted = next(a, 'CRVideo_NotifyCallAccepted');
    desk.CRVideo_AcceptCall(callID, meet);
    await accepted;
    assert.deepEqual(await phoneStops, [callID, '']);
    const late = next(phone, 'CRVideo_AcceptCallFail');
    phone.CRVideo_AcceptCall(callID, meet);
    assert.equal((await late)[1], 600, 'the second accept loses');
  });

  test('a reject on one device stops the others', async () => {
    const a = await login(server, 'alice');
    const phone = await login(server, 'bob');
    const desk = await login(server, 'bob');
    const meet = await createRoom(a);
    const ringing = Promise.all([next(phone, 'CRVideo_NotifyCallIn'), next(desk, 'CRVideo_NotifyCallIn')]);
    const callID = a.CRVideo_Call('bob', meet);
    await ringing;
    const deskStops = next(desk, 'CRVideo_NotifyCallHungup');
    const rejected = next(a, 'CRVideo_NotifyCallRejected');
    phone.CRVideo_RejectCall(callID);
    assert.equal((await rejected)[1], 606);
    assert.equal((await deskStops)[0], callID);
  });
});
