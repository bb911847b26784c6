import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { UserStatus } from '../protocol/index.js';
import type { CRVideoClient } from '../sdk/index.js';
import { closeClients, login, next, startTestServer, type TestServer } from './testing/fixtures.js';

function statusOf(c: CRVideoClient, UID: string, where: (s: UserStatus) => boolean) {
  return next(c, 'CRVideo_NotifyUserStatus', 5000, (s) => s.userID === UID && where(s)).then(([s]) => s);
}

async function getOne(c: CRVideoClient, UID: string): Promise<UserStatus> {
  const r = next(c, 'CRVideo_GetUserStatusSuccess');
  c.CRVideo_GetOneUserStatus(UID, 'one');
  const [arr, cookie] = await r;
  assert.equal(cookie, 'one');
  assert.equal(arr.length, 1);
  return arr[0] as UserStatus;
}

describe('presence', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('statuses 0–3 and DND, seen by subscribers as they change', async () => {
    const watcher = await login(server, 'watcher');
    const started = next(watcher, 'CRVideo_StartUserStatusNotifyRslt');
    watcher.CRVideo_StartUserStatusNotify('sub');
    assert.deepEqual(await started, [0, 'sub']);

    const online = statusOf(watcher, 'alice', (s) => s.userStatus === 1);
    const a = await login(server, 'alice');
    assert.equal((await online).DNDType, 0);
    const b = await login(server, 'bob');

    const dnd = statusOf(watcher, 'alice', (s) => s.DNDType === 1);
    a.CRVideo_SetDNDStatus(1);
    assert.equal((await dnd).userStatus, 1);
    const dndOff = statusOf(watcher, 'alice', (s) => s.DNDType === 0);
    a.CRVideo_SetDNDStatus(0);
    await dndOff;

    const created = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting('r');
    const [meet] = await created;
    const busyA = statusOf(watcher, 'alice', (s) => s.userStatus === 2);
    const busyB = statusOf(watcher, 'bob', (s) => s.userStatus === 2);
    const ring = next(b, 'CRVideo_NotifyCallIn');
    const callID = a.CRVideo_Call('bob', meet);
    await Promise.all([busyA, busyB, ring]);
    assert.equal((await getOne(a, 'bob')).userStatus, 2);

    const inRoom = statusOf(watcher, 'alice', (s) => s.userStatus === 3);
    const entered = next(a, 'CRVideo_EnterMeetingRslt');
    a.CRVideo_EnterMeeting3(meet.ID);
    await entered;
    await inRoom;

    const idleB = statusOf(watcher, 'bob', (s) => s.userStatus === 1);
    a.CRVideo_HungupCall(callID);
    await idleB;
    const idleA = statusOf(watcher, 'alice', (s) => s.userStatus === 1);
    a.CRVideo_ExitMeeting();
    await idleA;

    const offline = statusOf(watcher, 'bob', (s) => s.userStatus === 0);
    b.CRVideo_Logout();
    await offline;
    assert.equal((await getOne(watcher, 'bob')).userStatus, 0);
  });

  test('GetUserStatus lists every user of the app; unknown user 605; StopUserStatusNotify stops updates', async () => {
    const w = await login(server, 'watcher');
    await login(server, 'carol');
    const list = next(w, 'CRVideo_GetUserStatusSuccess');
    w.CRVideo_GetUserStatus('all');
    const [arr, cookie] = await list;
    assert.equal(cookie, 'all');
    const carol = arr.find((s) => s.userID === 'carol');
    assert.equal(carol?.userStatus, 1);
    assert.equal(carol?.nickname, 'carol nick');
    const fail = next(w, 'CRVideo_GetUserStatusFail');
    w.CRVideo_GetOneUserStatus('never-seen', 'x');
    assert.deepEqual(await fail, [605, 'x']);

    const start = next(w, 'CRVideo_StartUserStatusNotifyRslt');
    w.CRVideo_StartUserStatusNotify();
    await start;
    const stop = next(w, 'CRVideo_StopUserStatusNotifyRslt');
    w.CRVideo_StopUserStatusNotify('s');
    assert.deepEqual(await stop, [0, 's']);
    const seen: string[] = [];
    w.$core.onEmit((n, args) => {
      if (n === 'CRVideo_NotifyUserStatus') seen.push((args[0] as UserStatus).userID);
    });
    await login(server, 'dave');
    const check = next(w, 'CRVideo_GetUserStatusSuccess');
    w.CRVideo_GetOneUserStatus('dave');
    assert.equal((await check)[0][0]?.userStatus, 1);
    assert.deepEqual(seen, [], 'no updates after StopUserStatusNotify');
  });

  test('own DND change shows on every device through NotifyDNDStatus', async () => {
    const s2 = await startTestServer({ multiDevice: true });
    try {
      const phone = await login(s2, 'alice');
      const desk = await login(s2, 'alice');
      const seen = next(desk, 'CRVideo_NotifyDNDStatus');
      phone.CRVideo_SetDNDStatus(2);
      assert.deepEqual(await seen, [2]);
    } finally {
      closeClients();
      await s2.dispose();
    }
  });
});
