// Cluster mode in the browser (issue 14): two Chromium users signed in on two different nodes see and hear
// each other in a room pinned to a third node. Real redis-server, three real servers each with its own
// mediasoup workers; the room's media requests are relayed to the third node and both browsers' transports
// connect to that node's WebRtcServer.
import { expect, test } from '@playwright/test';
import { startRedis, type TestRedis } from '../server/testing/cluster.js';
import {
  expectAudioFlowing,
  expectVideoFlowing,
  type MediaServer,
  sleep,
  startMediaServer,
  User,
  until,
} from './mediaHarness.js';

let redis: TestRedis | null = null;
const nodes: MediaServer[] = [];
const users: User[] = [];

test.beforeAll(async () => {
  redis = await startRedis();
  const redisUrl = redis.url;
  const plan = [
    { nodeId: 'sig-a', hostsRooms: false, rtc: 43000 },
    { nodeId: 'sig-b', hostsRooms: false, rtc: 43100 },
    { nodeId: 'media-c', hostsRooms: true, rtc: 43200 },
  ];
  for (const n of plan) {
    nodes.push(
      await startMediaServer(
        { numWorkers: 1, rtcMinPort: n.rtc, rtcMaxPort: n.rtc + 99 },
        { cluster: { redisUrl, nodeId: n.nodeId, hostsRooms: n.hostsRooms, heartbeatMs: 200, nodeTimeoutMs: 1000 } },
      ),
    );
  }
  await sleep(600);
});

test.afterAll(async () => {
  for (const u of users.splice(0)) await u.close();
  for (const n of nodes.splice(0)) await n.close();
  await redis?.stop();
});

test('two users on two nodes see and hear each other in a room pinned to a third node', async ({ browser }) => {
  const [nodeA, nodeB, nodeC] = nodes as [MediaServer, MediaServer, MediaServer];
  const a = await User.open(browser, nodeA, 'cl-alice');
  const b = await User.open(browser, nodeB, 'cl-bob');
  users.push(a, b);
  await a.login();
  await b.login();

  const since = await a.eventCount();
  await a.fn('CRVideo_CreateMeeting', 'cluster room', 'create');
  const [meet] = (await a.waitFor('CRVideo_CreateMeetingSuccess', [], since)) as [{ ID: number }];

  const sinceB = await b.eventCount();
  const callID = (await a.fn('CRVideo_Call', b.UID, meet, 'hello', 'dial')) as string;
  const [inID, inMeet] = await b.waitFor('CRVideo_NotifyCallIn', [], sinceB);
  expect(inID).toBe(callID);
  await b.fn('CRVideo_AcceptCall', callID, inMeet, '', 'accept');
  await a.waitFor('CRVideo_NotifyCallAccepted', [callID]);

  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await a.openMicAndCamera();
  await b.openMicAndCamera();
  await a.waitFor('CRVideo_NotifyVideoStream', [b.UID]);
  await b.waitFor('CRVideo_NotifyVideoStream', [a.UID]);
  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  await expectAudioFlowing(a, b.UID);
  await expectAudioFlowing(b, a.UID);

  // The room and its media live on the third node only; the two signaling nodes host no router.
  const c = await nodeC.plane.stats();
  expect(c.rooms.find((r) => r.meetID === meet.ID)).toMatchObject({ members: 2, producers: 4, consumers: 4 });
  expect((await nodeA.plane.stats()).totals.routers).toBe(0);
  expect((await nodeB.plane.stats()).totals.routers).toBe(0);

  const sinceHang = await b.eventCount();
  await a.fn('CRVideo_HungupCall', callID, 'bye', 'hangup');
  await b.waitFor('CRVideo_NotifyCallHungup', [callID, 'bye'], sinceHang);
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await until('the room’s media closed on the third node', async () => {
    const s = await nodeC.plane.stats();
    return s.totals.routers === 0 && s.totals.transports === 0 ? s : null;
  });
});
