// The media plane behind the real server: media.* requests over real WebSockets from the real SDK core
// (Node, no media engine), the room rules of the core in front of the plane's own checks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { CRVideoError, type RequestType, SdkErr } from '../../protocol/index.js';
import type { CRVideoClient, MeetObj } from '../../sdk/index.js';
import { closeClients, login, next, startTestServer, TEST_APP, type TestServer } from '../testing/fixtures.js';
import type { MediaPlane } from './MediaPlane.js';

let server: TestServer;
let plane: MediaPlane;
let n = 0;

before(async () => {
  server = await startTestServer({ media: { numWorkers: 1, rtcMinPort: 44000, rtcMaxPort: 44999 } });
  plane = server.media as MediaPlane;
});

after(async () => {
  closeClients();
  await server.dispose();
});

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    assert.ok(err instanceof CRVideoError, `expected a CRVideoError, got ${String(err)}`);
    return err.code;
  }
}

const req = (c: CRVideoClient, type: string, payload: unknown = {}) => c.$core.request(type as RequestType, payload);

/** A creates a room and calls B in; B accepts. */
async function pair(): Promise<{ a: CRVideoClient; b: CRVideoClient; meet: MeetObj }> {
  const id = ++n;
  const a = await login(server, `ma${id}`);
  const b = await login(server, `mb${id}`);
  a.CRVideo_CreateMeeting('media', 'c');
  const [meet] = await next(a, 'CRVideo_CreateMeetingSuccess');
  const ringing = next(b, 'CRVideo_NotifyCallIn');
  const callID = a.CRVideo_Call(b.$core.UID, meet, '', 'k');
  await ringing;
  const accepted = next(b, 'CRVideo_AcceptCallSuccess');
  b.CRVideo_AcceptCall(callID, meet, '', 'k');
  await accepted;
  return { a, b, meet };
}

async function enter(c: CRVideoClient, meetID: number): Promise<void> {
  const rslt = next(c, 'CRVideo_EnterMeetingRslt');
  c.CRVideo_EnterMeeting3(meetID, 'e');
  assert.deepEqual(await rslt, [0, 'e']);
}

test('media requests need the room: 801 before entering and after leaving', async () => {
  const { a, b, meet } = await pair();
  assert.equal(await codeOf(req(a, 'media.getRouterRtpCapabilities')), SdkErr.AUTHERROR);
  await enter(a, meet.ID);
  const caps = (await req(a, 'media.getRouterRtpCapabilities')) as { rtpCapabilities: { codecs: unknown[] } };
  assert.ok(caps.rtpCapabilities.codecs.length >= 2);
  assert.equal(await codeOf(req(b, 'media.createTransport', { direction: 'send' })), SdkErr.AUTHERROR);
  const t = (await req(a, 'media.createTransport', { direction: 'send' })) as { id: string };
  assert.equal((await plane.stats()).totals.transports, 1);

  a.CRVideo_ExitMeeting();
  await waitFor(async () => (await plane.stats()).totals.routers === 0);
  assert.equal(await codeOf(req(a, 'media.restartIce', { transportId: t.id })), SdkErr.AUTHERROR);
});

/** A bare WebSocket speaking the wire protocol, to send what the SDK itself would refuse to send. */
async function rawLine(UID: string): Promise<{ ask(type: string, payload: unknown): Promise<number>; close(): void }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const ask = (type: string, payload: unknown) =>
    new Promise<number>((resolve) => {
      const mine = ++id;
      const onMessage = (raw: Buffer) => {
        const f = JSON.parse(raw.toString()) as { t: string; id?: number; err?: number };
        if (f.t !== 'rsp' || f.id !== mine) return;
        ws.off('message', onMessage);
        resolve(f.err ?? -1);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, type, payload }));
    });
  const md5AppSecret = createHash('md5').update(TEST_APP.appSecret).digest('hex');
  assert.equal(await ask('login', { appID: TEST_APP.appID, md5AppSecret, nickname: UID, UID, userAuthCode: '' }), 0);
  return { ask, close: () => ws.close() };
}

test("malformed media requests get 5 from the server; another member's objects get 5; the line stays up", async () => {
  const { a, b, meet } = await pair();
  await enter(a, meet.ID);
  await enter(b, meet.ID);
  const t = (await req(a, 'media.createTransport', { direction: 'send' })) as { id: string };
  // What the SDK would send, but about A's objects.
  assert.equal(await codeOf(req(b, 'media.restartIce', { transportId: t.id })), SdkErr.MEETPARAM_ERR);
  const dtlsParameters = { fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] };
  assert.equal(
    await codeOf(req(b, 'media.connectTransport', { transportId: t.id, dtlsParameters })),
    SdkErr.MEETPARAM_ERR,
  );
  assert.equal(await codeOf(req(b, 'media.pauseProducer', { producerId: 'not-mine' })), SdkErr.MEETPARAM_ERR);
  // What only a broken or hostile client sends: checked by the server against protocol/media.ts.
  const raw = await rawLine(`raw${n}`);
  try {
    assert.equal(await raw.ask('media.createTransport', { direction: 'send' }), SdkErr.AUTHERROR, 'not in a room');
    assert.equal(await raw.ask('media.createTransport', { direction: 'sideways' }), SdkErr.MEETPARAM_ERR);
    assert.equal(await raw.ask('media.produce', { transportId: t.id }), SdkErr.MEETPARAM_ERR);
    assert.equal(await raw.ask('media.pauseProducer', { producerId: 'x'.repeat(65) }), SdkErr.MEETPARAM_ERR);
    assert.equal(await raw.ask('media.nope', {}), SdkErr.MEETPARAM_ERR);
  } finally {
    raw.close();
  }
  // Still a working line and a working plane.
  const ice = (await req(a, 'media.restartIce', { transportId: t.id })) as { iceParameters: { password: string } };
  assert.ok(ice.iceParameters.password.length > 0);
  a.CRVideo_ExitMeeting();
  b.CRVideo_ExitMeeting();
  await waitFor(async () => (await plane.stats()).totals.routers === 0);
});

test('statuses reach the other member as media.status; a logout closes what the member owned', async () => {
  const { a, b, meet } = await pair();
  await enter(a, meet.ID);
  await enter(b, meet.ID);
  const seen: unknown[] = [];
  b.$core.onNotification((name, data) => {
    if (name.startsWith('media.')) seen.push([name, data]);
  });
  await req(a, 'media.createTransport', { direction: 'send' });
  await req(a, 'media.createTransport', { direction: 'recv' });
  await req(a, 'media.setStatus', { audio: 2, video: 3 });
  await waitFor(async () => seen.length >= 1);
  assert.deepEqual(seen[0], [
    'media.status',
    { peerId: (seen[0] as [string, { peerId: string }])[1].peerId, UID: a.$core.UID, audio: 2, video: 3 },
  ]);
  assert.equal((await plane.stats()).totals.transports, 2);

  a.CRVideo_Logout();
  await waitFor(async () => seen.some((s) => (s as [string])[0] === 'media.peerLeft'));
  const s = await plane.stats();
  assert.equal(s.totals.transports, 0);
  assert.equal(s.rooms[0]?.members, 1);
  b.CRVideo_ExitMeeting();
  await waitFor(async () => (await plane.stats()).totals.routers === 0);
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
