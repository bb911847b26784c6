// Ring-time media preparation (`media.prepare`) behind the real server with a real mediasoup worker:
// who may prepare, that nobody sees a prepared member, that entering keeps what was prepared, and that
// rejection, cancellation, timeout and answering on another device leave nothing in the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { CRVideoError, type RequestType, SdkErr } from '../../protocol/index.js';
import type { CRVideoClient, MeetObj } from '../../sdk/index.js';
import { closeClients, createRoom, login, next, ring, startTestServer, type TestServer } from '../testing/fixtures.js';
import type { MediaPlane } from './MediaPlane.js';

let server: TestServer;
let plane: MediaPlane;
let n = 0;

/** Every producer and consumer the workers make (mediasoup's own observer: their real paused state). */
const producers: types.Producer[] = [];
const consumers: types.Consumer[] = [];
mediasoup.observer.on('newworker', (w) =>
  w.observer.on('newrouter', (r) =>
    r.observer.on('newtransport', (t) => {
      t.observer.on('newproducer', (p) => producers.push(p));
      t.observer.on('newconsumer', (c) => consumers.push(c));
    }),
  ),
);

before(async () => {
  server = await startTestServer({
    callTimeoutMs: 2500,
    multiDevice: true,
    media: { numWorkers: 1, rtcMinPort: 45000, rtcMaxPort: 45999 },
  });
  plane = server.media as MediaPlane;
});

after(async () => {
  closeClients();
  await server.dispose();
});

const req = (c: CRVideoClient, type: string, payload: unknown = {}) => c.$core.request(type as RequestType, payload);

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    assert.ok(err instanceof CRVideoError, `expected a CRVideoError, got ${String(err)}`);
    return err.code;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the worker itself holds no router, transport, producer or consumer. */
async function workerEmpty(): Promise<void> {
  await waitFor('the worker is empty', async () => {
    const s = await plane.stats();
    return s.totals.routers === 0 && s.workers.every((w) => w.routers === 0 && w.transports === 0);
  });
  const s = await plane.stats();
  assert.deepEqual(
    { ...s.totals },
    { rooms: 0, members: 0, routers: 0, transports: 0, producers: 0, consumers: 0, rtpObservers: 0 },
  );
}

/** Resolves with the next `name` media notification `c` receives. */
function notified(c: CRVideoClient, name: string): Promise<unknown> {
  return new Promise((resolve) => {
    const off = c.$core.onNotification((n2, data) => {
      if (n2 !== name) return;
      off();
      resolve(data);
    });
  });
}

/** A rings B; both prepare media in the call's room and each makes its two transports. */
async function ringAndPrepare(): Promise<{ a: CRVideoClient; b: CRVideoClient; callID: string; meet: MeetObj }> {
  const id = ++n;
  const a = await login(server, `ra${id}`);
  const b = await login(server, `rb${id}`);
  const { callID, meet } = await ring(a, b, b.$core.UID);
  for (const c of [a, b]) {
    assert.deepEqual(await req(c, 'media.prepare', { callID }), { meetID: meet.ID });
    await req(c, 'media.createTransport', { direction: 'send' });
    await req(c, 'media.createTransport', { direction: 'recv' });
  }
  const s = await plane.stats();
  assert.equal(s.totals.routers, 1);
  assert.equal(s.totals.transports, 4);
  return { a, b, callID, meet };
}

test('only the ringing call’s caller and callee may prepare, only in its room', async () => {
  const id = ++n;
  const a = await login(server, `pa${id}`);
  const b = await login(server, `pb${id}`);
  const stranger = await login(server, `px${id}`);
  assert.equal(await codeOf(req(a, 'media.prepare', { callID: 'no-such-call' })), SdkErr.INVALID_CALLID);
  const { callID } = await ring(a, b, b.$core.UID);
  assert.equal(await codeOf(req(stranger, 'media.prepare', { callID })), SdkErr.INVALID_CALLID);
  // Not prepared and not in a room: other media requests still need the room.
  assert.equal(await codeOf(req(b, 'media.getRouterRtpCapabilities')), SdkErr.AUTHERROR);
  assert.equal(await codeOf(req(b, 'media.prepare', { callID: '' })), SdkErr.MEETPARAM_ERR);
  a.CRVideo_HangupCall(callID);
  await workerEmpty();
});

