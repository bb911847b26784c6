// Room audio and video end to end: real Chromium with fake capture devices, the real server with real
// mediasoup workers, each user in its own browser context driving only the CRVideo_* globals of
// /sdk/crvideo.js.
import { chromium, expect, test } from '@playwright/test';
import {
  expectAudioFlowing,
  expectVideoFlowing,
  type MediaServer,
  startMediaServer,
  User,
  until,
} from './mediaHarness.js';

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

async function user(browser: import('@playwright/test').Browser, name: string): Promise<User> {
  const u = await User.open(browser, ms, `${name}-${++seq}`);
  users.push(u);
  await u.login();
  return u;
}

type MeetObj = { ID: number; subject: string; creator: string };

async function createRoom(a: User): Promise<MeetObj> {
  const since = await a.eventCount();
  await a.fn('CRVideo_CreateMeeting', 'media e2e', 'create');
  const [meetObj] = await a.waitFor('CRVideo_CreateMeetingSuccess', [], since);
  return meetObj as MeetObj;
}

/** `caller` calls `callee` into `meet`; the callee accepts. Returns the callID. */
async function callAndAccept(caller: User, callee: User, meet: MeetObj): Promise<string> {
  const sinceCallee = await callee.eventCount();
  const sinceCaller = await caller.eventCount();
  const callID = (await caller.fn('CRVideo_Call', callee.UID, meet, 'hello', 'dial')) as string;
  expect(typeof callID).toBe('string');
  const [inID, inMeet, callerID, ext] = await callee.waitFor('CRVideo_NotifyCallIn', [], sinceCallee);
  expect(inID).toBe(callID);
  expect((inMeet as MeetObj).ID).toBe(meet.ID);
  expect(callerID).toBe(caller.UID);
  expect(ext).toBe('hello');
  await callee.fn('CRVideo_AcceptCall', callID, inMeet, '', 'accept');
  await callee.waitFor('CRVideo_AcceptCallSuccess', [callID], sinceCallee);
  await caller.waitFor('CRVideo_NotifyCallAccepted', [callID], sinceCaller);
  return callID;
}

async function expectRoomMediaClosed(meetID: number): Promise<void> {
  await until(`every media object of room ${meetID} closed`, async () => {
    const s = await ms.plane.stats();
    const room = s.rooms.find((r) => r.meetID === meetID);
    return !room && s.totals.transports === 0 && s.totals.producers === 0 && s.totals.consumers === 0 ? s : null;
  });
  const s = await ms.plane.stats();
  expect(s.totals).toMatchObject({ rooms: 0, routers: 0, transports: 0, producers: 0, consumers: 0 });
  expect(s.workers.every((w) => w.routers === 0 && w.transports === 0)).toBe(true);
}

test('the seed flow: call, accept, both see and hear each other, hang up, everything is closed', async ({
  browser,
}) => {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  const meet = await createRoom(a);
  const callID = await callAndAccept(a, b, meet);

  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await a.openMicAndCamera();
  await b.openMicAndCamera();

  // Own statuses: opening, then open; the other side hears of it too.
  await a.waitFor('CRVideo_AudioStatusChanged', [a.UID, 4, 3]);
  await a.waitFor('CRVideo_VideoStatusChanged', [a.UID, 4, 3]);
  await a.waitFor('CRVideo_VideoStatusChanged', [b.UID]);
  await b.waitFor('CRVideo_VideoStatusChanged', [a.UID]);
  await until('A sees B video open', async () =>
    (await a.events('CRVideo_VideoStatusChanged')).some((e) => e.args[0] === b.UID && e.args[2] === 3),
  );
  await until('B sees A mic open', async () =>
    (await b.events('CRVideo_AudioStatusChanged')).some((e) => e.args[0] === a.UID && e.args[2] === 3),
  );

  // Streams: each side is handed the other's video and audio, and its own camera for the preview.
  await a.waitFor('CRVideo_NotifyVideoStream', [b.UID]);
  await a.waitFor('CRVideo_NotifyMemberAudioStream', [b.UID]);
  await b.waitFor('CRVideo_NotifyVideoStream', [a.UID]);
  await b.waitFor('CRVideo_NotifyMemberAudioStream', [a.UID]);
  await a.waitFor('CRVideo_NotifyVideoStream', [a.UID]);

  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  await expectAudioFlowing(a, b.UID);
  await expectAudioFlowing(b, a.UID);
  // The SDK plays the remote audio itself: one playing <audio> element per member.
  const players = await a.page.evaluate(() =>
    [...document.querySelectorAll('audio')].map((el) => ({
      uid: el.dataset.crvideoUid,
      playing: !el.paused,
      live: el.srcObject instanceof MediaStream && el.srcObject.getAudioTracks()[0]?.readyState === 'live',
    })),
  );
  expect(players).toEqual([{ uid: b.UID, playing: true, live: true }]);
  // The server names the loudest member (the fake mic beeps): the extension CRVideo_NotifyActiveSpeaker.
  const [speaker] = await a.waitFor('CRVideo_NotifyActiveSpeaker');
  expect([a.UID, b.UID]).toContain(speaker);
  // B's voice level as A's browser measures the packets it receives (no audio graph per member).
  await until('A is told a voice level of B above 0', async () =>
    (await a.events('CRVideo_MicEnergyUpdate')).some((e) => e.args[0] === b.UID && (e.args[2] as number) > 0),
  );

  let s = await ms.plane.stats();
  const room = s.rooms.find((r) => r.meetID === meet.ID);
  expect(room).toMatchObject({ members: 2, transports: 4, producers: 4, consumers: 4 });

  // A hangs up; B is told; both leave the room.
  const sinceB = await b.eventCount();
  await a.fn('CRVideo_HungupCall', callID, 'bye', 'hangup');
  await a.waitFor('CRVideo_HangupCallSuccess', [callID]);
  await b.waitFor('CRVideo_NotifyCallHungup', [callID, 'bye'], sinceB);
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await expectRoomMediaClosed(meet.ID);

  // Leaving released the capture: the camera light is off (every local track ended).
  const live = await a.page.evaluate(() => {
    return [...document.querySelectorAll('video')].flatMap((el) =>
      el.srcObject instanceof MediaStream ? el.srcObject.getTracks().filter((t) => t.readyState === 'live') : [],
    ).length;
  });
  expect(live).toBe(0);
  s = await ms.plane.stats();
  expect(s.totals.consumers).toBe(0);
});

