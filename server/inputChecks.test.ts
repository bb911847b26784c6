// What comes in is checked: who may open the WebSocket (Origin / Host), token logins that do not
// reveal which apps exist, UIDs and nicknames, reused request ids, token expiry far ahead, and media
// parameters. Real server, real sockets.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import { SignJWT } from 'jose';
import { requests, SdkErr } from '../protocol/index.js';
import { MAX_TIMER_MS, setTimeoutAt } from './longTimeout.js';
import {
  closeClients,
  newClient,
  next,
  sleep,
  startTestServer,
  TEST_APP,
  type TestServer,
} from './testing/fixtures.js';
import { legitimateCall, rawClient, rawLogin } from './testing/hostile.js';
import { DESKTOP_ORIGIN } from './UpgradeGuard.js';

function token(appID: string, secret: string, UID: string, expInS: number): Promise<string> {
  return new SignJWT({ appID, UID })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expInS)
    .sign(new TextEncoder().encode(secret));
}

async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  try {
    const c = await rawClient(url, { headers });
    c.ws.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

describe('who may open the signaling WebSocket', () => {
  let server: TestServer;
  let partner: TestServer;
  before(async () => {
    server = await startTestServer();
    partner = await startTestServer({
      allowedOrigins: ['https://partner.example'],
      allowedHosts: ['phone.example'],
    });
  });
  after(async () => {
    await server.dispose();
    await partner.dispose();
  });
  afterEach(closeClients);

  test('no Origin (Node SDK, desktop main), the same origin and the desktop app are let in by default', async () => {
    assert.equal(await upgradeStatus(server.url, {}), 101);
    assert.equal(await upgradeStatus(server.url, { Origin: server.url }), 101);
    assert.equal(await upgradeStatus(server.url, { Origin: DESKTOP_ORIGIN }), 101);
    assert.ok((await legitimateCall(server)) > 0, 'the SDK (no Origin) logs in and calls');
  });

  test('a page on another origin is refused with 403; so is a rebound DNS name as Host', async () => {
    const port = new URL(server.url).port;
    assert.equal(await upgradeStatus(server.url, { Origin: 'http://evil.example' }), 403);
    assert.equal(await upgradeStatus(server.url, { Origin: 'null' }), 403);
    // DNS rebinding: evil.example now resolves to this server, so the page is "same-origin" with it.
    assert.equal(
      await upgradeStatus(server.url, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` }),
      403,
    );
    assert.equal(
      await upgradeStatus(server.url, { Origin: `http://localhost:${port}`, Host: `localhost:${port}` }),
      101,
    );
  });

  test('configured origins and host names are let in', async () => {
    const port = new URL(partner.url).port;
    assert.equal(await upgradeStatus(partner.url, { Origin: 'https://partner.example' }), 101);
    assert.equal(await upgradeStatus(partner.url, { Origin: 'https://other.example' }), 403);
    assert.equal(
      await upgradeStatus(partner.url, { Origin: `http://phone.example:${port}`, Host: `phone.example:${port}` }),
      101,
    );
  });
});

describe('what a client sends is checked', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ apps: [TEST_APP, { appID: 'second-app', appSecret: 'second-secret' }] });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a payload whose shape makes the schema check itself throw is answered 5, not left unanswered', async () => {
    // Found by the fuzzer: an array holding an object whose toString is null, where a string is expected.
    const c = await rawLogin(server.url, 'shapes');
    const hostile = { consumerId: { length: [{ toString: null }] } };
    let id = 10;
    for (const type of ['media.resumeConsumer', 'media.pauseConsumer', 'media.setTileSize']) {
      const r = await c.request(++id, type, hostile);
      assert.equal(r.err, SdkErr.MEETPARAM_ERR, `${type} answered ${r.err}`);
    }
    await legitimateCall(server);
  });

  test('loginByToken gives one answer whether or not the appID exists', async () => {
    const c = await rawClient(server.url);
    const ask = async (id: number, tok: string) =>
      c.request(id, 'loginByToken', { token: tok, UID: 'probe', nickname: '', userAuthCode: '' });
    const unknownApp = await ask(1, await token('no-such-app', 'guess', 'probe', 600));
    const knownAppBadSig = await ask(2, await token(TEST_APP.appID, 'guess', 'probe', 600));
    const knownAppExpiredBadSig = await ask(3, await token('second-app', 'guess', 'probe', -600));
    assert.equal(unknownApp.err, SdkErr.TOKEN_AUTH_FAILED);
    assert.deepEqual([knownAppBadSig.err, knownAppBadSig.msg], [unknownApp.err, unknownApp.msg]);
    assert.deepEqual([knownAppExpiredBadSig.err, knownAppExpiredBadSig.msg], [unknownApp.err, unknownApp.msg]);
    const garbage = await ask(4, 'not.a.jwt');
    assert.deepEqual([garbage.err, garbage.msg], [unknownApp.err, unknownApp.msg]);
    c.ws.close();
  });

  test('UIDs and nicknames with control characters or lone surrogates are refused with 5', async () => {
    const c = await rawClient(server.url);
    const bad = ['a\u0000b', 'line\nbreak', 'esc\u001b[31m', 'c1\u0085', 'lone\ud800', 'lone\udfffx'];
    let id = 0;
    for (const UID of bad) {
      const r = await c.request(++id, 'login', {
        appID: TEST_APP.appID,
        md5AppSecret: 'x'.repeat(32),
        UID,
        nickname: 'n',
        userAuthCode: '',
      });
      assert.equal(r.err, SdkErr.MEETPARAM_ERR, JSON.stringify(UID));
      assert.match(r.msg ?? '', /control characters or lone surrogates/);
    }
    const nick = await c.request(++id, 'login', {
      appID: TEST_APP.appID,
      md5AppSecret: 'x'.repeat(32),
      UID: 'fine',
      nickname: 'bell\u0007',
      userAuthCode: '',
    });
    assert.equal(nick.err, SdkErr.MEETPARAM_ERR);
    c.ws.close();
    // Through the SDK the app hears LoginFail(5).
    const sdk = newClient(server);
    const fail = next(sdk, 'CRVideo_LoginFail');
    sdk.CRVideo_Login(TEST_APP.appID, 'x'.repeat(32), 'n', 'tab\there', '', 'ck');
    assert.equal((await fail)[0], SdkErr.MEETPARAM_ERR);
  });

  test('UIDs are NFC-normalised: the two spellings of "José" are one user', async () => {
    const nfd = 'Jose\u0301';
    const nfc = 'Jos\u00e9';
    const jose = await rawLogin(server.url, nfd);
    const other = await rawLogin(server.url, 'asker');
    const one = await other.request(2, 'getUserStatus', { UID: nfc });
    assert.equal(one.err, 0, one.msg);
    assert.equal((one.data as { statuses: { userID: string }[] }).statuses[0]?.userID, nfc);
    const meet = await other.request(3, 'createMeeting', { subject: 'nfc' });
    const meetID = (meet.data as { meetObj: { ID: number } }).meetObj.ID;
    const rang = await other.request(4, 'call', { callID: 'nfc-call', calledUID: nfc, meetID, usrExtDat: '' });
    assert.equal(rang.err, 0, rang.msg);
    await sleep(50);
    assert.ok(
      jose.frames.some((f) => f.t === 'ntf' && f.name === 'callIn'),
      'the NFD-spelled login rings',
    );
    jose.ws.close();
    other.ws.close();
  });

  test('a reused request id with a different request is an error, not the earlier answer; a true retry is', async () => {
    const c = await rawLogin(server.url, 'reuser');
    const first = await c.request(7, 'createMeeting', { subject: 'first' });
    assert.equal(first.err, 0);
    const retry = await c.request(7, 'createMeeting', { subject: 'first' });
    assert.deepEqual(retry, first, 'the same request again gets the same answer (not a second room)');
    const reused = await c.request(7, 'getUserStatus', {});
    assert.equal(reused.err, SdkErr.MEETPARAM_ERR);
    assert.match(reused.msg ?? '', /already used for another request/);
    assert.equal(reused.data, undefined);
    const after = await c.request(8, 'ping');
    assert.equal(after.err, 0);
    c.ws.close();
  });

  test('a token that expires 30 days (or years) ahead keeps the user logged in', async () => {
    for (const days of [30, 365 * 5]) {
      const c = await rawClient(server.url);
      const tok = await token(TEST_APP.appID, TEST_APP.appSecret, `long-${days}`, days * 86_400);
      const r = await c.request(1, 'loginByToken', { token: tok, UID: `long-${days}`, nickname: '', userAuthCode: '' });
      assert.equal(r.err, 0, r.msg);
      await sleep(300);
      assert.equal((await c.request(2, 'ping')).err, 0, 'still logged in');
      assert.ok(
        !c.frames.some((f) => f.name === 'lineOff' || f.name === 'tokenWillExpire'),
        `no early expiry (${days} days)`,
      );
      c.ws.close();
    }
  });

  test('media parameters outside RTP and the worker types are refused with 5 before any room logic', async () => {
    const c = await rawLogin(server.url, 'rtp-prober');
    const rtp = (codec: object, encoding: object = {}) => ({
      transportId: 't',
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, ...codec }],
        encodings: [{ ssrc: 1111, ...encoding }],
      },
    });
    const cases: [string, object][] = [
      ['payload type -1', rtp({ payloadType: -1 })],
      ['payload type 128', rtp({ payloadType: 128 })],
      ['ssrc 2^53', rtp({}, { ssrc: 2 ** 53 })],
      ['ssrc 2^32', rtp({}, { ssrc: 2 ** 32 })],
      ['rtx ssrc negative', rtp({}, { rtx: { ssrc: -5 } })],
      ['clock rate 0', rtp({ clockRate: 0 })],
      ['channels 300', rtp({ channels: 300 })],
    ];
    let id = 10;
    for (const [what, payload] of cases) {
      const r = await c.request(++id, 'media.produce', payload);
      assert.equal(r.err, SdkErr.MEETPARAM_ERR, what);
    }
    const caps = await c.request(++id, 'media.ready', {
      rtpCapabilities: {
        codecs: [{ kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: -1, clockRate: 48000 }],
      },
    });
    assert.equal(caps.err, SdkErr.MEETPARAM_ERR);
    // Well-formed parameters pass the checks and meet the room rules (this server has no media plane: 8).
    const fine = await c.request(++id, 'media.produce', rtp({}));
    assert.notEqual(fine.err, SdkErr.MEETPARAM_ERR);
    c.ws.close();
    // Schema level, as both sides use it.
    assert.equal(requests['media.produce'].safeParse(rtp({ payloadType: -1 })).success, false);
    assert.equal(requests['media.produce'].safeParse(rtp({})).success, true);
  });
});

describe('setTimeoutAt (timers past the 2^31-1 ms limit)', () => {
  test('fires once, at the due time, however far ahead', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      let fired = 0;
      const due = 3 * MAX_TIMER_MS + 5;
      setTimeoutAt(
        () => fired++,
        due,
        () => clock,
      );
      const tick = (ms: number) => {
        clock += ms;
        mock.timers.tick(ms);
      };
      tick(MAX_TIMER_MS);
      tick(MAX_TIMER_MS);
      tick(MAX_TIMER_MS);
      assert.equal(fired, 0, 'not before the due time');
      tick(5);
      assert.equal(fired, 1);
      tick(MAX_TIMER_MS);
      assert.equal(fired, 1, 'once');
      const t = setTimeoutAt(
        () => fired++,
        clock + 2 * MAX_TIMER_MS,
        () => clock,
      );
      tick(MAX_TIMER_MS);
      t.cancel();
      tick(2 * MAX_TIMER_MS);
      assert.equal(fired, 1, 'a cancelled timer never fires');
    } finally {
      mock.timers.reset();
    }
  });
});
