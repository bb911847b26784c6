// The SDK's client-side state model against a real server: what a tray, an incoming-call alert or a call
// screen reads from it, step by step through a call, DND, a room and a sign-out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SdkErr } from '../protocol/index.js';
import {
  callAndAccept,
  closeClients,
  createRoom,
  login,
  next,
  ring,
  startTestServer,
  type TestServer,
} from '../server/testing/fixtures.js';
import type { ClientSnapshot } from './ClientState.js';
import type { CRVideoClient } from './index.js';

/** Resolves with the first snapshot (the current one included) that satisfies `ok`. */
function stateWhere(c: CRVideoClient, what: string, ok: (s: ClientSnapshot) => boolean): Promise<ClientSnapshot> {
  const state = c.$core.state;
  if (ok(state.snapshot)) return Promise.resolve(state.snapshot);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for: ${what}; last ${JSON.stringify(state.snapshot)}`));
    }, 5000);
    const off = state.subscribe((now) => {
      if (!ok(now)) return;
      clearTimeout(timer);
      off();
      resolve(now);
    });
  });
}

describe('client state model', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    closeClients();
    await server.dispose();
  });

  test('a call from ring to hang-up: both sides see its state, their presence and the room', async () => {
    const alice = await login(server, 'alice1');
    const bob = await login(server, 'bob1');
    assert.deepEqual(
      { UID: bob.$core.state.snapshot.UID, presence: bob.$core.state.snapshot.presence, calls: [] },
      { UID: 'bob1', presence: 'online', calls: [] },
    );

    const { callID, meet } = await ring(alice, bob, 'bob1');
    const bobRinging = await stateWhere(bob, 'bob rings', (s) => s.calls.length === 1);
    assert.deepEqual(bobRinging.calls[0], {
      callID,
      direction: 'in',
      peerUID: 'alice1',
      state: 'ringing',
      meetID: meet.ID,
      meetObj: meet,
      usrExtDat: '',
    });
    assert.equal(bobRinging.presence, 'busy', 'a ringing call makes the callee busy');
    const aliceRinging = await stateWhere(alice, 'alice rings', (s) => s.calls.length === 1);
    assert.deepEqual(
      { ...aliceRinging.calls[0], presence: aliceRinging.presence },
      {
        callID,
        direction: 'out',
        peerUID: 'bob1',
        state: 'ringing',
        meetID: meet.ID,
        meetObj: null,
        usrExtDat: '',
        presence: 'busy',
      },
    );

    const accepted = next(alice, 'CRVideo_NotifyCallAccepted');
    bob.CRVideo_AcceptCall(callID, meet);
    await accepted;
    await stateWhere(bob, 'bob accepted', (s) => s.calls[0]?.state === 'accepted');
    await stateWhere(alice, 'alice accepted', (s) => s.calls[0]?.state === 'accepted');

    const entered = next(bob, 'CRVideo_EnterMeetingRslt');
    bob.CRVideo_EnterMeeting3(meet.ID);
    assert.equal((await entered)[0], 0);
    const inRoom = bob.$core.state.snapshot;
    assert.equal(inRoom.userStatus, 3, 'in a room');
    assert.equal(inRoom.room?.meetID, meet.ID);
    assert.deepEqual(
      inRoom.room?.members.map((m) => m.UID),
      ['bob1'],
    );
    const aliceIn = next(bob, 'CRVideo_UserEnterMeeting');
    alice.CRVideo_EnterMeeting3(meet.ID);
    await aliceIn;
    assert.deepEqual(bob.$core.state.snapshot.room?.members.map((m) => m.UID).sort(), ['alice1', 'bob1']);
    assert.equal(bob.$core.state.snapshot.room?.members.find((m) => m.UID === 'alice1')?.nickname, 'alice1 nick');

    alice.CRVideo_HungupCall(callID, '');
    const over = await stateWhere(bob, 'the call is over for bob', (s) => s.calls.length === 0);
    assert.equal(over.userStatus, 3, 'still in the room');
    bob.CRVideo_ExitMeeting();
    const home = await stateWhere(bob, 'bob home', (s) => s.room === null);
    assert.equal(home.presence, 'online');
    await stateWhere(alice, 'alice sees the call over', (s) => s.calls.length === 0);
  });

  test('DND: set here, the presence says so; a throwing subscriber does not stop the others', async () => {
    const carol = await login(server, 'carol1');
    const seen: string[] = [];
    const offThrow = carol.$core.state.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    const off = carol.$core.state.subscribe((now, before) => seen.push(`${before.presence}→${now.presence}`));
    const ok = next(carol, 'CRVideo_SetDNDStatusSuccess');
    carol.CRVideo_SetDNDStatus(1, 'dnd');
    await ok;
    assert.equal(carol.$core.state.snapshot.dnd, true);
    assert.deepEqual(seen, ['online→dnd'], 'one change, told once');
    off();
    offThrow();
    carol.CRVideo_SetDNDStatus(0, 'dnd-off');
    await stateWhere(carol, 'dnd off', (s) => !s.dnd);
    assert.deepEqual(seen, ['online→dnd'], 'an unsubscribed listener hears nothing more');
  });

  test('the caller cancelling ends the ring here; sign-out empties the model', async () => {
    const dave = await login(server, 'dave1');
    const erin = await login(server, 'erin1');
    const { callID } = await ring(dave, erin, 'erin1');
    const cancelled = next(erin, 'CRVideo_NotifyCallHungup');
    dave.CRVideo_HungupCall(callID, '');
    await cancelled;
    assert.deepEqual(erin.$core.state.snapshot.calls, [], 'the caller cancelled: no longer ringing');

    const meet = await createRoom(dave);
    await callAndAccept(dave, erin, 'erin1', meet);
    await stateWhere(erin, 'accepted', (s) => s.calls[0]?.state === 'accepted');
    erin.CRVideo_Logout();
    assert.deepEqual(erin.$core.state.snapshot, {
      UID: '',
      reconnecting: false,
      dnd: false,
      userStatus: 0,
      presence: 'offline',
      calls: [],
      ended: [],
      room: null,
    });
  });

  test('how a call ended: failed, refused / declined, hung up / the peer hung up, each with its sdkErr', async () => {
    const ivan = await login(server, 'ivan1');
    const judy = await login(server, 'judy1');
    const meet = await createRoom(ivan);
    const endOf = (c: CRVideoClient, callID: string) => c.$core.state.snapshot.ended.find((e) => e.callID === callID);

    const fail = next(ivan, 'CRVideo_CallFail');
    const nobodyID = ivan.CRVideo_Call('nobody1', meet);
    const [, failCode] = await fail;
    await stateWhere(ivan, 'the failed call is ended', (s) => s.ended.some((e) => e.callID === nobodyID));
    assert.deepEqual(endOf(ivan, nobodyID), {
      callID: nobodyID,
      direction: 'out',
      peerUID: 'nobody1',
      meetID: meet.ID,
      reason: 'failed',
      sdkErr: failCode,
    });
    assert.ok(failCode === SdkErr.ERR_USER_NOT_FOUND || failCode === SdkErr.ERR_OFFLINE, `sdkErr ${failCode}`);

    const { callID: refusedID } = await ring(ivan, judy, 'judy1', meet);
    judy.CRVideo_RejectCall(refusedID, '');
    const refused = await stateWhere(ivan, 'refused', (s) => s.ended.some((e) => e.callID === refusedID));
    assert.deepEqual(
      { reason: endOf(ivan, refusedID)?.reason, sdkErr: endOf(ivan, refusedID)?.sdkErr, calls: refused.calls },
      { reason: 'rejected', sdkErr: SdkErr.ERR_REFUSE, calls: [] },
    );
    await stateWhere(judy, 'declined', (s) => s.ended.some((e) => e.callID === refusedID));
    assert.deepEqual(
      { reason: endOf(judy, refusedID)?.reason, direction: endOf(judy, refusedID)?.direction },
      { reason: 'declined', direction: 'in' },
    );

    const { callID } = await callAndAccept(ivan, judy, 'judy1', meet);
    judy.CRVideo_HungupCall(callID, '');
    await stateWhere(ivan, 'the peer hung up', (s) => s.ended.some((e) => e.callID === callID));
    await stateWhere(judy, 'hung up', (s) => s.ended.some((e) => e.callID === callID));
    assert.equal(endOf(ivan, callID)?.reason, 'peerHungUp');
    assert.equal(endOf(judy, callID)?.reason, 'hungUp');
    assert.deepEqual(
      ivan.$core.state.snapshot.ended.map((e) => e.reason),
      ['failed', 'rejected', 'peerHungUp'],
      'newest last',
    );
  });
});

describe('client state model, several devices of one user', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ multiDevice: true });
  });
  after(async () => {
    closeClients();
    await server.dispose();
  });

  test("a device signing in learns the DND another device of the user set (the server's answer, no polling)", async () => {
    const phone = await login(server, 'frank1');
    const ok = next(phone, 'CRVideo_SetDNDStatusSuccess');
    phone.CRVideo_SetDNDStatus(1, 'phone');
    await ok;
    const desk = await login(server, 'frank1');
    const s = await stateWhere(desk, 'the desk knows DND is on', (x) => x.dnd);
    assert.equal(s.presence, 'dnd');
  });

  test('answered on another device: the ring is over here', async () => {
    const gina = await login(server, 'gina1');
    const phone = await login(server, 'hal1');
    const desk = await login(server, 'hal1');
    const meet = await createRoom(gina);
    const phoneRings = next(phone, 'CRVideo_NotifyCallIn');
    const deskRings = next(desk, 'CRVideo_NotifyCallIn');
    const callID = gina.CRVideo_Call('hal1', meet);
    await Promise.all([phoneRings, deskRings]);
    assert.equal(desk.$core.state.snapshot.calls[0]?.state, 'ringing');
    const accepted = next(phone, 'CRVideo_AcceptCallSuccess');
    phone.CRVideo_AcceptCall(callID, meet);
    await accepted;
    await stateWhere(desk, 'the desk stops ringing', (x) => x.calls.length === 0);
  });
});
