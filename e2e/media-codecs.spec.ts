// What the cameras and microphones send (issue 15), end to end: real Chromium with fake capture devices,
// the real server with real mediasoup workers. Opus goes with in-band FEC and DTX negotiated both ways;
// a camera in a room that has VP9 sends one VP9 SVC stream (L3T3_KEY) whose viewers get an svc consumer,
// and a tile that shrinks lowers the spatial layer it receives. The server's objects are read through
// mediasoup's own observer API (the server runs in this process), the browser's through its SDP.
import { type Browser, expect, test } from '@playwright/test';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { expectVideoFlowing, type MediaServer, startMediaServer, User, until } from './mediaHarness.js';

let ms: MediaServer;
const users: User[] = [];
let seq = 0;
const producers: types.Producer[] = [];
const consumers: types.Consumer[] = [];

function watch(worker: types.Worker): void {
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newproducer', (p) => producers.push(p));
      transport.observer.on('newconsumer', (c) => consumers.push(c));
    }),
  );
}

test.beforeAll(async () => {
  mediasoup.observer.on('newworker', watch);
  ms = await startMediaServer({ numWorkers: 1 });
});

test.afterAll(async () => {
  mediasoup.observer.off('newworker', watch);
  await ms?.close();
});

test.afterEach(async () => {
  for (const u of users.splice(0)) await u.close();
  producers.length = 0;
  consumers.length = 0;
});

/** Keeps every SDP the page's peer connections are given, in `window.__sdp`. */
const RECORD_SDP = `
  window.__sdp = [];
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (d && d.sdp) window.__sdp.push({ type: d.type, sdp: d.sdp });
    return set.apply(this, arguments);
  };
`;

async function user(browser: Browser, name: string, options: Record<string, boolean> = {}): Promise<User> {
  const u = await User.open(browser, ms, `${name}-${++seq}`, '', RECORD_SDP);
  users.push(u);
  await u.login();
  await u.fn('CRVideo_SetMediaOptions', options);
  return u;
}

type MeetObj = { ID: number };

/** A creates a room, calls B in; both enter and send mic + camera. */
async function call(a: User, b: User): Promise<MeetObj> {
  let since = await a.eventCount();
  await a.fn('CRVideo_CreateMeeting', 'codecs e2e', 'create');
  const meet = (await a.waitFor('CRVideo_CreateMeetingSuccess', [], since))[0] as MeetObj;
  await a.enter(meet.ID);
  since = await b.eventCount();
  const callID = (await a.fn('CRVideo_Call', b.UID, meet, '', 'dial')) as string;
  await b.waitFor('CRVideo_NotifyCallIn', [callID], since);
  await b.fn('CRVideo_AcceptCall', callID, meet, '', 'accept');
  await b.waitFor('CRVideo_AcceptCallSuccess', [callID], since);
  await b.enter(meet.ID);
  for (const u of [a, b]) await u.openMicAndCamera();
  return meet;
}

/** The fmtp parameters of Opus in the SDPs of `type` the page was given. */
async function opusFmtp(u: User, type: 'offer' | 'answer'): Promise<Record<string, string>[]> {
  const sdps = (await u.page.evaluate(() => (window as unknown as { __sdp: { type: string; sdp: string }[] }).__sdp))
    .filter((d) => d.type === type)
    .map((d) => d.sdp);
  const out: Record<string, string>[] = [];
  for (const sdp of sdps) {
    for (const pt of sdp.matchAll(/a=rtpmap:(\d+) opus\/48000/gi)) {
      const line = new RegExp(`a=fmtp:${pt[1]} (.*)`).exec(sdp)?.[1] ?? '';
      out.push(Object.fromEntries(line.split(';').map((kv) => kv.trim().split('=') as [string, string])));
    }
  }
  return out;
}

const opusParams = (rtp: types.RtpParameters) =>
  rtp.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus')?.parameters ?? {};

