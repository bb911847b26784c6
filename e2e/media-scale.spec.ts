// Room media that starts fast and scales (issue 15), end to end: real Chromium with fake capture devices,
// the real server with real mediasoup workers, each user driving only the CRVideo_* globals of
// /sdk/crvideo.js. Cameras send three VP8 simulcast layers; the page tells the SDK how big it shows each
// member (CRVideo_SetVideoTileSize) and the server picks the layer; the active speaker gets the top one;
// a hidden page pauses what it receives; a ringing call prepares media that goes if the call does not.
import { type Browser, expect, test } from '@playwright/test';
import * as mediasoup from 'mediasoup';
import { expectVideoFlowing, type MediaServer, startMediaServer, User, until } from './mediaHarness.js';

/**
 * For each video producer resumed in this process's SFU: whether every consumer of it was already
 * resumed itself (not paused, only waiting for its producer) at that moment.
 */
const consumersReadyAtProducerResume: boolean[] = [];
const videoConsumers = new Set<mediasoup.types.Consumer>();
mediasoup.observer.on('newworker', (w) =>
  w.observer.on('newrouter', (r) =>
    r.observer.on('newtransport', (t) => {
      t.observer.on('newproducer', (p) => {
        if (p.kind !== 'video') return;
        p.observer.on('resume', () => {
          const mine = [...videoConsumers].filter((c) => c.producerId === p.id && !c.closed);
          consumersReadyAtProducerResume.push(mine.length > 0 && mine.every((c) => !c.paused));
        });
      });
      t.observer.on('newconsumer', (c) => {
        if (c.kind !== 'video') return;
        videoConsumers.add(c);
        c.observer.once('close', () => videoConsumers.delete(c));
      });
    }),
  ),
);

let ms: MediaServer;
const users: User[] = [];
let seq = 0;

test.beforeAll(async () => {
  ms = await startMediaServer({ numWorkers: 1 });
});

test.afterAll(async () => {
  await ms?.close();
});

test.afterEach(async () => {
  for (const u of users.splice(0)) await u.close();
});

async function user(browser: Browser, name: string, server = ms): Promise<User> {
  const u = await User.open(browser, server, `${name}-${++seq}`);
  users.push(u);
  await u.login();
  return u;
}

type MeetObj = { ID: number };

async function createRoom(a: User): Promise<MeetObj> {
  const since = await a.eventCount();
  await a.fn('CRVideo_CreateMeeting', 'scale e2e', 'create');
  return (await a.waitFor('CRVideo_CreateMeetingSuccess', [], since))[0] as MeetObj;
}

/** `caller` rings `callee` into `meet`; resolves with the callID once the callee rings. */
async function ring(caller: User, callee: User, meet: MeetObj): Promise<string> {
  const since = await callee.eventCount();
  const callID = (await caller.fn('CRVideo_Call', callee.UID, meet, '', 'dial')) as string;
  await callee.waitFor('CRVideo_NotifyCallIn', [callID], since);
  return callID;
}

/** Host creates a room and calls every guest in; everyone enters and sends mic + camera. */
async function room(host: User, guests: User[]): Promise<MeetObj> {
  const meet = await createRoom(host);
  await host.enter(meet.ID);
  for (const g of guests) {
    const since = await g.eventCount();
    const callID = await ring(host, g, meet);
    await g.fn('CRVideo_AcceptCall', callID, meet, '', 'accept');
    await g.waitFor('CRVideo_AcceptCallSuccess', [callID], since);
    await g.enter(meet.ID);
  }
  for (const u of [host, ...guests]) await u.openMicAndCamera();
  return meet;
}

/** The last CRVideo_NotifyVideoLayer(UID, spatial, temporal) `viewer` got about `UID`'s video. */
/** First frames can take long on a loaded 2-core machine: wait for them before the flowing checks. */
async function firstVideo(viewer: User, UID: string): Promise<void> {
  await until(
    `${viewer.UID} gets a first frame of ${UID}`,
    async () => ((await viewer.video(UID))?.frames ? true : null),
    90_000,
  );
}

async function lastLayer(viewer: User, UID: string): Promise<number | null> {
  const ev = (await viewer.events('CRVideo_NotifyVideoLayer')).filter((e) => e.args[0] === UID);
  const last = ev.at(-1);
  return last ? (last.args[1] as number) : null;
}

/** Waits until `viewer` receives `UID`'s video at spatial layer `layer` (by the layer event). */
function layerIs(viewer: User, UID: string, want: (layer: number) => boolean, what: string): Promise<number> {
  return until(
    `${viewer.UID} gets ${what} of ${UID}`,
    async () => {
      const l = await lastLayer(viewer, UID);
      return l !== null && want(l) ? l + 1 : 0; // +1: layer 0 must count as found
    },
    // A switch waits for a key frame of the new layer, slow when the machine is loaded.
    60_000,
  ).then((l) => l - 1);
}

