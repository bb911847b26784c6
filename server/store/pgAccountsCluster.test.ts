// Accounts in a real cluster (issue 14): three CLI nodes on redis-server and PostgreSQL, haproxy in front,
// the admin CLI (`npm run users -- --postgres`) as its own process. A user the CLI adds signs in with the
// password on every node; disabled by the CLI, their session on one node ends with LineOff(17) and no node
// lets them back in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { md5Hex, SdkErr } from '../../sdk/index.js';
import { startCluster, type TestCluster } from '../testing/cluster.js';
import { closeClients, newClient, next } from '../testing/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('accounts in a real cluster (PostgreSQL, Redis, haproxy)', () => {
  let cluster: TestCluster;
  let pgUrl: string;
  before(async () => {
    // The harness starts nodes with --user-auth none; these use built-in accounts (the CLI's default).
    cluster = await startCluster({
      nodes: 3,
      postgres: true,
      args: ['--user-auth', 'accounts', '--log-level', 'warn'],
    });
    pgUrl = cluster.pg?.url ?? assert.fail('no PostgreSQL');
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(closeClients);

  const users = async (args: string[], stdin?: string): Promise<string> => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'server/usersCli.ts'), '--postgres', pgUrl, ...args],
      { cwd: ROOT, timeout: 30_000 },
    );
    if (stdin !== undefined) run.child.stdin?.end(stdin);
    return (await run).stdout;
  };

  const loginWith = async (url: string, UID: string, password: string) => {
    const c = newClient({ url });
    const ok = next(c, 'CRVideo_LoginSuccess', 8000).then(() => 0);
    const fail = next(c, 'CRVideo_LoginFail', 8000).then(([code]) => code);
    c.CRVideo_Login(cluster.app.appID, md5Hex(cluster.app.appSecret), UID, UID, password);
    return { c, err: await Promise.race([ok, fail]) };
  };

  test('added by the CLI: signs in on every node; disabled by the CLI: ended on its node (LineOff 17), refused everywhere', async () => {
    const [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const appID = cluster.app.appID;
    assert.match(await users(['add', appID, 'kim', '--password-stdin'], 'kim-password-1\n'), /added kim/);
    assert.equal((await loginWith(n1, 'kim', 'kim-password-1')).err, 0);
    assert.equal((await loginWith(n3, 'kim', 'wrong-password')).err, SdkErr.CUSTOMAUTH_FAILED);
    closeClients();
    assert.equal((await loginWith(cluster.balancer.url, 'kim', 'kim-password-1')).err, 0, 'through haproxy');
    closeClients();
    const { c: kimOnN2, err } = await loginWith(n2, 'kim', 'kim-password-1');
    assert.equal(err, 0);
    const lineOff = next(kimOnN2, 'CRVideo_LineOff', 30_000);
    assert.match(await users(['disable', appID, 'kim']), /disabled kim/);
    const disabledAt = Date.now();
    assert.equal((await lineOff)[0], SdkErr.CUSTOMAUTH_FAILED);
    process.stdout.write(`# LineOff 17 on n2 ${Date.now() - disabledAt} ms after the CLI's disable returned\n`);
    for (const url of [n1, n2, n3])
      assert.equal((await loginWith(url, 'kim', 'kim-password-1')).err, SdkErr.CUSTOMAUTH_FAILED, url);
    assert.match(await users(['list', appID]), /kim\tkim\tdisabled/);
  });
});
