import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { md5Hex } from '../sdk/index.js';
import {
  closeClients,
  login,
  newClient,
  next,
  sleep,
  startTestServer,
  TEST_APP,
  type TestServer,
} from './testing/fixtures.js';

const OTHER_APP = { appID: 'other-app', appSecret: 'other-secret' };

function token(
  app: { appID: string; appSecret: string },
  UID: string,
  expInS: number,
  extra: Record<string, unknown> = {},
) {
  return new SignJWT({ appID: app.appID, UID, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expInS)
    .sign(new TextEncoder().encode(app.appSecret));
}

describe('login, tokens, kick, app isolation', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ apps: [TEST_APP, OTHER_APP], tokenWarnMs: 1500 });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('login with the MD5 of the secret; the cookie comes back', async () => {
    const c = newClient(server);
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret).toUpperCase(), 'Alice', 'alice', '', { n: 1 });
    assert.deepEqual(await ok, ['alice', { n: 1 }]);
  });

  test('wrong secret or unknown app: 7; empty UID: 5; a second login on the same client: 9', async () => {
    const c = newClient(server);
    const f1 = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login(TEST_APP.appID, md5Hex('wrong'), 'A', 'alice', '', 'c1');
    assert.deepEqual(await f1, [7, 'c1']);
    const f2 = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login('no-such-app', md5Hex(TEST_APP.appSecret), 'A', 'alice', '', 'c2');
    assert.deepEqual(await f2, [7, 'c2']);
    const f3 = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'A', '', '', 'c3');
    assert.deepEqual(await f3, [5, 'c3']);
    const a = await login(server, 'alice');
    const f4 = next(a, 'CRVideo_LoginFail');
    a.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'A', 'alice', '', 'c4');
    assert.deepEqual(await f4, [9, 'c4']);
  });

  test('an unreachable server gives LoginFail 204', async () => {
    const c = newClient({ url: 'http://127.0.0.1:1' });
    const f = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'A', 'alice', '', 'x');
    assert.deepEqual(await f, [204, 'x']);
  });

  test('a second login of the same UID kicks the first with LineOff(10)', async () => {
    const first = await login(server, 'alice');
    const kicked = next(first, 'CRVideo_LineOff');
    await login(server, 'alice');
    assert.deepEqual(await kicked, [10]);
    const f = next(first, 'CRVideo_CreateMeetingFail');
    first.CRVideo_CreateMeeting('after kick', 'k');
    assert.deepEqual(await f, [12, 'k'], 'the kicked client is logged out');
  });

  test('token login; invalid token 21; expired token 18; token for another UID 21', async () => {
    const c = newClient(server);
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_LoginByToken(await token(TEST_APP, 'tina', 600), 'Tina', 'tina', '', 't');
    assert.deepEqual(await ok, ['tina', 't']);

    const bad = newClient(server);
    const f1 = next(bad, 'CRVideo_LoginFail');
    bad.CRVideo_LoginByToken(
      await token({ appID: TEST_APP.appID, appSecret: 'forged' }, 'tom', 600),
      'Tom',
      'tom',
      '',
      1,
    );
    assert.deepEqual(await f1, [21, 1]);
    const f2 = next(bad, 'CRVideo_LoginFail');
    bad.CRVideo_LoginByToken(await token(TEST_APP, 'tom', -10), 'Tom', 'tom', '', 2);
    assert.deepEqual(await f2, [18, 2]);
    const f3 = next(bad, 'CRVideo_LoginFail');
    bad.CRVideo_LoginByToken(await token(TEST_APP, 'someone-else', 600), 'Tom', 'tom', '', 3);
    assert.deepEqual(await f3, [21, 3]);
    const f4 = next(bad, 'CRVideo_LoginFail');
    bad.CRVideo_LoginByToken('not.a.jwt', 'Tom', 'tom', '', 4);
    assert.deepEqual(await f4, [21, 4]);
  });

  test('NotifyTokenWillExpire before expiry; UpdateToken extends the session', async () => {
    const c = newClient(server);
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_LoginByToken(await token(TEST_APP, 'tina', 4), 'Tina', 'tina');
    await ok;
    await next(c, 'CRVideo_NotifyTokenWillExpire', 5000);
    const lineOffs: number[] = [];
    c.$core.onEmit((n, args) => {
      if (n === 'CRVideo_LineOff') lineOffs.push(args[0] as number);
    });
    c.CRVideo_UpdateToken(await token(TEST_APP, 'tina', 600));
    await sleep(2500);
    assert.deepEqual(lineOffs, [], 'the renewed session outlived the first token');
    const still = next(c, 'CRVideo_CreateMeetingSuccess');
    c.CRVideo_CreateMeeting('still here');
    await still;
  });

  test('a token that expires drops the line with LineOff(18)', async () => {
    const c = newClient(server);
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_LoginByToken(await token(TEST_APP, 'tina', 2), 'Tina', 'tina');
    await ok;
    assert.deepEqual(await next(c, 'CRVideo_LineOff', 4000), [18]);
  });

  test("apps never see each other's users", async () => {
    const a = await login(server, 'alice');
    const x = await login(server, 'xavier', OTHER_APP);
    await login(server, 'bob', OTHER_APP);
    const list = next(a, 'CRVideo_GetUserStatusSuccess');
    a.CRVideo_GetUserStatus();
    const uids = (await list)[0].map((s) => s.userID);
    assert.ok(uids.includes('alice'));
    assert.ok(!uids.includes('xavier'), 'a user of another app is not listed');
    const one = next(a, 'CRVideo_GetUserStatusFail');
    a.CRVideo_GetOneUserStatus('xavier', 'q');
    assert.deepEqual(await one, [605, 'q']);
    const created = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting('mine');
    const [meet] = await created;
    const fail = next(a, 'CRVideo_CallFail');
    a.CRVideo_Call('xavier', meet);
    assert.equal((await fail)[1], 605, "another app's user cannot be called");
    const enter = next(x, 'CRVideo_EnterMeetingRslt');
    x.CRVideo_EnterMeeting3(meet.ID, 'e');
    assert.deepEqual(await enter, [800, 'e'], "another app's room does not exist for it");
  });
});

describe('dev app', () => {
  test('with no app configured the first start creates a dev app, stores it and keeps it', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-devapp-'));
    try {
      const first = await startTestServer({ dataDir, apps: [] });
      const dev = first.devApp;
      assert.ok(dev, 'a dev app was created');
      assert.equal(dev.appID, 'crvideo-dev');
      assert.ok(dev.appSecret.length >= 16);
      await first.close();
      const second = await startTestServer({ dataDir, apps: [] });
      assert.equal(second.devApp, null, 'not created twice');
      assert.deepEqual(second.apps, [dev]);
      const c = await login(second, 'alice', dev);
      c.CRVideo_Logout();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
