import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  callAndAccept,
  closeClients,
  collect,
  createRoom,
  login,
  next,
  ring,
  sleep,
  startTestServer,
  type TestServer,
} from './testing/fixtures.js';

describe('network drops', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ graceMs: 1500 });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('the callee drops while ringing and comes back within the grace period: the call goes on', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID, meet } = await ring(a, b, 'bob');
    const aSees = [...collect(a, 'CRVideo_NotifyCallHungup'), ...collect(a, 'CRVideo_NotifyCallRejected')];
    const bLineOff = collect(b, 'CRVideo_LineOff');
    const back = next(b, 'CRVideo_NotifyReconnecting', 3000, (on) => !on);
    b.$core.simulateNetworkDrop(300);
    await back;
    const accepted = next(a, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(callID, meet);
    assert.equal((await accepted)[0], callID);
    assert.equal(aSees.length, 0, 'the caller saw nothing of the drop');
    assert.equal(bLineOff.length, 0);
  });

  test('notifications sent during the drop are delivered after the resume', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const meet = await createRoom(a);
    b.$core.simulateNetworkDrop(500);
    await sleep(50);
    const ring = next(b, 'CRVideo_NotifyCallIn', 3000);
    const ok = next(a, 'CRVideo_CallSuccess');
    const callID = a.CRVideo_Call('bob', meet);
    await ok;
    assert.equal((await ring)[0], callID, 'the call that came in while offline still rings');
  });

  test('the caller drops during an accepted call and resumes: hang-up still works for both', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await callAndAccept(a, b, 'bob');
    const back = next(a, 'CRVideo_NotifyReconnecting', 3000, (on) => !on);
    a.$core.simulateNetworkDrop(200);
    // A request made while the line is down waits and goes out after the resume.
    const hangOk = next(a, 'CRVideo_HangupCallSuccess', 4000);
    const bHears = next(b, 'CRVideo_NotifyCallHungup', 4000);
    a.CRVideo_HungupCall(callID, 'later');
    await back;
    await hangOk;
    assert.deepEqual(await bHears, [callID, 'later']);
  });

  test('past the grace period: the user is offline, the other party is hung up, the app sees LineOff(207)', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await callAndAccept(a, b, 'bob');
    const aHungup = next(a, 'CRVideo_NotifyCallHungup', 8000);
    const lineOff = next(b, 'CRVideo_LineOff', 6000);
    b.$core.simulateNetworkDrop(60_000);
    assert.equal((await aHungup)[0], callID);
    const st = next(a, 'CRVideo_GetUserStatusSuccess');
    a.CRVideo_GetOneUserStatus('bob');
    assert.equal((await st)[0][0]?.userStatus, 0);
    assert.deepEqual(await lineOff, [207]);
  });

  test('the caller gone past the grace period while ringing: the callee stops ringing', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const { callID } = await ring(a, b, 'bob');
    const stop = next(b, 'CRVideo_NotifyCallHungup', 8000);
    a.$core.simulateNetworkDrop(60_000);
    assert.equal((await stop)[0], callID);
  });
});

describe('server restart', () => {
  test('a client logs in again by itself when the server comes back', async () => {
    let server = await startTestServer({ graceMs: 10_000 });
    const { port, dataDir } = server;
    try {
      const a = await login(server, 'alice');
      const lineOffs = collect(a, 'CRVideo_LineOff');
      const down = next(a, 'CRVideo_NotifyReconnecting', 3000, (on) => on);
      await server.close();
      await down;
      server = await startTestServer({ graceMs: 10_000, port, dataDir });
      await next(a, 'CRVideo_NotifyReconnecting', 8000, (on) => !on);
      const created = next(a, 'CRVideo_CreateMeetingSuccess');
      a.CRVideo_CreateMeeting('after restart');
      assert.equal((await created)[0].creator, 'alice');
      assert.deepEqual(lineOffs, []);
    } finally {
      closeClients();
      await server.dispose();
    }
  });
});
