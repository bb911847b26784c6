// CloudRoom H5 semantics through the real SDK over a real server: busy by default, call waiting when
// turned on, the callee answering with its own room, the room roster and its getters, argument
// coercion, and the not-supported answers.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { globalEntries, H5_API } from '../sdk/h5/apiList.js';
import { CRVideo_ASTATUS, CRVideo_ERR_DEF, CRVideo_VSTATUS } from '../sdk/h5/constants.js';
import {
  callAndAccept,
  closeClients,
  createRoom,
  login,
  newClient,
  next,
  ring,
  sleep,
  startTestServer,
  type TestServer,
} from './testing/fixtures.js';

describe('CloudRoom H5 semantics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('Init returns a Promise resolving 0; version, WriteLog and SetSDKParams exist', async () => {
    const c = newClient(server);
    assert.equal(await c.CRVideo_Init(), 0);
    assert.match(c.CRVideo_GetSDKVersion(), /^\d+\.\d+\.\d+/);
    c.CRVideo_WriteLog('hello');
    c.CRVideo_SetSDKParams({ MSProtocol: 2 });
    assert.equal(c.$core.params.MSProtocol, 2);
  });

  test('a callee already in a call is busy (602), with no NotifyCallIn', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const c = await login(server, 'carol');
    await callAndAccept(a, b, 'bob');
    const room = await createRoom(c);
    let rang = false;
    b.CRVideo_NotifyCallIn.callback = () => {
      rang = true;
    };
    const fail = next(c, 'CRVideo_CallFail');
    const id = c.CRVideo_Call('bob', room, '', 'ck');
    assert.deepEqual(await fail, [id, CRVideo_ERR_DEF.ERR_BUSY, 'ck']);
    await sleep(100);
    assert.equal(rang, false, 'the callee in a call never heard of the second call');
  });

  test('with call waiting turned on, the second call rings', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob', undefined, { params: { callWaiting: true } });
    const c = await login(server, 'carol');
    await callAndAccept(a, b, 'bob');
    const second = await ring(c, b, 'bob');
    assert.ok(second.callID);
  });

  test('the callee answers with a room of its own: both are told that room and can enter it', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID, meet } = await ring(a, b, 'bob');
    const own = await createRoom(b, 'callee room');
    assert.notEqual(own.ID, meet.ID);
    assert.match(String(own.ID), /^\d{8}$/, 'meeting IDs have 8 digits');
    const accepted = next(a, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(callID, own, 'ok');
    const [id, meetObj, ext] = await accepted;
    assert.equal(id, callID);
    assert.equal(meetObj.ID, own.ID);
    assert.equal(ext, 'ok');
    const enterA = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3(meetObj.ID, 'a');
    assert.deepEqual(await enterA, [0, 'a']);
  });

  test('the roster: GetAllMembers / GetMemberInfo / nick names / IsUserInMeeting, SetNickName, Kickout', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { meet } = await callAndAccept(a, b, 'bob');
    const enterA = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting(meet.ID, '', 'alice', 'alice nick', 'x');
    assert.deepEqual(await enterA, [0, 'x']);
    const joined = next(a, 'CRVideo_UserEnterMeeting');
    const enterB = next(b, 'CRVideo_EnterMeetingRslt');
    b.CRVideo_EnterMeeting3(String(meet.ID) as unknown as number);
    assert.equal((await enterB)[0], 0, 'a meeting ID given as a string of digits is accepted');
    assert.deepEqual(await joined, ['bob']);

    const ids = a
      .CRVideo_GetAllMembers()
      .map((m) => m.userID)
      .sort();
    assert.deepEqual(ids, ['alice', 'bob']);
    assert.equal(a.CRVideo_GetMemberNickName('bob'), 'bob nick');
    assert.equal(b.CRVideo_GetMemberNickName('alice'), 'alice nick');
    assert.deepEqual(
      { ...a.CRVideo_GetMemberInfo('bob'), audioStatus: 0, videoStatus: 0 },
      { userID: 'bob', UID: 'bob', nickname: 'bob nick', audioStatus: 0, videoStatus: 0 },
    );
    assert.deepEqual(a.CRVideo_GetMemberInfo('nobody'), {});
    assert.equal(a.CRVideo_IsUserInMeeting('bob'), true);
    assert.equal(a.CRVideo_IsUserInMeeting('carol'), false);

    const renamedA = next(a, 'CRVideo_NotifyNickNameChanged');
    const renamedB = next(b, 'CRVideo_NotifyNickNameChanged');
    assert.deepEqual(await b.CRVideo_SetNickName('bob', 'Bobby'), { errCode: 0, userID: 'bob', newname: 'Bobby' });
    assert.deepEqual(await renamedA, ['bob', 'bob nick', 'Bobby']);
    assert.deepEqual(await renamedB, ['bob', 'bob nick', 'Bobby']);
    assert.equal(a.CRVideo_GetMemberNickName('bob'), 'Bobby');

    await assert.rejects(b.CRVideo_Kickout('alice'), { errCode: CRVideo_ERR_DEF.AUTHERROR });
    const dropped = next(b, 'CRVideo_MeetingDropped');
    const left = next(a, 'CRVideo_UserLeftMeeting');
    assert.deepEqual(await a.CRVideo_Kickout('bob'), { errCode: 0, userID: 'bob' });
    assert.deepEqual(await dropped, [CRVideo_ERR_DEF.SDK_USER_BEEN_KICKOUT]);
    assert.deepEqual(await left, ['bob']);
    assert.equal(a.CRVideo_IsUserInMeeting('bob'), false);
    assert.deepEqual(b.CRVideo_GetAllMembers(), [], 'the kicked member holds no room');
  });

  test('StopMeeting ends the room for everyone and answers StopMeetingRslt', async () => {
    const a = await login(server, 'alice');
    const room = await createRoom(a);
    const entered = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3(room.ID);
    await entered;
    const rslt = next(a, 'CRVideo_StopMeetingRslt');
    a.CRVideo_StopMeeting(room.ID, 'stop');
    assert.deepEqual(await rslt, [0, 'stop']);
    const again = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3(room.ID);
    assert.equal((await again)[0], CRVideo_ERR_DEF.MEETNOTEXIST);
  });

  test('arguments are coerced as CloudRoom does; what makes no sense fails with 5', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, '10086');
    const made = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting({ meetSubject: 'Weekly' }, 'obj');
    const [room, ck] = await made;
    assert.equal(room.subject, 'Weekly');
    assert.equal(ck, 'obj');
    const callIn = next(b, 'CRVideo_NotifyCallIn');
    const callID = a.CRVideo_Call(10086 as unknown as string, room, null as unknown as string);
    const [, , callerID, ext] = await callIn;
    assert.equal(callerID, 'alice');
    assert.equal(ext, '', 'null extra data is the empty string');
    const hung = next(a, 'CRVideo_HangupCallSuccess');
    a.CRVideo_HangupCall(callID, undefined, 'h');
    assert.deepEqual(await hung, [callID, 'h']);

    const dnd = next(a, 'CRVideo_SetDNDStatusSuccess');
    a.CRVideo_SetDNDStatus('1' as unknown as number, 'd');
    assert.deepEqual(await dnd, ['d']);
    const st = next(b, 'CRVideo_GetUserStatusSuccess');
    b.CRVideo_GetOneUserStatus('alice');
    assert.equal((await st)[0][0]?.DNDType, 1);

    const bad = next(a, 'CRVideo_SetDNDStatusFail');
    a.CRVideo_SetDNDStatus({} as unknown as number, 'bad');
    assert.deepEqual(await bad, [5, 'bad']);
    const badCall = next(a, 'CRVideo_CallFail');
    const id2 = a.CRVideo_Call({} as unknown as string, room);
    assert.deepEqual(await badCall, [id2, 5, undefined]);
    const badEnter = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3('12ab' as unknown as number, 'e');
    assert.deepEqual(await badEnter, [5, 'e']);
  });

  test('UpdateTokenRslt answers an UpdateToken', async () => {
    const a = await login(server, 'alice');
    const r = next(a, 'CRVideo_UpdateTokenRslt');
    a.CRVideo_UpdateToken('not-a-token');
    assert.notEqual((await r)[0], 0);
    const c = newClient(server);
    const r2 = next(c, 'CRVideo_UpdateTokenRslt');
    c.CRVideo_UpdateToken('x');
    assert.deepEqual(await r2, [CRVideo_ERR_DEF.SDK_NOT_LOGIN]);
  });

  test('every name of the H5 reference exists; out-of-scope ones answer 806 through their own callback', async () => {
    const c = newClient(server) as unknown as Record<string, unknown>;
    for (const e of globalEntries()) {
      if (e.kind === 'function') assert.equal(typeof c[e.name], 'function', e.name);
      else assert.equal(typeof (c[e.name] as { callback?: unknown })?.callback, 'object', e.name);
    }
    assert.ok(H5_API.length >= 20);
    const got = new Promise<unknown[]>((resolve) => {
      (c.CRVideo_StartQueuingRslt as { callback: unknown }).callback = (...args: unknown[]) => resolve(args);
    });
    (c.CRVideo_StartQueuing as (...a: unknown[]) => void)(1, 'ext', 'q-cookie');
    assert.deepEqual(await got, [806, 'q-cookie']);
    const fail = new Promise<unknown[]>((resolve) => {
      (c.CRVideo_InviteFail as { callback: unknown }).callback = (...args: unknown[]) => resolve(args);
    });
    (c.CRVideo_Invite as (...a: unknown[]) => void)('bob', '', 'i');
    assert.deepEqual(await fail, ['', 806, 'i']);
    await assert.rejects((c.CRVideo_SwitchToPage as () => Promise<unknown>)(), { errCode: 806 });
    assert.deepEqual((c.CRVideo_GetAllQueueInfo as () => unknown)(), []);
    assert.equal(CRVideo_ASTATUS.AOPEN, 3);
    assert.equal(CRVideo_VSTATUS.VOPENING, 4);
    assert.equal(CRVideo_ERR_DEF.SDK_SPK_NORIGHT, 811);
  });
});
