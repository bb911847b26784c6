import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MeetObj, SdkErr } from '../../protocol/index.js';
import { Channels } from '../../sdk/bridge/channels.js';
import type { MediaContext, MediaEngine, MediaEngineFactory } from '../../sdk/media/MediaEngine.js';
import { login, next, startTestServer, type TestServer } from '../../server/testing/fixtures.js';
import { PAGE_SENDER } from '../testing/fakes.js';
import { desktopSuite, startDesktop, until } from '../testing/harness.js';

describe('the page bridge', () => {
  const s = desktopSuite();

  test('CRVideo_Call returns its callID at once; the callee rings under that id; cookies come back as they were', async () => {
    const d = await s.start();
    await d.signIn('alice');
    const bob = await login(s.server, 'bob');
    const roomCookie = { step: 'room' };
    const made = d.pageNext('CRVideo_CreateMeetingSuccess');
    d.api.CRVideo_CreateMeeting('Lunch', roomCookie);
    const [meet, gotRoomCookie] = (await made) as [MeetObj, unknown];
    assert.equal(gotRoomCookie, roomCookie, 'the very same cookie object');
    assert.equal(meet.subject, 'Lunch');

    const fnCookie = () => 'cookies may be anything, even functions';
    const ringing = next(bob, 'CRVideo_NotifyCallIn');
    const success = d.pageNext('CRVideo_CallSuccess');
    const callID = d.api.CRVideo_Call('bob', meet, 'hello', fnCookie);
    assert.equal(typeof callID, 'string', 'returned synchronously');
    const [inID, inMeet, callerID, note] = await ringing;
    assert.equal(inID, callID);
    assert.equal(inMeet.ID, meet.ID);
    assert.equal(callerID, 'alice');
    assert.equal(note, 'hello');
    const [okID, okCookie] = await success;
    assert.equal(okID, callID);
    assert.equal(okCookie, fnCookie);

    const accepted = d.pageNext('CRVideo_NotifyCallAccepted');
    bob.CRVideo_AcceptCall(callID, meet, 'sure', 'b');
    const [accID, accMeet, accExt] = await accepted;
    assert.equal(accID, callID);
    assert.equal((accMeet as MeetObj).ID, meet.ID);
    assert.equal(accExt, 'sure');
  });

  test('failures reach the app through the Fail callbacks with their codes', async () => {
    const d = await s.start();
    const notLoggedIn = d.pageNext('CRVideo_CreateMeetingFail');
    d.api.CRVideo_CreateMeeting('x', 'c1');
    assert.deepEqual(await notLoggedIn, [SdkErr.NOT_LOGIN, 'c1'], 'the core said 12');

    await d.signIn('alice');
    // Something that cannot cross IPC: bad parameters, reported like the core reports them.
    const bad = d.pageNext('CRVideo_CallFail');
    const callID = d.api.CRVideo_Call('bob', { ID: 1, el: () => 1 } as unknown as MeetObj, '', 'c2');
    assert.deepEqual(await bad, [callID, SdkErr.MEETPARAM_ERR, 'c2']);

    const offline = d.pageNext('CRVideo_CallFail');
    const made = d.pageNext('CRVideo_CreateMeetingSuccess');
    d.api.CRVideo_CreateMeeting('x', 'c3');
    const [meet] = await made;
    const id2 = d.api.CRVideo_Call('nobody-here', meet as MeetObj, '', 'c4');
    const [failID, code, cookie] = await offline;
    assert.equal(failID, id2);
    assert.ok(code === SdkErr.ERR_USER_NOT_FOUND || code === SdkErr.ERR_OFFLINE, `code ${code}`);
    assert.equal(cookie, 'c4');
  });

  test('main drops IPC from other pages and malformed payloads with a clear code', async () => {
    const d = await s.start();
    const stranger = { webContentsId: 99, frameUrl: 'https://evil.example/', isMainFrame: true };
    const req = { fn: 'CRVideo_Login', args: ['test-app', 'x', 'n', 'mallory', '', null] };
    assert.deepEqual(await d.ipc.invoke(Channels.invoke, req, stranger), { sdkErr: SdkErr.INNER_ERR });
    const sameWindowOtherOrigin = { ...PAGE_SENDER, frameUrl: 'https://evil.example/frame' };
    assert.deepEqual(await d.ipc.invoke(Channels.invoke, req, sameWindowOtherOrigin), { sdkErr: SdkErr.INNER_ERR });
    assert.equal(d.desktop.host.loggedIn, false);

    const bad = [
      { fn: 'CRVideo_Nope', args: [] },
      { fn: 'CRVideo_Logout', args: 'not an array' },
      { fn: 'CRVideo_SetDNDStatus', args: [1, 'not a cookie ref'] },
      { fn: 'CRVideo_HungupCall', args: ['x'.repeat(70_000), '', null] },
      'garbage',
    ];
    for (const payload of bad) {
      assert.deepEqual(await d.ipc.invoke(Channels.invoke, payload), { sdkErr: SdkErr.MEETPARAM_ERR });
    }
    assert.deepEqual(await d.ipc.invoke(Channels.mediaRequest, { type: 'login', payload: {} }), {
      err: SdkErr.MEETPARAM_ERR,
    });
    // …and the bridge still works.
    await d.signIn('alice');
    assert.equal(d.desktop.host.UID, 'alice');
  });

  test('a page that reloads joins the live session: hello carries it, main stays signed in', async () => {
    const d = await s.start();
    const hello = (await d.ipc.invoke(Channels.hello, undefined)) as { session?: unknown };
    assert.equal(hello.session, undefined, 'no session before sign-in');
    await d.signIn('alice');
    await until('online', () => d?.tray.presence === 'online');
    const again = (await d.ipc.invoke(Channels.hello, undefined)) as { session?: unknown };
    assert.deepEqual(again.session, { UID: 'alice', dnd: false });
    assert.equal(d.desktop.host.UID, 'alice', 'no sign-out (Ctrl+R mid-call would have dropped the call)');
    assert.equal(d.tray.presence, 'online');
  });

  test("the page's own origin (or nothing) is not taken as a server address", async () => {
    const d = await s.start();
    d.api.CRVideo_SetServerAddr('app://crvideo');
    d.api.CRVideo_SetServerAddr('');
    d.api.CRVideo_Init({ serverAddr: '' });
    await d.signIn('alice');
    assert.equal(d.desktop.host.UID, 'alice', 'still signs in to the configured server');
  });
});

