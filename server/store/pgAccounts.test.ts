// User accounts shared by every node through PostgreSQL (issue 14: "a user connected to any node must see
// exactly the behaviour of the single-node server"): three real servers on one real PostgreSQL, real SDK
// clients. Added on one node, the user signs in on the others; a one-time code works once across nodes; a
// password changed or a user disabled on one node holds on every node; PostgreSQL stopped: sign-ins get 8,
// a signed-in user carries on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Logger, pino } from 'pino';
import { type CRVideoClient, md5Hex, SdkErr, type UserTokenResult } from '../../sdk/index.js';
import { type RunningServer, startServer } from '../index.js';
import { callAndAccept, closeClients, newClient, next, sleep, TEST_APP } from '../testing/fixtures.js';
import { PgAccounts } from './PgAccounts.js';
import { PgStore } from './PgStore.js';
import { startTestPostgres, type TestPostgres } from './testPg.js';

const ROOT = join(import.meta.dirname, '..', '..');
const APP = TEST_APP.appID;

function captureLog(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return { logger, lines };
}

/** CRVideo_Login with the app secret and `userAuthCode`: 0 or the LoginFail code. */
async function loginWith(server: RunningServer, UID: string, userAuthCode: string) {
  const c = newClient(server);
  const ok = next(c, 'CRVideo_LoginSuccess', 8000).then(() => 0);
  const fail = next(c, 'CRVideo_LoginFail', 8000).then(([code]) => code);
  c.CRVideo_Login(APP, md5Hex(TEST_APP.appSecret), UID, UID, userAuthCode);
  return { c, err: await Promise.race([ok, fail]) };
}

async function getToken(
  server: RunningServer,
  UID: string,
  secret: string | { refreshToken: string },
): Promise<{ err: number; result: UserTokenResult | null }> {
  const c = newClient(server);
  const rslt = next(c, 'CRVideo_GetUserTokenRslt', 8000);
  c.CRVideo_GetUserToken(UID, secret, null, 'tok');
  const [err, result] = await rslt;
  return { err, result };
}

/** GetUserStatus on a signed-in client: the users it lists. */
async function userStatus(c: CRVideoClient): Promise<string[]> {
  const r = next(c, 'CRVideo_GetUserStatusSuccess', 8000);
  c.CRVideo_GetUserStatus('st');
  const [list] = await r;
  return list.map((u) => u.userID);
}

/** `npm run users -- … --postgres URL` (the CLI from source). */
async function usersCli(url: string, args: string[], stdin?: string): Promise<string> {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'server/usersCli.ts'), '--postgres', url, ...args],
    { cwd: ROOT, timeout: 30_000 },
  );
  if (stdin !== undefined) {
    run.child.stdin?.end(stdin);
  }
  return (await run).stdout;
}