async function inbound(viewer: User, UID: string) {
  const st = (await viewer.fn('CRVideo_GetMediaStats')) as {
    members: Record<
      string,
      { video: { bytesReceived: number; keyFramesDecoded?: number; frameHeight?: number } | null }
    >;
  };
  return st.members[UID]?.video ?? null;
}

async function workerEmpty(server = ms): Promise<void> {
  await until('nothing left in the worker', async () => {
    const s = await server.plane.stats();
    return s.totals.routers === 0 && s.workers.every((w) => w.routers === 0 && w.transports === 0) ? s : null;
  });
  const s = await server.plane.stats();
  expect(s.totals).toMatchObject({ rooms: 0, routers: 0, transports: 0, producers: 0, consumers: 0 });
}

test('a viewer whose tile shrinks gets a lower simulcast layer (layer events and received size)', async ({
  browser,
}) => {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  await room(a, [b]);
  // Nobody speaks: the active speaker's video is sent at the top layer whatever its tile size.
  await a.fn('CRVideo_CloseMic', a.UID);
  await b.fn('CRVideo_CloseMic', b.UID);
  await firstVideo(b, a.UID);
  await expectVideoFlowing(b, a.UID);
  await b.fn('CRVideo_SetVideoTileSize', a.UID, 1280, 720);
  const top = await layerIs(b, a.UID, (l) => l >= 1, 'a high layer');
  // Compared with itself: a loaded machine makes Chromium scale every layer down alike.
  await new Promise((r) => setTimeout(r, 2000));
  const big = await until('the large picture arrives', async () => {
    const v = await b.video(a.UID);
    return v && v.height > 0 ? v : null;
  });
  await b.fn('CRVideo_SetVideoTileSize', a.UID, 160, 90);
  await layerIs(b, a.UID, (l) => l === 0, 'the lowest layer');
  const small = await until('the small picture arrives', async () => {
    const v = await b.video(a.UID);
    return v && v.height > 0 && v.height <= big.height * 0.6 ? v : null;
  });
  console.log(
    `tile 1280x720 → layer ${top}, ${big.width}x${big.height}; tile 160x90 → layer 0, ${small.width}x${small.height}`,
  );
  expect(small.height).toBeLessThan(big.height);
  await expectVideoFlowing(b, a.UID);
});

// Was flaky (1 to 2 runs in 3): mediasoup's ActiveSpeakerObserver keeps a paused producer as its dominant
// speaker and only announces changes, so a member who spoke, muted and spoke again was never named. The room
// now takes a muted mic out of the observer (server/media/MediaRoom.ts); this story checks exactly that.
test.describe('active speaker', () => {
  test('the active speaker gets the top layer; it moves when the speaker changes', async ({ browser }) => {
    const a = await user(browser, 'A');
    const b = await user(browser, 'B');
    const c = await user(browser, 'C');
    await room(a, [b, c]);
    // C shows A and B as thumbnails: the lowest layer each, while nobody speaks.
    await a.fn('CRVideo_CloseMic', a.UID);
    await b.fn('CRVideo_CloseMic', b.UID);
    await c.fn('CRVideo_CloseMic', c.UID);
    for (const who of [a, b]) await c.fn('CRVideo_SetVideoTileSize', who.UID, 160, 90);
    await layerIs(c, a.UID, (l) => l === 0, 'the thumbnail layer');
    await layerIs(c, b.UID, (l) => l === 0, 'the thumbnail layer');
    // A speaks (its mic is the only one open: the fake device's tone): A's video goes to the top layer at C.
    const since = await c.eventCount();
    await a.fn('CRVideo_OpenMic', a.UID);
    await c.waitFor('CRVideo_NotifyActiveSpeaker', [a.UID], since, 30_000);
    await layerIs(c, a.UID, (l) => l >= 1, 'the speaker layer');
    expect(await lastLayer(c, b.UID)).toBe(0);
    // B speaks instead: the top layer moves to B, A's thumbnail goes back down.
    const since2 = await c.eventCount();
    await a.fn('CRVideo_CloseMic', a.UID);
    await b.fn('CRVideo_OpenMic', b.UID);
    await c.waitFor('CRVideo_NotifyActiveSpeaker', [b.UID], since2, 30_000);
    await layerIs(c, b.UID, (l) => l >= 1, 'the speaker layer');
    await layerIs(c, a.UID, (l) => l === 0, 'the thumbnail layer again');
  });
});

