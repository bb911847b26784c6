// Per-user authentication with built-in accounts (the default): real server, real SQLite, real sockets.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { type CRVideoClient, md5Hex, SdkErr, type UserTokenResult } from '../../sdk/index.js';
import {
  closeClients,
  collect,
  newClient,
  next,
  sleep,
  startTestServer,
  TEST_APP,
  type TestServer,
} from '../testing/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** CRVideo_Login with the app secret and `userAuthCode`: resolves to 0 or the LoginFail code. */
async function loginWith(
  server: TestServer,
  UID: string,
  userAuthCode: string,
): Promise<{ c: CRVideoClient; err: number }> {
  const c = newClient(server);
  const ok = next(c, 'CRVideo_LoginSuccess').then(() => 0);
  const fail = next(c, 'CRVideo_LoginFail').then(([code]) => code);
  c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), UID, UID, userAuthCode);
  return { c, err: await Promise.race([ok, fail]) };
}

async function getToken(
  c: CRVideoClient,
  UID: string,
  secret: string | { refreshToken: string },
): Promise<{ err: number; result: UserTokenResult | null }> {
  const rslt = next(c, 'CRVideo_GetUserTokenRslt');
  c.CRVideo_GetUserToken(UID, secret, null, 'tok');
  const [err, result, cookie] = await rslt;
  assert.equal(cookie, 'tok');
  return { err, result };
}

async function loginByToken(c: CRVideoClient, UID: string, token: string): Promise<number> {
  const ok = next(c, 'CRVideo_LoginSuccess').then(() => 0);
  const fail = next(c, 'CRVideo_LoginFail').then(([code]) => code);
  c.CRVideo_LoginByToken(token, UID, UID, '');
  return Promise.race([ok, fail]);
}