test('one AudioContext per page, and no remote mix for an app that does not take NotifyAudioStream', async ({
  browser,
}) => {
  // Counts what the page's SDK makes of Web Audio.
  const probe = `(() => {
    window.__webAudio = { contexts: 0, mixes: 0 };
    const AC = window.AudioContext;
    window.AudioContext = class extends AC {
      constructor(...a) { super(...a); window.__webAudio.contexts++; }
      createMediaStreamDestination() { window.__webAudio.mixes++; return super.createMediaStreamDestination(); }
    };
  })()`;
  const open = async (name: string) => {
    const u = await User.open(browser, ms, `${name}-${++seq}`, '', probe);
    users.push(u);
    await u.login();
    return u;
  };
  const a = await open('mixA');
  const b = await open('mixB');
  // B's app does not take the remote mix; A's (the test page records every callback) does.
  await b.page.evaluate(() => {
    (window as unknown as { CRVideo_NotifyAudioStream: { callback: unknown } }).CRVideo_NotifyAudioStream.callback =
      null;
  });
  const { meet } = await callIntoRoom(a, b);
  await expectAudioFlowing(a, b.UID);
  await expectAudioFlowing(b, a.UID);
  await a.waitFor('CRVideo_NotifyAudioStream', [1]);
  const counts = (u: User) => u.page.evaluate(() => (window as unknown as { __webAudio: object }).__webAudio);
  // A: the own mic's meter and the mix share one context; B: the meter's context only, no mix.
  expect(await counts(a)).toEqual({ contexts: 1, mixes: 1 });
  expect(await counts(b)).toEqual({ contexts: 1, mixes: 0 });
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await expectRoomMediaClosed(meet.ID);
});

test('camera off and on again mid-call is seen on the other side', async ({ browser }) => {
  const { a, b } = await inCall(browser);

  let since = await b.eventCount();
  await a.fn('CRVideo_CloseVideo', a.UID);
  await a.waitFor('CRVideo_VideoStatusChanged', [a.UID, 3, 2]);
  await b.waitFor('CRVideo_VideoStatusChanged', [a.UID, 3, 2], since);
  // Closing stopped A's camera: its preview track has ended.
  const previewLive = await a.page.evaluate((uid) => {
    const v = document.getElementById(`v-${uid}`) as HTMLVideoElement | null;
    const s = v?.srcObject;
    return s instanceof MediaStream ? s.getVideoTracks().some((t) => t.readyState === 'live') : false;
  }, a.UID);
  expect(previewLive).toBe(false);
  // The producer is paused on the server, the consumer kept.
  const frozen = await b.video(a.UID);

  since = await b.eventCount();
  await a.fn('CRVideo_OpenVideo', a.UID);
  await a.waitFor('CRVideo_VideoStatusChanged', [a.UID, 4, 3]);
  await b.waitFor('CRVideo_VideoStatusChanged', [a.UID, 4, 3], since);
  await until('frames from A flow again', async () => {
    const v = await b.video(a.UID);
    return v && frozen && v.frames > frozen.frames + 10 ? v : null;
  });
  // Mic off is seen too.
  since = await b.eventCount();
  await a.fn('CRVideo_CloseMic', a.UID);
  await b.waitFor('CRVideo_AudioStatusChanged', [a.UID, 3, 2], since);
});

