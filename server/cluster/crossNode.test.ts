// Cross-node behaviour of cluster mode with in-process nodes on one real Redis: every row of issue 14's
// "What must work across nodes" that needs no process kill (server/cluster/failures.test.ts has those).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SdkErr } from '../../protocol/index.js';
import type { ServerOptions } from '../index.js';
import { CutProxy } from '../testing/CutProxy.js';
import { startRedis, type TestRedis } from '../testing/cluster.js';
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
} from '../testing/fixtures.js';

/** Three in-process nodes on a fresh Redis (fast heartbeats), and their clean-up between and after tests. */
function threeNodes(ids: string[], opts: ServerOptions): { redis: () => TestRedis; nodes: () => TestServer[] } {
  let redis: TestRedis;
  let nodes: TestServer[] = [];
  before(async () => {
    redis = await startRedis();
    nodes = [];
    for (const nodeId of ids) {
      nodes.push(
        await startTestServer({
          ...opts,
          cluster: { redisUrl: redis.url, nodeId, heartbeatMs: 200, nodeTimeoutMs: 800 },
        }),
      );
    }
    // Every node has seen every other one beat.
    await sleep(500);
  });
  after(async () => {
    for (const n of nodes) await n.dispose();
    await redis.stop();
  });
  afterEach(async () => {
    closeClients();
    await sleep(100);
  });
  return { redis: () => redis, nodes: () => nodes };
}