describe('userAuth: accounts (the default)', () => {
  let server: TestServer;
  before(async () => {
    // startTestServer passes userAuth 'none' for the older suites; this one wants the real default.
    server = await startTestServer({ userAuth: undefined, tokenWarnMs: 1000, userTokenTtlMs: 2500 });
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'alice', password: 'alice-password-1', nickname: 'Alice' });
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'bob', password: 'bob-password-1' });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('startServer defaults to accounts', () => {
    assert.equal(server.userAuth, 'accounts');
  });

  test("the right password signs in; a wrong one gets 17, none 14 (CloudRoom's third-party auth codes)", async () => {
    assert.equal((await loginWith(server, 'alice', 'alice-password-1')).err, 0);
    closeClients();
    assert.equal((await loginWith(server, 'alice', 'wrong-password')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'nobody', 'whatever-123')).err, SdkErr.CUSTOMAUTH_FAILED);
  });

  test('knowing the app secret is not enough to act as another user', async () => {
    const real = await loginWith(server, 'bob', 'bob-password-1');
    assert.equal(real.err, 0);
    const kicked = next(real.c, 'CRVideo_LineOff', 1500).then(
      () => true,
      () => false,
    );
    // The attacker has the app secret but not bob's password.
    assert.equal((await loginWith(server, 'bob', '')).err, SdkErr.CUSTOMAUTH_NOINFO);
    // A token the attacker signs with the app secret is refused too.
    const forged = await new SignJWT({ appID: TEST_APP.appID, UID: 'bob' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(TEST_APP.appSecret));
    assert.equal(await loginByToken(newClient(server), 'bob', forged), SdkErr.TOKEN_AUTH_FAILED);
    // Nor can a token issued to alice be used as bob.
    const a = newClient(server);
    const { result } = await getToken(a, 'alice', 'alice-password-1');
    assert.ok(result);
    assert.equal(await loginByToken(newClient(server), 'bob', result.token), SdkErr.TOKEN_AUTH_FAILED);
    assert.equal(await kicked, false, 'the real bob stays signed in');
  });

  test('a password buys a short-lived token; LoginByToken; renewal by refresh credential on NotifyTokenWillExpire', async () => {
    const c = newClient(server);
    const { err, result } = await getToken(c, 'alice', 'alice-password-1');
    assert.equal(err, 0);
    assert.ok(result && result.tokenExp > Date.now() && result.tokenExp < Date.now() + 3000);
    assert.ok(!JSON.stringify(result).includes('alice-password-1'));
    assert.equal(await loginByToken(c, 'alice', result.token), 0);
    const lineOff: number[] = [];
    c.CRVideo_LineOff.callback = (code) => lineOff.push(code);
    // The app renews with the refresh credential (no password) when warned.
    await next(c, 'CRVideo_NotifyTokenWillExpire', 4000);
    // Renew late, so the new token surely outlives the first one (JWT expiries are whole seconds).
    await new Promise((r) => setTimeout(r, Math.max(0, result.tokenExp - 400 - Date.now())));
    const renewed = await getToken(c, 'alice', { refreshToken: result.refreshToken });
    assert.equal(renewed.err, 0);
    assert.ok(renewed.result && renewed.result.tokenExp > result.tokenExp - 1000);
    c.CRVideo_UpdateToken(renewed.result.token);
    await new Promise((r) => setTimeout(r, result.tokenExp + 700 - Date.now()));
    assert.deepEqual(lineOff, [], 'the session outlived the first token');
    assert.equal(c.$core.lineState, 'open');
    // A wrong refresh credential gets 17.
    assert.equal(
      (await getToken(newClient(server), 'alice', { refreshToken: 'x'.repeat(43) })).err,
      SdkErr.CUSTOMAUTH_FAILED,
    );
  });

  test('a user changes their own password: the old one stops working', async () => {
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'carol', password: 'carol-old-pass' });
    const { c, err } = await loginWith(server, 'carol', 'carol-old-pass');
    assert.equal(err, 0);
    const wrong = next(c, 'CRVideo_ChangePasswordRslt');
    c.CRVideo_ChangePassword('not-my-password', 'carol-new-pass', 'cp1');
    assert.deepEqual(await wrong, [SdkErr.CUSTOMAUTH_FAILED, 'cp1']);
    const short = next(c, 'CRVideo_ChangePasswordRslt');
    c.CRVideo_ChangePassword('carol-old-pass', 'short', 'cp2');
    assert.deepEqual(await short, [SdkErr.MEETPARAM_ERR, 'cp2']);
    const ok = next(c, 'CRVideo_ChangePasswordRslt');
    c.CRVideo_ChangePassword('carol-old-pass', 'carol-new-pass', 'cp3');
    assert.deepEqual(await ok, [0, 'cp3']);
    closeClients();
    assert.equal((await loginWith(server, 'carol', 'carol-old-pass')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'carol', 'carol-new-pass')).err, 0);
  });

  test('disabling a user ends their session (LineOff 17), refuses sign-in and revokes saved sign-ins', async () => {
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'dave', password: 'dave-password' });
    const c = newClient(server);
    const { result } = await getToken(c, 'dave', 'dave-password');
    assert.ok(result);
    assert.equal(await loginByToken(c, 'dave', result.token), 0);
    const off = next(c, 'CRVideo_LineOff');
    await server.accounts.disable(TEST_APP.appID, 'dave');
    assert.deepEqual(await off, [SdkErr.CUSTOMAUTH_FAILED]);
    assert.equal((await loginWith(server, 'dave', 'dave-password')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal(await loginByToken(newClient(server), 'dave', result.token), SdkErr.CUSTOMAUTH_FAILED);
    assert.equal(
      (await getToken(newClient(server), 'dave', { refreshToken: result.refreshToken })).err,
      SdkErr.CUSTOMAUTH_FAILED,
    );
    // Adding the user again re-enables them.
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'dave', password: 'dave-password-2' });
    assert.equal((await loginWith(server, 'dave', 'dave-password-2')).err, 0);
  });

  test('the admin CLI adds, lists and disables users in the same store; a running server ends the session', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'server/usersCli.ts'), '--data', server.dataDir, ...args],
        {
          cwd: ROOT,
        },
      );
    const added = await run('add', TEST_APP.appID, 'erin', '--nickname', 'Erin');
    const password = /password: (\S+)/.exec(added.stdout)?.[1];
    assert.ok(password, added.stdout);
    const { c, err } = await loginWith(server, 'erin', password);
    assert.equal(err, 0);
    assert.match((await run('list', TEST_APP.appID)).stdout, /test-app\terin\tErin\tactive/);
    const lineOff = collect(c, 'CRVideo_LineOff');
    await run('disable', TEST_APP.appID, 'erin');
    // The server notices the CLI's change on its next poll (every 2 s).
    for (let i = 0; i < 80 && lineOff.length === 0; i++) await sleep(100);
    assert.deepEqual(lineOff, [[SdkErr.CUSTOMAUTH_FAILED]]);
    assert.match((await run('list')).stdout, /test-app\terin\tErin\tdisabled/);
    const reset = await run('reset-password', TEST_APP.appID, 'nobody-here').catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((reset as { code: number }).code, 1);
    assert.match((reset as { stderr: string }).stderr, /no account nobody-here/);
  });
});