test('three members: A calls B and C, each receives the two others', async ({ browser }) => {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  const c = await user(browser, 'C');
  const meet = await createRoom(a);
  await callAndAccept(a, b, meet);
  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await callAndAccept(a, c, meet);
  await c.enter(meet.ID);
  for (const u of [a, b, c]) await u.openMicAndCamera();

  const checks: Promise<void>[] = [];
  for (const viewer of [a, b, c]) {
    for (const other of [a, b, c]) {
      if (other === viewer) continue;
      checks.push(expectVideoFlowing(viewer, other.UID), expectAudioFlowing(viewer, other.UID));
    }
  }
  await Promise.all(checks);
  const room = (await ms.plane.stats()).rooms.find((r) => r.meetID === meet.ID);
  expect(room).toMatchObject({ members: 3, transports: 6, producers: 6, consumers: 12 });

  // C leaves: A and B keep each other, and C's objects are gone.
  await c.fn('CRVideo_ExitMeeting');
  await a.waitFor('CRVideo_UserLeftMeeting', [c.UID]);
  await until('C objects closed', async () => {
    const r = (await ms.plane.stats()).rooms.find((x) => x.meetID === meet.ID);
    return r && r.members === 2 && r.transports === 4 && r.producers === 4 && r.consumers === 4;
  });
  await expectVideoFlowing(a, b.UID);
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await expectRoomMediaClosed(meet.ID);
});

test('a media worker killed mid-call: MeetingDropped, enter again, media flows again', async ({ browser }) => {
  const { a, b, meet } = await inCall(browser);

  const pid = ms.plane.workerPidOf(meet.ID);
  expect(pid).toBeTruthy();
  const sinceA = await a.eventCount();
  const sinceB = await b.eventCount();
  process.kill(pid as number, 'SIGKILL');
  await a.waitFor('CRVideo_MeetingDropped', [], sinceA);
  await b.waitFor('CRVideo_MeetingDropped', [], sinceB);
  // Dropping released the capture (statuses back to closed).
  await a.waitFor('CRVideo_VideoStatusChanged', [a.UID, 3, 2], sinceA);

  await until('a replacement worker is up', async () => {
    const pids = ms.plane.workerPids();
    return pids.length === 1 && pids[0] !== pid;
  });
  const since2A = await a.eventCount();
  const since2B = await b.eventCount();
  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await a.openMicAndCamera();
  await b.openMicAndCamera();
  await a.waitFor('CRVideo_NotifyVideoStream', [b.UID], since2A);
  await b.waitFor('CRVideo_NotifyVideoStream', [a.UID], since2B);
  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  await expectAudioFlowing(a, b.UID);
  expect(ms.plane.workerPidOf(meet.ID)).not.toBe(pid);
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
  await expectRoomMediaClosed(meet.ID);
});

/** Two users in a call with mic and camera open, media flowing both ways. */
async function inCall(
  browser: import('@playwright/test').Browser,
): Promise<{ a: User; b: User; meet: MeetObj; callID: string }> {
  const a = await user(browser, 'A');
  const b = await user(browser, 'B');
  const { meet, callID } = await callIntoRoom(a, b);
  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  return { a, b, meet, callID };
}

/** `a` makes a room and calls `b` into it; both enter and open their mic and camera. */
async function callIntoRoom(a: User, b: User): Promise<{ meet: MeetObj; callID: string }> {
  const meet = await createRoom(a);
  const callID = await callAndAccept(a, b, meet);
  await a.enter(meet.ID);
  await b.enter(meet.ID);
  await a.openMicAndCamera();
  await b.openMicAndCamera();
  return { meet, callID };
}