/** A stand-in for the page's mediasoup engine: records what main asks of it and asks the server for caps. */
function recordingEngine(log: string[], caps: unknown[]): MediaEngineFactory {
  return (ctx: MediaContext): MediaEngine => ({
    async enter(meetID, members) {
      log.push(`enter ${meetID} [${members.join(',')}] as ${ctx.myUID()}`);
      const r = await ctx.request('media.getRouterRtpCapabilities', {});
      caps.push(r.rtpCapabilities);
      ctx.emit('CRVideo_AudioStatusChanged', ctx.myUID(), 0, 2);
    },
    exit: () => log.push('exit'),
    onNotification: (name) => log.push(`ntf ${name}`),
    onResumed: () => log.push('resumed'),
    openMic: () => log.push('openMic'),
    closeMic: () => log.push('closeMic'),
    openVideo: () => log.push('openVideo'),
    closeVideo: () => log.push('closeVideo'),
    getDevices: async () => [{ deviceId: 'm1', label: 'Mic', kind: 'audioinput' }],
    setDevice: async () => 0,
    close: () => log.push('close'),
  });
}

describe('room media through the bridge', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ media: { numWorkers: 1 } });
  });
  after(() => server.dispose());

  test("the page's engine is driven by the core in main and signals through main's line", async () => {
    const log: string[] = [];
    const caps: unknown[] = [];
    const d = await startDesktop(server, { mediaEngine: recordingEngine(log, caps) });
    try {
      await d.signIn('alice');
      const made = d.pageNext('CRVideo_CreateMeetingSuccess');
      d.api.CRVideo_CreateMeeting('Room', 'r');
      const [meet] = (await made) as [MeetObj];
      const entered = d.pageNext('CRVideo_EnterMeetingRslt');
      const status = d.pageNext('CRVideo_AudioStatusChanged');
      d.api.CRVideo_EnterMeeting3(meet.ID, 'e');
      assert.deepEqual(await entered, [0, 'e']);
      assert.deepEqual(await status, ['alice', 0, 2], "the engine's callbacks reach the page's holders");
      assert.equal(log[0], `enter ${meet.ID} [] as alice`, 'members already in the room (none yet), and who we are');
      const codecs = (caps[0] as { codecs?: unknown[] }).codecs;
      assert.ok(Array.isArray(codecs) && codecs.length > 0, "the router's capabilities came from the server");

      d.api.CRVideo_OpenMic('alice');
      d.api.CRVideo_OpenVideo('alice');
      await until('mic and camera opened', () => log.includes('openMic') && log.includes('openVideo'));
      assert.deepEqual(await d.api.CRVideo_GetDevices(), [{ deviceId: 'm1', label: 'Mic', kind: 'audioinput' }]);

      d.api.CRVideo_ExitMeeting();
      await until('media left the room', () => log.includes('exit'));
    } finally {
      await d.close();
    }
  });
});