describe('accounts shared by every node (PostgreSQL)', () => {
  let pgc: TestPostgres;
  let url: string;
  const dirs: string[] = [];
  let a: RunningServer;
  let b: RunningServer;
  let c: RunningServer;
  const logs: ReturnType<typeof captureLog>[] = [];

  before(async () => {
    pgc = await startTestPostgres();
    url = await pgc.createDatabase();
    const start = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-pgacct-'));
      dirs.push(dataDir);
      const log = captureLog();
      logs.push(log);
      // userAuth: the default, built-in accounts.
      return startServer({
        port: 0,
        host: '127.0.0.1',
        apps: [TEST_APP],
        media: false,
        dataDir,
        store: { postgresUrl: url },
        logger: log.logger,
      });
    };
    [a, b, c] = await Promise.all([start(), start(), start()]);
  });
  after(async () => {
    closeClients();
    await Promise.all([a, b, c].map((s) => s?.close()));
    await pgc?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  afterEach(closeClients);

  test('a user added through node A signs in with the password on nodes B and C, and is listed everywhere', async () => {
    await a.accounts.add({ appID: APP, UID: 'ann', password: 'ann-password-1', nickname: 'Ann' });
    assert.equal((await loginWith(b, 'ann', 'ann-password-1')).err, 0);
    assert.equal((await loginWith(c, 'ann', 'ann-password-1')).err, 0);
    assert.equal((await loginWith(c, 'ann', 'wrong-password')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.deepEqual(
      (await c.accounts.list(APP)).map((r) => [r.UID, r.nickname, r.disabled]),
      [['ann', 'Ann', false]],
    );
  });

  test('npm run users -- --postgres: a user added by the CLI signs in on any node', async () => {
    const out = await usersCli(url, ['add', APP, 'cli-user', '--password-stdin'], 'cli-password-1\n');
    assert.match(out, /added cli-user/);
    assert.equal((await loginWith(a, 'cli-user', 'cli-password-1')).err, 0);
    assert.equal((await loginWith(b, 'cli-user', 'cli-password-1')).err, 0);
    assert.match(await usersCli(url, ['list', APP]), /cli-user\tcli-user\tactive/);
  });

  test('a one-time code issued on A signs in once on B and is refused on C', async () => {
    await a.accounts.add({ appID: APP, UID: 'cody', password: 'cody-password-1' });
    const code = await a.accounts.issueCode({ appID: APP, UID: 'cody' });
    assert.equal((await loginWith(b, 'cody', code)).err, 0);
    assert.equal((await loginWith(c, 'cody', code)).err, SdkErr.CUSTOMAUTH_FAILED);
  });

  test('two nodes taking one code at the same moment: exactly one wins (many rounds)', async () => {
    await a.accounts.add({ appID: APP, UID: 'race', password: 'race-password-1' });
    for (let round = 0; round < 5; round++) {
      const code = await c.accounts.issueCode({ appID: APP, UID: 'race' });
      const results = await Promise.all([loginWith(a, 'race', code), loginWith(b, 'race', code)]);
      assert.deepEqual(
        results.map((r) => r.err).sort((x, y) => x - y),
        [0, SdkErr.CUSTOMAUTH_FAILED],
        `round ${round}`,
      );
      closeClients();
    }
  });

  test('one code taken through two connection pools at once, 50 times: exactly one taker each time', async () => {
    const silent = pino({ level: 'silent' });
    const [p1, p2] = await Promise.all([PgStore.open(url, silent), PgStore.open(url, silent)]);
    try {
      const [x, y] = [new PgAccounts(p1), new PgAccounts(p2)];
      await x.upsert(APP, 'racer', 'racer', 'unused-hash');
      let wins = 0;
      for (let i = 0; i < 50; i++) {
        const code = `CODE${String(i).padStart(12, '0')}`;
        await x.addCode(APP, 'racer', code, Date.now() + 60_000);
        const taken = await Promise.all([x.takeCode(APP, 'racer', code), y.takeCode(APP, 'racer', code)]);
        assert.equal(taken.filter(Boolean).length, 1, `round ${i}: ${taken}`);
        wins++;
      }
      assert.equal(wins, 50);
      // An expired code is refused, and so is a code of another user.
      await x.addCode(APP, 'racer', 'EXPIRED000000000', Date.now() - 1);
      assert.equal(await y.takeCode(APP, 'racer', 'EXPIRED000000000'), false);
      await x.addCode(APP, 'racer', 'MINE000000000000', Date.now() + 60_000);
      assert.equal(await y.takeCode(APP, 'someone-else', 'MINE000000000000'), false);
      assert.equal(await y.takeCode(APP, 'racer', 'MINE000000000000'), true);
    } finally {
      await Promise.all([p1.close(), p2.close()]);
    }
  });

  test('a password changed on B is refused on A, and the saved sign-in (refresh credential) with it', async () => {
    await a.accounts.add({ appID: APP, UID: 'pat', password: 'pat-password-1' });
    const first = await getToken(a, 'pat', 'pat-password-1');
    assert.equal(first.err, 0);
    const refreshToken = first.result?.refreshToken ?? assert.fail('no refresh credential');
    // The refresh credential from A renews on C while the password holds.
    assert.equal((await getToken(c, 'pat', { refreshToken })).err, 0);
    await b.accounts.setPassword(APP, 'pat', 'pat-password-2');
    assert.equal((await loginWith(a, 'pat', 'pat-password-1')).err, SdkErr.CUSTOMAUTH_FAILED);
    assert.equal((await loginWith(a, 'pat', 'pat-password-2')).err, 0);
    assert.equal((await getToken(c, 'pat', { refreshToken })).err, SdkErr.CUSTOMAUTH_FAILED);
  });

  test('a user disabled on C is ended (LineOff 17) on A within the poll interval, and cannot sign in anywhere', async () => {
    await a.accounts.add({ appID: APP, UID: 'dee', password: 'dee-password-1' });
    const { c: onA, err } = await loginWith(a, 'dee', 'dee-password-1');
    assert.equal(err, 0);
    const token = (await getToken(b, 'dee', 'dee-password-1')).result?.token ?? assert.fail('no token');
    // The watch polls every 2 s: the LineOff comes within that (plus a little for the round trips).
    const lineOff = next(onA, 'CRVideo_LineOff', 3000);
    const disabledAt = Date.now();
    await c.accounts.disable(APP, 'dee');
    const [code] = await lineOff;
    assert.equal(code, SdkErr.CUSTOMAUTH_FAILED);
    process.stdout.write(`# LineOff 17 on node A ${Date.now() - disabledAt} ms after the disable on node C\n`);
    assert.equal((await loginWith(b, 'dee', 'dee-password-1')).err, SdkErr.CUSTOMAUTH_FAILED);
    const d = newClient(b);
    const fail = next(d, 'CRVideo_LoginFail', 8000);
    d.CRVideo_LoginByToken(token, 'dee', 'dee', '');
    assert.equal((await fail)[0], SdkErr.CUSTOMAUTH_FAILED, 'a token issued before the disable is refused');
  });

  test('PostgreSQL stopped: a sign-in gets 8 (logged), a signed-in user renews the token and calls; back, sign-ins work', async () => {
    for (const UID of ['sam', 'ron', 'tia']) await a.accounts.add({ appID: APP, UID, password: `${UID}-password-1` });
    const { c: sam, err } = await loginWith(a, 'sam', 'sam-password-1');
    const { c: ron, err: err2 } = await loginWith(a, 'ron', 'ron-password-1');
    assert.deepEqual([err, err2], [0, 0]);
    const lineOffs: number[] = [];
    for (const x of [sam, ron]) x.CRVideo_LineOff.callback = (code) => void lineOffs.push(code);
    const token = (await getToken(a, 'sam', 'sam-password-1')).result?.token ?? assert.fail('no token');
    await pgc.stop();
    try {
      // Sam renews with a token this cluster signed, on the node that saw him enabled.
      const renewed = next(sam, 'CRVideo_UpdateTokenRslt', 8000);
      sam.CRVideo_UpdateToken(token);
      assert.equal((await renewed)[0], 0);
      // A sign-in by that token on a node that cannot check him: 8.
      const d = newClient(b);
      const refused = next(d, 'CRVideo_LoginFail', 8000);
      d.CRVideo_LoginByToken(token, 'sam', 'sam', '');
      assert.equal((await refused)[0], SdkErr.SERVER_EXCEPTION);
      assert.equal((await loginWith(b, 'tia', 'tia-password-1')).err, SdkErr.SERVER_EXCEPTION);
      assert.ok(
        logs[1]?.lines.some((l) => l.includes('sign-in refused') && l.includes('"sdkErr":8')),
        'node B logs the refused sign-in with its code',
      );
      assert.equal((await getToken(c, 'tia', 'tia-password-1')).err, SdkErr.SERVER_EXCEPTION);
      // Sam and Ron, signed in before, call each other; the watch (which cannot poll) ends nobody.
      const { callID } = await callAndAccept(sam, ron, 'ron');
      await sleep(2500);
      assert.ok((await userStatus(sam)).includes('ron'));
      const hung = next(ron, 'CRVideo_NotifyCallHungup', 8000);
      sam.CRVideo_HangupCall(callID, 'bye');
      await hung;
      assert.deepEqual(lineOffs, []);
      assert.ok(logs[0]?.lines.some((l) => l.includes('disabled-user watch: store unreachable')));
    } finally {
      await pgc.start();
    }
    assert.equal((await loginWith(b, 'tia', 'tia-password-1')).err, 0);
  });
});