test('a hidden window pauses its video consumers and resumes them with a key frame', async ({ browser }) => {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  await room(a, [b]);
  await firstVideo(b, a.UID);
  await expectVideoFlowing(b, a.UID);
  // What a minimised window does to the page (the OS boundary): visibilityState 'hidden' + the event.
  const setHidden = (hidden: boolean) =>
    b.page.evaluate((h) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  await setHidden(true);
  // Paused at the server: the bytes B receives of A's video stop growing.
  const stopped = await until('A’s video stops reaching B', async () => {
    const one = await inbound(b, a.UID);
    await new Promise((r) => setTimeout(r, 1000));
    const two = await inbound(b, a.UID);
    return one && two && two.bytesReceived === one.bytesReceived ? two : null;
  });
  const keyFramesBefore = stopped.keyFramesDecoded ?? 0;
  const shownAt = Date.now();
  await setHidden(false);
  const back = await until('A’s video comes back with a key frame', async () => {
    const now = await inbound(b, a.UID);
    return now && now.bytesReceived > stopped.bytesReceived && (now.keyFramesDecoded ?? 0) > keyFramesBefore
      ? now
      : null;
  });
  console.log(
    `resumed with a key frame after ${Date.now() - shownAt} ms (key frames ${keyFramesBefore} → ${back.keyFramesDecoded})`,
  );
  await expectVideoFlowing(b, a.UID);
});

/** A rings B; both SDKs prepare media while it rings (the worker holds the room and 4 transports). */
async function ringPrepared(
  browser: Browser,
  server = ms,
): Promise<{ a: User; b: User; callID: string; meet: MeetObj }> {
  const a = await user(browser, 'A', server);
  const b = await user(browser, 'B', server);
  const meet = await createRoom(a);
  const callID = await ring(a, b, meet);
  await until('both sides prepared while ringing', async () => {
    const s = await server.plane.stats();
    return s.totals.routers === 1 && s.totals.transports === 4 ? s : null;
  });
  return { a, b, callID, meet };
}

test('ring-time preparation is torn down when the call is rejected', async ({ browser }) => {
  const { a, b, callID } = await ringPrepared(browser);
  const since = await a.eventCount();
  await b.fn('CRVideo_RejectCall', callID, '', 'no');
  await a.waitFor('CRVideo_NotifyCallRejected', [callID], since);
  await workerEmpty();
});

test('ring-time preparation is torn down when the caller cancels', async ({ browser }) => {
  const { a, b, callID } = await ringPrepared(browser);
  const since = await b.eventCount();
  await a.fn('CRVideo_HangupCall', callID, '', 'cancel');
  await b.waitFor('CRVideo_NotifyCallHungup', [callID], since);
  await workerEmpty();
});

test('ring-time preparation is torn down when nobody answers', async ({ browser }) => {
  // A server of its own with a short ring time.
  const quick = await startMediaServer({ numWorkers: 1 }, { callTimeoutMs: 6000 });
  try {
    const { a, callID } = await ringPrepared(browser, quick);
    const [, code] = await a.waitFor('CRVideo_NotifyCallRejected', [callID], 0, 30_000);
    expect(code).toBe(604);
    await workerEmpty(quick);
  } finally {
    for (const u of users.splice(0)) await u.close();
    await quick.close();
  }
});

test('a prepared call, once answered, shows video both ways on the prepared transports', async ({ browser }) => {
  const { a, b, callID, meet } = await ringPrepared(browser);
  // Previews opened while ringing, as an app that shows one does: both sides produce (held paused) and
  // receive each other (paused) already, so the transports connect before the answer.
  await a.openMicAndCamera();
  await b.openMicAndCamera();
  await until('each side holds the other’s prepared consumers', async () => {
    const s = await ms.plane.stats();
    if (process.env.CRVIDEO_TEST_CONSOLE) console.log(JSON.stringify(s.totals));
    return s.totals.producers === 4 && s.totals.consumers === 4 ? s : null;
  });
  await new Promise((r) => setTimeout(r, 1000));
  // Nothing flows before the answer, and the apps have not been handed the other's streams.
  expect((await inbound(b, a.UID))?.bytesReceived ?? 0).toBe(0);
  expect((await inbound(a, b.UID))?.bytesReceived ?? 0).toBe(0);
  expect((await a.events('CRVideo_NotifyVideoStream')).filter((e) => e.args[0] === b.UID)).toHaveLength(0);
  const since = await a.eventCount();
  consumersReadyAtProducerResume.length = 0;
  await b.fn('CRVideo_AcceptCall', callID, meet, '', 'accept');
  await a.waitFor('CRVideo_NotifyCallAccepted', [callID], since);
  await Promise.all([a.enter(meet.ID), b.enter(meet.ID)]);
  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  // The answer resumed both video consumers before the cameras' producers: the key frame a producer's
  // resume asks for then reaches consumers that forward it (resumed after it, they would wait a second).
  expect(consumersReadyAtProducerResume.slice(0, 2)).toEqual([true, true]);
  expect((await ms.plane.stats()).totals.transports).toBe(4);
  await a.fn('CRVideo_HangupCall', callID, '', 'bye');
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await workerEmpty();
});
