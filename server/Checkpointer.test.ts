import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');

test('closing a checkpointer whose worker already died settles; the process is not left with close() pending', () => {
  // A database in a directory that does not exist: the worker fails to open it and exits at once. The
  // script then has nothing alive but the pending close(); before the fix Node ended it with exit 13
  // ("unsettled top-level await"), as it once ended a script in `await server.close()`.
  const script = `
    import { Checkpointer } from './server/Checkpointer.ts';
    const c = new Checkpointer('/nonexistent-crvideo-dir/x.db');
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await c.close();
    console.log('closed in ' + Math.round(performance.now() - t0) + ' ms');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /closed in \d+ ms/);
});

test('a checkpointer whose worker fails says so (the store then checkpoints inline instead)', async () => {
  const { Checkpointer } = await import('./Checkpointer.js');
  const failed = new Promise<unknown>((resolve) => {
    const c = new Checkpointer('/nonexistent-crvideo-dir/x.db', { onFailure: resolve });
    setTimeout(() => void c.close(), 5000).unref();
  });
  const err = await Promise.race([failed, new Promise((r) => setTimeout(() => r('no failure reported'), 5000))]);
  assert.ok(err instanceof Error, String(err));
});