test('a prepared member is invisible: nobody is told of it until it enters', async () => {
  const { a, b, callID, meet } = await ringAndPrepare();
  const caps = (await req(a, 'media.getRouterRtpCapabilities')) as { rtpCapabilities: unknown };
  assert.deepEqual(await req(a, 'media.ready', { rtpCapabilities: caps.rtpCapabilities }), { peers: [] });
  assert.deepEqual(await req(b, 'media.ready', { rtpCapabilities: caps.rtpCapabilities }), { peers: [] });
  await req(b, 'media.setStatus', { audio: 3, video: 3 });
  const accepted = next(a, 'CRVideo_NotifyCallAccepted');
  b.CRVideo_AcceptCall(callID, meet);
  await accepted;
  // A enters: its prepared transports stay (4 in the worker, not 6), and B (prepared only) is not a peer.
  const entered = next(a, 'CRVideo_EnterMeetingRslt');
  a.CRVideo_EnterMeeting3(meet.ID, 'e');
  assert.equal((await entered)[0], 0);
  assert.equal((await plane.stats()).totals.transports, 4);
  assert.deepEqual(await req(a, 'media.ready', { rtpCapabilities: caps.rtpCapabilities }), { peers: [] });
  // B enters: A hears B's status at once, and B's transports are the prepared ones.
  const status = notified(a, 'media.status');
  const enteredB = next(b, 'CRVideo_EnterMeetingRslt');
  b.CRVideo_EnterMeeting3(meet.ID, 'e');
  assert.equal((await enteredB)[0], 0);
  const st = (await status) as { UID: string; audio: number; video: number };
  assert.deepEqual([st.UID, st.audio, st.video], [b.$core.UID, 3, 3]);
  assert.equal((await plane.stats()).totals.transports, 4);
  const peers = (await req(b, 'media.ready', { rtpCapabilities: caps.rtpCapabilities })) as {
    peers: { UID: string }[];
  };
  assert.deepEqual(
    peers.peers.map((p) => p.UID),
    [a.$core.UID],
  );
  a.CRVideo_ExitMeeting();
  b.CRVideo_ExitMeeting();
  await workerEmpty();
});

test('rejected: both sides’ preparation is torn down, the caller is told, nothing is left', async () => {
  const { a, b, callID } = await ringAndPrepare();
  const ended = notified(a, 'media.prepareEnded');
  b.CRVideo_RejectCall(callID);
  assert.ok(await ended);
  await workerEmpty();
});

test('cancelled by the caller: torn down, the callee is told, nothing is left', async () => {
  const { a, b, callID, meet } = await ringAndPrepare();
  const ended = notified(b, 'media.prepareEnded');
  a.CRVideo_HangupCall(callID);
  assert.deepEqual(await ended, { meetID: meet.ID });
  await workerEmpty();
});

test('not answered in time: torn down at the timeout, nothing is left', async () => {
  const { a, b } = await ringAndPrepare();
  const endedA = notified(a, 'media.prepareEnded');
  const endedB = notified(b, 'media.prepareEnded');
  const rejected = next(a, 'CRVideo_NotifyCallRejected');
  assert.equal((await rejected)[1], SdkErr.ERR_NOANSWER);
  await Promise.all([endedA, endedB]);
  await workerEmpty();
});

test('answered on another device: the other device’s preparation goes, the answering one stays', async () => {
  const id = ++n;
  const a = await login(server, `ma${id}`);
  const b1 = await login(server, `mb${id}`);
  const b2 = await login(server, `mb${id}`);
  const meet = await createRoom(a);
  const rings = [next(b1, 'CRVideo_NotifyCallIn'), next(b2, 'CRVideo_NotifyCallIn')];
  const callID = a.CRVideo_Call(b1.$core.UID, meet);
  await Promise.all(rings);
  for (const c of [b1, b2]) {
    await req(c, 'media.prepare', { callID });
    await req(c, 'media.createTransport', { direction: 'recv' });
  }
  assert.equal((await plane.stats()).totals.transports, 2);
  const ended = notified(b2, 'media.prepareEnded');
  const ok = next(b1, 'CRVideo_AcceptCallSuccess');
  b1.CRVideo_AcceptCall(callID, meet);
  await ok;
  await ended;
  assert.equal((await plane.stats()).totals.transports, 1);
  a.CRVideo_HangupCall(callID);
  await workerEmpty();
});

test('answered: the parties’ held media starts at the accept, before either enters the room', async () => {
  const id = ++n;
  const a = await login(server, `sa${id}`);
  const b = await login(server, `sb${id}`);
  const { callID, meet } = await ring(a, b, b.$core.UID);
  producers.length = 0;
  consumers.length = 0;
  let ssrc = 7000 + id * 10;
  for (const c of [a, b]) {
    await req(c, 'media.prepare', { callID });
    const send = (await req(c, 'media.createTransport', { direction: 'send' })) as { id: string };
    await req(c, 'media.createTransport', { direction: 'recv' });
    // Produced while the call rings: held (paused), as the SDK does.
    await req(c, 'media.produce', {
      transportId: send.id,
      kind: 'audio',
      paused: true,
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: ssrc++ }],
      },
    });
  }
  // Each pre-consumes the other and asks to receive it (the SDK resumes every new consumer at once).
  const caps = (await req(a, 'media.getRouterRtpCapabilities')) as { rtpCapabilities: unknown };
  for (const c of [a, b]) {
    const got = notified(c, 'media.newConsumer') as Promise<{ id: string }>;
    await req(c, 'media.ready', { rtpCapabilities: caps.rtpCapabilities });
    await req(c, 'media.resumeConsumer', { consumerId: (await got).id });
  }
  assert.equal(producers.length, 2);
  assert.equal(consumers.length, 2);
  assert.ok(
    [...producers, ...consumers].every((x) => x.paused),
    'nothing flows while the call rings',
  );
  const accepted = next(a, 'CRVideo_NotifyCallAccepted');
  b.CRVideo_AcceptCall(callID, meet);
  await accepted;
  // Neither has entered: the accept alone started both directions.
  await waitFor('producers and consumers resumed at the answer', async () =>
    [...producers, ...consumers].every((x) => !x.paused),
  );
  a.CRVideo_HangupCall(callID);
  await workerEmpty();
});
