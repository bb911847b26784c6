import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clusterSettings } from './cliOptions.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the real CLI with `args` and the given environment; resolves with its exit code and stderr. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('CLI cluster flags', () => {
  it('maps --redis, --node-id, --postgres and --no-rooms to cluster and store options', () => {
    assert.deepEqual(
      clusterSettings(
        { redis: 'redis://127.0.0.1:6379', 'node-id': 'node-1', postgres: 'postgres://u@127.0.0.1:5432/crvideo' },
        {},
      ),
      {
        ok: true,
        cluster: { redisUrl: 'redis://127.0.0.1:6379', nodeId: 'node-1' },
        store: { postgresUrl: 'postgres://u@127.0.0.1:5432/crvideo' },
      },
    );
    assert.deepEqual(clusterSettings({ redis: 'redis://r:1', 'node-id': 'a_B-9', 'no-rooms': true }, {}), {
      ok: true,
      cluster: { redisUrl: 'redis://r:1', nodeId: 'a_B-9', hostsRooms: false },
    });
  });

  it('reads the CRVIDEO_* twins, and a flag wins over its variable', () => {
    const env = {
      CRVIDEO_REDIS_URL: 'redis://env:6379',
      CRVIDEO_NODE_ID: 'env-node',
      CRVIDEO_POSTGRES_URL: 'postgresql://env/db',
      CRVIDEO_ROOMS: '0',
    };
    assert.deepEqual(clusterSettings({}, env), {
      ok: true,
      cluster: { redisUrl: 'redis://env:6379', nodeId: 'env-node', hostsRooms: false },
      store: { postgresUrl: 'postgresql://env/db' },
    });
    const flagged = clusterSettings({ 'node-id': 'flag-node' }, env);
    assert.ok(flagged.ok);
    assert.equal(flagged.cluster?.nodeId, 'flag-node');
  });

  it('without any of them stays the single process (and --postgres alone only swaps the store)', () => {
    assert.deepEqual(clusterSettings({}, {}), { ok: true });
    assert.deepEqual(clusterSettings({ postgres: 'postgres://h/db' }, {}), {
      ok: true,
      store: { postgresUrl: 'postgres://h/db' },
    });
  });

  it('refuses half or malformed settings with a message naming the flag', () => {
    const bad: [Parameters<typeof clusterSettings>[0], RegExp][] = [
      [{ redis: 'redis://r:1' }, /--redis and --node-id go together/],
      [{ 'node-id': 'n1' }, /--redis and --node-id go together/],
      [{ redis: 'redis://r:1', 'node-id': 'has space' }, /--node-id wants/],
      [{ redis: 'redis://r:1', 'node-id': 'n'.repeat(33) }, /--node-id wants/],
      [{ redis: 'redis://r:1', 'node-id': 'nœud' }, /--node-id wants/],
      [{ redis: 'http://r:1', 'node-id': 'n1' }, /--redis wants redis:\/\//],
      [{ redis: 'not a url', 'node-id': 'n1' }, /--redis wants/],
      [{ postgres: 'mysql://h/db' }, /--postgres wants/],
      [{ 'no-rooms': true }, /--no-rooms applies to cluster mode only/],
    ];
    for (const [flags, message] of bad) {
      const r = clusterSettings(flags, {});
      assert.equal(r.ok, false, JSON.stringify(flags));
      if (!r.ok) assert.match(r.message, message);
    }
  });

  it('the real CLI exits 2 with that message when --redis comes without --node-id', async () => {
    const { code, stderr } = await runCli(['--no-media', '--redis', 'redis://127.0.0.1:1']);
    assert.equal(code, 2);
    assert.match(stderr, /--redis and --node-id go together/);
    const viaEnv = await runCli(['--no-media'], {
      CRVIDEO_NODE_ID: 'bad id!',
      CRVIDEO_REDIS_URL: 'redis://127.0.0.1:1',
    });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /--node-id wants/);
  });
});