test('Opus goes with in-band FEC and DTX: the sender is asked for them and every receiver is told', async ({
  browser,
}) => {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  await call(a, b);
  const audioConsumers = await until('both audio consumers', async () => {
    const list = consumers.filter((c) => c.kind === 'audio' && !c.closed);
    return list.length === 2 ? list : null;
  });
  // The server tells each receiver FEC and DTX are in the stream (its consumer's codec parameters).
  for (const c of audioConsumers) expect(opusParams(c.rtpParameters)).toMatchObject({ useinbandfec: 1, usedtx: 1 });
  for (const u of [a, b]) {
    // The send transport's answer is what turns the browser's Opus encoder's FEC and DTX on.
    const answers = await opusFmtp(u, 'answer');
    expect(answers.length).toBeGreaterThan(0);
    for (const f of answers) expect(f).toMatchObject({ useinbandfec: '1', usedtx: '1' });
    // And the receive side's offer carries them to the decoder.
    const offers = await opusFmtp(u, 'offer');
    expect(offers.length).toBeGreaterThan(0);
    for (const f of offers) expect(f).toMatchObject({ useinbandfec: '1', usedtx: '1' });
  }
});

test('with opusFecDtx off (the measurement baseline) the sender is not asked for DTX', async ({ browser }) => {
  const a = await user(browser, 'A', { opusFecDtx: false });
  const b = await user(browser, 'B', { opusFecDtx: false });
  await call(a, b);
  await until('both audio consumers', async () =>
    consumers.filter((c) => c.kind === 'audio' && !c.closed).length === 2 ? true : null,
  );
  for (const u of [a, b]) for (const f of await opusFmtp(u, 'answer')) expect(f.usedtx ?? '0').toBe('0');
});

/** The last CRVideo_NotifyVideoLayer(UID, spatial, temporal) spatial layer `viewer` got about `UID`. */
async function lastLayer(viewer: User, UID: string): Promise<number | null> {
  const ev = (await viewer.events('CRVideo_NotifyVideoLayer')).filter((e) => e.args[0] === UID);
  return ev.length ? (ev.at(-1)?.args[1] as number) : null;
}

test('a camera in a room with VP9 sends SVC: its viewer gets an svc consumer, and a smaller tile a lower spatial layer', async ({
  browser,
}) => {
  const a = await user(browser, 'A', { svc: true });
  const b = await user(browser, 'B', { svc: true });
  await call(a, b);
  // Nobody speaks: the active speaker would get the top layer whatever its tile.
  for (const u of [a, b]) await u.fn('CRVideo_CloseMic', u.UID);
  // Both cameras: VP9 with three spatial layers in one stream; each viewer's consumer is an svc one.
  const video = await until('both video consumers', async () => {
    const list = consumers.filter((c) => c.kind === 'video' && !c.closed);
    return list.length === 2 ? list : null;
  });
  for (const p of producers.filter((x) => x.kind === 'video')) {
    expect(p.rtpParameters.codecs[0]?.mimeType).toBe('video/VP9');
    expect(p.rtpParameters.encodings?.[0]?.scalabilityMode).toBe('L3T3_KEY');
  }
  for (const c of video) expect(c.type).toBe('svc');
  const [viewer, sender] = [b, a];
  await until(
    `${viewer.UID} gets a first frame`,
    async () => ((await viewer.video(sender.UID))?.frames ? true : null),
    90_000,
  );
  await expectVideoFlowing(viewer, sender.UID);
  await viewer.fn('CRVideo_SetVideoTileSize', sender.UID, 1280, 720);
  // Chromium sends as many spatial layers as the picture allows (two for the fake camera's 640 × 360).
  const top = await until(
    'a high spatial layer',
    async () => {
      const l = await lastLayer(viewer, sender.UID);
      return l !== null && l >= 1 ? l : null;
    },
    60_000,
  );
  await new Promise((r) => setTimeout(r, 2000));
  const big = await until('the large picture', async () => {
    const v = await viewer.video(sender.UID);
    return v && v.height > 0 ? v : null;
  });
  await viewer.fn('CRVideo_SetVideoTileSize', sender.UID, 160, 90);
  await until(
    'the lowest spatial layer',
    async () => ((await lastLayer(viewer, sender.UID)) === 0 ? true : null),
    60_000,
  );
  const small = await until('the small picture', async () => {
    const v = await viewer.video(sender.UID);
    return v && v.height > 0 && v.height < big.height ? v : null;
  });
  console.log(
    `svc: tile 1280x720 → layer ${top}, ${big.width}x${big.height}; tile 160x90 → layer 0, ${small.width}x${small.height}`,
  );
  await expectVideoFlowing(viewer, sender.UID);
});