describe('cluster: three nodes on one Redis', () => {
  const cluster = threeNodes(['a', 'b', 'c'], { callTimeoutMs: 1500 });
  let A: TestServer;
  let B: TestServer;
  let C: TestServer;
  before(() => {
    [A, B, C] = cluster.nodes() as [TestServer, TestServer, TestServer];
  });

  test('presence: a user of node A is online on node B within 1 s, with DND, and offline after logout', async () => {
    const watcher = await login(B, 'watcher1');
    const statuses = collect(watcher, 'CRVideo_NotifyUserStatus');
    const started = next(watcher, 'CRVideo_StartUserStatusNotifyRslt');
    watcher.CRVideo_StartUserStatusNotify('s');
    await started;
    const amy = await login(A, 'amy1');
    const online = next(watcher, 'CRVideo_NotifyUserStatus', 1000, (st) => st.userID === 'amy1' && st.userStatus === 1);
    await online;
    const one = next(watcher, 'CRVideo_GetUserStatusSuccess');
    watcher.CRVideo_GetUserStatus('q');
    const [list] = await one;
    assert.equal(list.find((u) => u.userID === 'amy1')?.userStatus, 1);
    const dnd = next(watcher, 'CRVideo_NotifyUserStatus', 1000, (st) => st.userID === 'amy1' && st.DNDType === 1);
    amy.CRVideo_SetDNDStatus(1, 'dnd');
    await dnd;
    const gone = next(watcher, 'CRVideo_NotifyUserStatus', 1000, (st) => st.userID === 'amy1' && st.userStatus === 0);
    amy.CRVideo_Logout();
    await gone;
    assert.ok(statuses.length >= 3);
  });

  test('LineOff(10): the same UID signing in on another node kicks the first device', async () => {
    const first = await login(A, 'kim1');
    await sleep(100);
    const off = next(first, 'CRVideo_LineOff');
    await login(C, 'kim1');
    const [code] = await off;
    assert.equal(code, SdkErr.USER_BEEN_KICKOUT);
  });

  test('a call across nodes: ring, accept, both enter the room, hang up', async () => {
    const caller = await login(A, 'cal1');
    const callee = await login(B, 'cee1');
    await sleep(100);
    const { callID, meet } = await callAndAccept(caller, callee, 'cee1');
    for (const c of [caller, callee]) {
      const entered = next(c, 'CRVideo_EnterMeetingRslt');
      c.CRVideo_EnterMeeting3(meet.ID);
      assert.equal((await entered)[0], 0);
    }
    const hung = next(callee, 'CRVideo_NotifyCallHungup');
    caller.CRVideo_HangupCall(callID, '', 'h');
    assert.equal((await hung)[0], callID);
  });

  test('every failure code across nodes: 606 rejected, 602 DND, 603 offline, 605 unknown, 604 once', async () => {
    const caller = await login(A, 'cal2');
    const callee = await login(B, 'cee2');
    await sleep(100);
    const meet = await createRoom(caller);
    const failWith = async (UID: string) => {
      const fail = next(caller, 'CRVideo_CallFail');
      caller.CRVideo_Call(UID, meet, '', 'f');
      return (await fail)[1];
    };
    // 606: rejected by the callee on another node.
    const callIn = next(callee, 'CRVideo_NotifyCallIn');
    const rejected = next(caller, 'CRVideo_NotifyCallRejected');
    caller.CRVideo_Call('cee2', meet);
    const [rid] = await callIn;
    callee.CRVideo_RejectCall(rid, '', 'r');
    assert.equal((await rejected)[1], SdkErr.ERR_REFUSE);
    // 602: DND set on its node.
    const set = next(callee, 'CRVideo_SetDNDStatusSuccess');
    callee.CRVideo_SetDNDStatus(1, 'd');
    await set;
    await sleep(150);
    assert.equal(await failWith('cee2'), SdkErr.ERR_BUSY);
    // 603: signed in once on node B, now offline.
    const gone = await login(B, 'gone2');
    gone.CRVideo_Logout();
    await sleep(200);
    assert.equal(await failWith('gone2'), SdkErr.ERR_OFFLINE);
    // 605: nobody by that name.
    assert.equal(await failWith('nobody-at-all'), SdkErr.ERR_USER_NOT_FOUND);
    // 604: nobody answers; told exactly once.
    const other = await login(C, 'cee3');
    await sleep(100);
    const noAnswers = collect(caller, 'CRVideo_NotifyCallRejected');
    const hungups = collect(other, 'CRVideo_NotifyCallHungup');
    const ringing = next(other, 'CRVideo_NotifyCallIn');
    caller.CRVideo_Call('cee3', meet);
    await ringing;
    await sleep(2200);
    assert.deepEqual(
      noAnswers.map((r) => r[1]),
      [SdkErr.ERR_NOANSWER],
    );
    assert.equal(hungups.length, 1);
  });

  test('cancel and busy across nodes: the callee hears the cancel; a callee in a call elsewhere is busy (602)', async () => {
    const a = await login(A, 'cal4');
    const b = await login(B, 'cee4');
    const c = await login(C, 'third4');
    await sleep(100);
    const { callID } = await ring(a, b, 'cee4');
    const hung = next(b, 'CRVideo_NotifyCallHungup');
    a.CRVideo_HangupCall(callID, '', 'x');
    assert.equal((await hung)[0], callID);
    // b takes a call from c (its room on c's node or another); then a's call to b is busy.
    await callAndAccept(c, b, 'cee4');
    await sleep(150);
    const meet = await createRoom(a);
    const fail = next(a, 'CRVideo_CallFail');
    a.CRVideo_Call('cee4', meet);
    assert.equal((await fail)[1], SdkErr.ERR_BUSY);
  });

  test('rooms: only the creator and accepted callees may enter, on every node', async () => {
    const owner = await login(A, 'own5');
    const stranger = await login(C, 'str5');
    const meet = await createRoom(owner);
    const refused = next(stranger, 'CRVideo_EnterMeetingRslt');
    stranger.CRVideo_EnterMeeting3(meet.ID);
    assert.equal((await refused)[0], SdkErr.MEETNOTEXIST);
    const ok = next(owner, 'CRVideo_EnterMeetingRslt');
    owner.CRVideo_EnterMeeting3(meet.ID);
    assert.equal((await ok)[0], 0);
  });

  test('a dropped socket resumes on a different node: no LineOff, the call goes on, a missed notification is replayed', async () => {
    const proxy = await CutProxy.create(A.port);
    try {
      const mover = await login({ url: proxy.url }, 'mov7');
      const peer = await login(C, 'peer7');
      await sleep(100);
      const { callID } = await callAndAccept(peer, mover, 'mov7');
      const lost = collect(mover, 'CRVideo_LineOff');
      const hung = next(mover, 'CRVideo_NotifyCallHungup', 8000);
      const back = next(mover, 'CRVideo_NotifyReconnecting', 8000, (on) => !on);
      // The balancer now sends this user to node B; the link drops and the peer hangs up meanwhile.
      proxy.retarget(B.port);
      const cut = proxy.cut(600);
      await sleep(100);
      peer.CRVideo_HangupCall(callID, 'bye', 'h');
      await cut;
      await back;
      const [hungID] = await hung;
      assert.equal(hungID, callID);
      assert.equal(lost.length, 0);
      // The session lives on node B now: a call to it from node C rings it there.
      const again = await ring(peer, mover, 'mov7');
      assert.ok(again.callID);
      assert.equal(B.stats().sessions >= 1, true);
    } finally {
      closeClients();
      await proxy.close();
    }
  });

  test('multiDevice-free kick does not stop a call between other nodes (nothing else is disturbed)', async () => {
    const a = await login(A, 'cal6');
    const b = await login(B, 'cee6');
    await sleep(100);
    const { callID } = await callAndAccept(a, b, 'cee6');
    const x = await login(C, 'x6');
    x.CRVideo_Logout();
    const hung = next(b, 'CRVideo_NotifyCallHungup');
    a.CRVideo_HangupCall(callID);
    assert.equal((await hung)[0], callID);
  });
});