test('npm run users -- reset-password prints a new password; the old one stops working', async () => {
  const server = await startTestServer({ userAuth: 'accounts' });
  try {
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'rita', password: 'rita-old-password' });
    const out = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'server/usersCli.ts'),
        '--data',
        server.dataDir,
        'reset-password',
        TEST_APP.appID,
        'rita',
      ],
      { cwd: ROOT },
    );
    const password = /password: (\S+)/.exec(out.stdout)?.[1];
    assert.ok(password, out.stdout);
    assert.equal((await loginWith(server, 'rita', 'rita-old-password')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'rita', password)).err, 0);
  } finally {
    closeClients();
    await server.dispose();
  }
});

describe('brute-force protection (the one login throttle of server/limits/)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      userAuth: 'accounts',
      // Lock out at the third failure per user and the sixth per address, with no back-off before.
      limits: {
        loginFreeFailuresPerUID: 3,
        loginLockoutFailuresPerUID: 3,
        loginFreeFailuresPerAddress: 6,
        loginLockoutFailuresPerAddress: 6,
        loginFailureWindowMs: 60_000,
        loginLockoutMs: 60_000,
      },
    });
    for (const UID of ['frank', 'gina', 'hank'])
      await server.accounts.add({ appID: TEST_APP.appID, UID, password: `${UID}-password` });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('after 3 wrong passwords for a user even the right one is refused for a while', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await loginWith(server, 'frank', `guess-${i}-xx`)).err, SdkErr.CUSTOMAUTH_FAILED);
    // Locked out (806, as for wrong app secrets and tokens), the password is not even checked.
    assert.equal((await loginWith(server, 'frank', 'frank-password')).err, SdkErr.SEVICE_NOTENABLED);
    // Another user is not locked by frank's failures …
    assert.equal((await loginWith(server, 'gina', 'gina-password')).err, 0);
  });

  test('… but one address guessing across users is locked after 6 failures', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await loginWith(server, 'gina', `guess-${i}-xx`)).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'hank', 'hank-password')).err, SdkErr.SEVICE_NOTENABLED);
  });
});

describe('password, token-request and one-time-code failures share one throttle per UID', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      userAuth: 'accounts',
      limits: {
        loginFreeFailuresPerUID: 2,
        loginBackoffMs: 300,
        loginBackoffMaxMs: 300,
        loginLockoutFailuresPerUID: 4,
        loginFailureWindowMs: 60_000,
        loginLockoutMs: 60_000,
      },
    });
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'kim', password: 'kim-password' });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('wrong passwords by GetUserToken and by Login add up: 904 backing off, then 806 for every way in', async () => {
    assert.equal((await getToken(newClient(server), 'kim', 'guess-one')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'kim', 'guess-two')).err, SdkErr.CUSTOMAUTH_FAILED);
    // Past the two free failures each try first waits a back-off, whichever way it comes in.
    assert.equal((await getToken(newClient(server), 'kim', 'guess-three')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(server, 'kim', 'kim-password')).err, SdkErr.CFG_RESTRICTED);
    await sleep(350);
    // A one-time code that is not kim's counts like a wrong password; it is the fourth failure: locked.
    assert.equal((await loginWith(server, 'kim', 'ABCD-EFGH-JKMN-PQRS')).err, SdkErr.CUSTOMAUTH_FAILED);
    await sleep(350);
    assert.equal((await loginWith(server, 'kim', 'kim-password')).err, SdkErr.SEVICE_NOTENABLED);
    assert.equal((await getToken(newClient(server), 'kim', 'kim-password')).err, SdkErr.SEVICE_NOTENABLED);
  });
});