test('devices: list them, switch mic and camera mid-call without renegotiating, pick a speaker', async ({
  browser,
}) => {
  const { a, b, meet } = await inCall(browser);
  const devices = (await a.fn('CRVideo_GetDevices')) as { deviceId: string; label: string; kind: string }[];
  const of = (kind: string) => devices.filter((d) => d.kind === kind && d.deviceId !== 'default');
  expect(of('audioinput').length).toBeGreaterThan(0);
  expect(of('videoinput').length).toBeGreaterThan(0);
  expect(of('audiooutput').length).toBeGreaterThan(0);
  expect(devices.every((d) => d.label !== '')).toBe(true);
  const before = (await ms.plane.stats()).rooms.find((r) => r.meetID === meet.ID);
  const statusEvents = (await a.events('CRVideo_AudioStatusChanged')).length;

  const mic = of('audioinput').at(-1)?.deviceId;
  expect(await a.fn('CRVideo_SetDevice', 'audioinput', mic)).toBe(0);
  expect(await a.fn('CRVideo_SetDevice', 'videoinput', of('videoinput')[0]?.deviceId)).toBe(0);
  await expectAudioFlowing(b, a.UID);
  await expectVideoFlowing(b, a.UID);
  // Same transports and producers: the tracks were replaced, nothing renegotiated, no status flicker.
  const after = (await ms.plane.stats()).rooms.find((r) => r.meetID === meet.ID);
  expect(after).toEqual(before);
  expect((await a.events('CRVideo_AudioStatusChanged')).length).toBe(statusEvents);

  const speaker = of('audiooutput').at(-1)?.deviceId;
  expect(await a.fn('CRVideo_SetDevice', 'audiooutput', speaker)).toBe(0);
  const sinks = await a.page.evaluate(() =>
    [...document.querySelectorAll('audio')].map((el) => (el as HTMLAudioElement & { sinkId: string }).sinkId),
  );
  expect(sinks).toEqual([speaker]);

  expect(await a.fn('CRVideo_SetDevice', 'videoinput', 'no-such-camera')).toBe(5);
  expect(await a.fn('CRVideo_SetDevice', 'printer', '')).toBe(5);
  await expectVideoFlowing(b, a.UID);
});

test('denied mic and camera: status 1 and codes 808 / 8002, the member still sees and hears the others', async ({
  browser,
}) => {
  const use = test.info().project.use;
  const args = (use.launchOptions?.args ?? []).map((f) =>
    f === '--use-fake-ui-for-media-stream' ? '--use-fake-ui-for-media-stream=deny' : f,
  );
  const denying = await chromium.launch({ ...use.launchOptions, args });
  try {
    const a = await user(browser, 'A');
    const d = await User.open(denying, ms, `D-${++seq}`);
    users.push(d);
    await d.login();
    const { meet } = await callIntoRoom(a, d);
    await d.waitFor('CRVideo_AudioStatusChanged', [d.UID, 4, 1]);
    await d.waitFor('CRVideo_VideoStatusChanged', [d.UID, 4, 1]);
    await d.waitFor('CRVideo_NotifyDeviceError', [808, 'mic']);
    await d.waitFor('CRVideo_NotifyDeviceError', [8002, 'camera']);
    await until('A sees D without devices', async () => {
      const ev = await a.events();
      const last = (name: string) => ev.filter((e) => e.name === name && e.args[0] === d.UID).at(-1)?.args[2];
      return last('CRVideo_AudioStatusChanged') === 1 && last('CRVideo_VideoStatusChanged') === 1;
    });
    await expectVideoFlowing(d, a.UID);
    await expectAudioFlowing(d, a.UID);
    const room = (await ms.plane.stats()).rooms.find((r) => r.meetID === meet.ID);
    expect(room).toMatchObject({ members: 2, producers: 2, consumers: 2 });
  } finally {
    for (const u of users.splice(0)) await u.close();
    await denying.close();
  }
});

test('network: a short signaling drop and an ICE restart do not end the call or the media', async ({ browser }) => {
  const { a, b, callID } = await inCall(browser);
  const sinceA = await a.eventCount();
  const sinceB = await b.eventCount();
  await a.page.evaluate(() =>
    (
      window as unknown as { CRVideoSDK: { client: { $core: { simulateNetworkDrop(ms: number): void } } } }
    ).CRVideoSDK.client.$core.simulateNetworkDrop(1500),
  );
  await a.waitFor('CRVideo_NotifyReconnecting', [true], sinceA);
  await expectVideoFlowing(a, b.UID);
  await a.waitFor('CRVideo_NotifyReconnecting', [false], sinceA);
  expect(await a.fn('CRVideo_RestartIce')).toBe(2);
  await expectVideoFlowing(a, b.UID);
  await expectVideoFlowing(b, a.UID);
  await expectAudioFlowing(b, a.UID);
  const ended = [...(await a.events()).slice(sinceA), ...(await b.events()).slice(sinceB)].filter((e) =>
    ['CRVideo_MeetingDropped', 'CRVideo_NotifyCallHungup', 'CRVideo_LineOff'].includes(e.name),
  );
  expect(ended).toEqual([]);
  await a.fn('CRVideo_HungupCall', callID, '', 'bye');
  await a.fn('CRVideo_ExitMeeting');
  await b.fn('CRVideo_ExitMeeting');
});
