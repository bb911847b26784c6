// Failures of a real cluster (issue 14): three CLI node processes behind haproxy on one real redis-server.
// A node killed with SIGKILL, and Redis restarted, while real SDK clients are in calls.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SdkErr } from '../../protocol/index.js';
import { type CRVideoClient, createCRVideo, md5Hex } from '../../sdk/index.js';
import { startCluster, type TestCluster, trackedWebSocket } from '../testing/cluster.js';
import { callAndAccept, closeClients, collect, createRoom, login, next, sleep, TEST_APP } from '../testing/fixtures.js';

const NODE_ARGS = ['--user-auth', 'none', '--grace', '8000', '--call-timeout', '20000', '--log-level', 'warn'];

/** Signs `UID` in through the balancer; `node()` says which node the balancer gave its current socket. */
async function viaBalancer(cluster: TestCluster, UID: string): Promise<{ c: CRVideoClient; node: () => string }> {
  let current = '';
  const c = createCRVideo({
    serverAddr: cluster.balancer.url,
    log: () => undefined,
    WebSocket: trackedWebSocket((n) => {
      current = n;
    }),
  });
  const ok = next(c, 'CRVideo_LoginSuccess', 8000);
  c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), UID, UID, '', 'l');
  await ok;
  return { c, node: () => current };
}

async function enter(c: CRVideoClient, meetID: number): Promise<void> {
  const r = next(c, 'CRVideo_EnterMeetingRslt', 8000);
  c.CRVideo_EnterMeeting3(meetID);
  assert.equal((await r)[0], 0);
}

describe('cluster failures: real processes', () => {
  let cluster: TestCluster;
  const extra: CRVideoClient[] = [];
  before(async () => {
    cluster = await startCluster({ nodes: 3, args: NODE_ARGS });
    await sleep(1500);
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(() => {
    closeClients();
    for (const c of extra.splice(0)) c.CRVideo_Logout();
  });

  test('kill -9 of a node: its users are signed in again within 5 s on another node; the calls and rooms that lived there end for their peers; a call between other nodes goes on', async () => {
    const victim = await viaBalancer(cluster, 'vic1');
    extra.push(victim.c);
    const deadId = victim.node();
    const dead = cluster.nodes.find((n) => n.nodeId === deadId);
    assert.ok(dead, `the balancer named node ${deadId}`);
    const [y, z] = cluster.nodes.filter((n) => n !== dead) as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const peer = await login(y, 'peer1');
    const p2 = await login(z, 'p2');
    const p3 = await login(y, 'p3');
    // A user signed in straight at the node that will die (no balancer): it cannot come back elsewhere.
    const stuck = createCRVideo({ serverAddr: dead.url, log: () => undefined });
    extra.push(stuck);
    const stuckIn = next(stuck, 'CRVideo_LoginSuccess', 8000);
    stuck.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'stuck1', 'stuck1', '', 'l');
    await stuckIn;
    const watcher = await login(z, 'watch1');
    const watching = next(watcher, 'CRVideo_StartUserStatusNotifyRslt');
    watcher.CRVideo_StartUserStatusNotify('w');
    await watching;
    await sleep(300);

    // A call (and its room) pinned to the node that will die: the victim's room.
    const room = await createRoom(victim.c);
    const { callID } = await callAndAccept(victim.c, peer, 'peer1', room);
    await enter(peer, room.ID);
    // A call between two other nodes, its room on a surviving node.
    const other = await createRoom(p2);
    const { callID: otherCall } = await callAndAccept(p2, p3, 'p3', other);
    await enter(p2, other.ID);
    await enter(p3, other.ID);
    const disturbed = [
      ...collect(p2, 'CRVideo_NotifyCallHungup'),
      ...collect(p3, 'CRVideo_NotifyCallHungup'),
      ...collect(p2, 'CRVideo_MeetingDropped'),
      ...collect(p3, 'CRVideo_MeetingDropped'),
    ];

    const stuckOffline = next(
      watcher,
      'CRVideo_NotifyUserStatus',
      10_000,
      (st) => st.userID === 'stuck1' && st.userStatus === 0,
    );
    const peerHungup = next(peer, 'CRVideo_NotifyCallHungup', 10_000);
    const peerDropped = next(peer, 'CRVideo_MeetingDropped', 10_000);
    const victimHungup = next(victim.c, 'CRVideo_NotifyCallHungup', 10_000);
    const back = next(victim.c, 'CRVideo_NotifyReconnecting', 10_000, (on) => !on);
    const killedAt = Date.now();
    await dead.kill('SIGKILL');

    await back;
    const signedInAgainMs = Date.now() - killedAt;
    assert.ok(signedInAgainMs < 5000, `signed in again after ${signedInAgainMs} ms`);
    assert.notEqual(victim.node(), deadId);
    assert.equal((await peerHungup)[0], callID);
    assert.equal((await peerDropped)[0], SdkErr.SOCKETEXCEPTION);
    assert.equal((await victimHungup)[0], callID);
    // The dead node's users who did not come back expire from everyone's presence.
    await stuckOffline;
    const expiredMs = Date.now() - killedAt;
    assert.ok(expiredMs < 8000, `presence expired after ${expiredMs} ms`);

    // Nothing else was disturbed: the other call is intact and ends normally.
    assert.deepEqual(disturbed, []);
    const hung = next(p3, 'CRVideo_NotifyCallHungup', 5000);
    p2.CRVideo_HangupCall(otherCall, 'done');
    assert.deepEqual((await hung).slice(0, 2), [otherCall, 'done']);

    // The victim can call again from its new node.
    const again = await createRoom(victim.c);
    await callAndAccept(victim.c, peer, 'peer1', again);
    await dead.restart();
  });

  test('Redis restart: a call on one node goes on, new logins fail with a clear code meanwhile, then everything works again', async () => {
    const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const a = await login(n1, 'ra');
    const b = await login(n1, 'rb');
    await sleep(300);
    const { callID } = await callAndAccept(a, b, 'rb');

    await cluster.redis.stop();
    await sleep(500);
    const refused = createCRVideo({ serverAddr: n2.url, log: () => undefined });
    extra.push(refused);
    const fail = next(refused, 'CRVideo_LoginFail', 8000);
    refused.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'late', 'late', '', 'l');
    const code = (await fail)[0];
    if (code !== SdkErr.SERVER_EXCEPTION) console.log(n2.logs().slice(-3000));
    assert.equal(code, SdkErr.SERVER_EXCEPTION);

    await cluster.redis.start();
    // Nodes reconnect and write their state again; a user of n1 is seen from n2.
    let watcher: CRVideoClient | null = null;
    for (let i = 0; i < 40 && !watcher; i++) {
      watcher = await login(n2, 'rwatch').catch(() => null);
      if (!watcher) await sleep(250);
    }
    assert.ok(watcher, 'logins work again after Redis came back');
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) {
      const r = next(watcher, 'CRVideo_GetUserStatusSuccess');
      watcher.CRVideo_GetUserStatus('q');
      seen = (await r)[0].some((u) => u.userID === 'ra' && u.userStatus === 2);
      if (!seen) await sleep(250);
    }
    assert.ok(seen, 'n2 sees the busy user of n1 after the restart');
    // The call on n1 went on all along.
    const hung = next(b, 'CRVideo_NotifyCallHungup', 5000);
    a.CRVideo_HangupCall(callID, 'end');
    assert.equal((await hung)[0], callID);
  });
});