describe('one-time codes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ userAuth: 'accounts' });
    for (const UID of ['lena', 'mia', 'nils', 'otto'])
      await server.accounts.add({ appID: TEST_APP.appID, UID, password: `${UID}-password` });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a code issued by startServer signs in once; the second use is 17; the password still works', async () => {
    const code = await server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'lena' });
    assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.equal((await loginWith(server, 'lena', code)).err, 0);
    closeClients();
    assert.equal((await loginWith(server, 'lena', code)).err, SdkErr.CUSTOMAUTH_FAILED, 'used up');
    assert.equal((await loginWith(server, 'lena', 'lena-password')).err, 0);
    closeClients();
    // Another user's code is no use for lena.
    const mias = await server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'mia', minutes: 5 });
    assert.equal((await loginWith(server, 'lena', mias)).err, SdkErr.CUSTOMAUTH_FAILED);
    // Typed in lower case without dashes it is the same code.
    assert.equal((await loginWith(server, 'mia', mias.replaceAll('-', '').toLowerCase())).err, 0);
  });

  test("a code buys the app's token once (GetUserToken), then LoginByToken", async () => {
    const code = await server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'nils', minutes: 10 });
    const c = newClient(server);
    const { err, result } = await getToken(c, 'nils', code);
    assert.equal(err, 0);
    assert.ok(result);
    assert.equal(await loginByToken(c, 'nils', result.token), 0);
    assert.equal((await getToken(newClient(server), 'nils', code)).err, SdkErr.CUSTOMAUTH_FAILED);
  });

  test('no code for a disabled or unknown user; disabling revokes the codes already issued', async () => {
    const code = await server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'otto' });
    await server.accounts.disable(TEST_APP.appID, 'otto');
    await assert.rejects(server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'otto' }), {
      code: SdkErr.CUSTOMAUTH_FAILED,
      message: /disabled/,
    });
    assert.equal((await loginWith(server, 'otto', code)).err, SdkErr.CUSTOMAUTH_FAILED);
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'otto', password: 'otto-password-2' });
    assert.equal((await loginWith(server, 'otto', code)).err, SdkErr.CUSTOMAUTH_FAILED, 'revoked, not paused');
    await assert.rejects(server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'nobody' }), {
      code: SdkErr.ERR_USER_NOT_FOUND,
    });
    for (const minutes of [0, -1, 1.5, 7 * 24 * 60 + 1])
      await assert.rejects(server.accounts.issueCode({ appID: TEST_APP.appID, UID: 'otto', minutes }), {
        code: SdkErr.MEETPARAM_ERR,
      });
  });

  test('npm run users -- code prints a code that signs in once; bad --minutes is refused', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'server/usersCli.ts'), '--data', server.dataDir, ...args],
        { cwd: ROOT },
      );
    const out = await run('code', TEST_APP.appID, 'mia', '--minutes', '30');
    assert.match(out.stdout, /valid until \S+, once/);
    const code = /code: (\S+)/.exec(out.stdout)?.[1];
    assert.ok(code, out.stdout);
    assert.equal((await loginWith(server, 'mia', code)).err, 0);
    closeClients();
    assert.equal((await loginWith(server, 'mia', code)).err, SdkErr.CUSTOMAUTH_FAILED);
    const bad = await run('code', TEST_APP.appID, 'mia', '--minutes', 'soon').catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /minutes/);
  });
});

describe("userAuth: 'none' keeps today's behaviour", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ userAuth: 'none' });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('the app secret alone signs in; a token is issued without a password; ChangePassword is 15', async () => {
    const { c, err } = await loginWith(server, 'ivy', '');
    assert.equal(err, 0);
    const cp = next(c, 'CRVideo_ChangePasswordRslt');
    c.CRVideo_ChangePassword('a-password', 'b-password');
    assert.equal((await cp)[0], SdkErr.CUSTOMAUTH_NOTSUPPORT);
    const t = await getToken(newClient(server), 'jack', '');
    assert.equal(t.err, 0);
    assert.ok(t.result);
    assert.equal(await loginByToken(newClient(server), 'jack', t.result.token), 0);
  });
});