describe('cluster: several devices per user across nodes, and hostile messages between nodes', () => {
  const cluster = threeNodes(['m1', 'm2', 'm3'], { multiDevice: true });
  const nodes = {
    get list() {
      return cluster.nodes();
    },
  };

  test('multiDevice: every device on every node rings; the first answer wins; the others are told', async () => {
    const [m1, m2, m3] = nodes.list as [TestServer, TestServer, TestServer];
    const caller = await login(m1, 'mdcaller');
    const phone = await login(m2, 'md');
    const laptop = await login(m3, 'md');
    await sleep(150);
    const meet = await createRoom(caller);
    const rings = [next(phone, 'CRVideo_NotifyCallIn'), next(laptop, 'CRVideo_NotifyCallIn')];
    const callID = caller.CRVideo_Call('md', meet);
    await Promise.all(rings);
    const laptopTold = next(laptop, 'CRVideo_NotifyCallHungup');
    const accepted = next(caller, 'CRVideo_NotifyCallAccepted');
    phone.CRVideo_AcceptCall(callID, meet);
    assert.equal((await accepted)[0], callID);
    assert.equal((await laptopTold)[0], callID);
    // The laptop answering late is refused: the call is no longer ringing.
    const late = next(laptop, 'CRVideo_AcceptCallFail');
    laptop.CRVideo_AcceptCall(callID, meet);
    assert.equal((await late)[1], SdkErr.INVALID_CALLID);
  });

  test('call waiting across nodes: a device that turned it on rings while in a call elsewhere', async () => {
    const [m1, m2, m3] = nodes.list as [TestServer, TestServer, TestServer];
    const first = await login(m1, 'cw-first');
    const second = await login(m3, 'cw-second');
    const waiter = await login(m2, 'cw-waiter', undefined, { params: { callWaiting: true } });
    await sleep(150);
    await callAndAccept(first, waiter, 'cw-waiter');
    await sleep(150);
    const meet = await createRoom(second);
    const rings = next(waiter, 'CRVideo_NotifyCallIn');
    const callID = second.CRVideo_Call('cw-waiter', meet);
    assert.equal((await rings)[0], callID);
  });

  test('garbage, malformed and forged messages on the cluster channels are dropped; the nodes go on', async () => {
    const [m1, m2] = nodes.list as [TestServer, TestServer];
    const { Redis } = await import('ioredis');
    const evil = new Redis(cluster.redis().url);
    try {
      const junk = [
        'not json',
        '{"t":"req","id":"x"}',
        JSON.stringify({ t: 'ntf', from: 'm2', sid: 'x'.repeat(500), name: 'callIn', data: {} }),
        JSON.stringify({ t: 'ntf', from: 'm2', sid: 'nobody', name: 'lineOff', data: { sdkErr: 'x' } }),
        JSON.stringify({
          t: 'req',
          id: 1,
          from: 'evil',
          method: 'exec',
          args: { dev: {}, type: 'login', payload: {} },
        }),
        JSON.stringify({
          t: 'req',
          id: 2,
          from: 'evil',
          method: 'exec',
          args: {
            dev: { sid: 's', appID: 'test-app', UID: 'u', nickname: 'n', callWaiting: false },
            type: 'login',
            payload: {},
          },
        }),
        JSON.stringify({ t: 'req', id: 3, from: 'evil', method: 'handover', args: { token: 5 } }),
        JSON.stringify({
          t: 'pres',
          node: 'evil',
          users: [{ appID: 'test-app', UID: 'ghost', c: { nickname: 'g', devices: 'x' } }],
        }),
        JSON.stringify({ t: 'kick', sid: 'no-such-session', why: 'x', lineOff: 10 }),
        JSON.stringify({ t: 'moved', sid: 's', node: '../../etc' }),
        `{"t":"pres","node":"evil","users":${'['.repeat(5000)}`,
      ];
      for (const j of junk) {
        await evil.publish('crv:all', j);
        await evil.publish('crv:n:m1', j);
      }
      await sleep(300);
      // Both nodes still serve a call between them.
      const a = await login(m1, 'after-junk-a');
      const b = await login(m2, 'after-junk-b');
      await sleep(150);
      await callAndAccept(a, b, 'after-junk-b');
    } finally {
      evil.disconnect();
    }
  });
});
