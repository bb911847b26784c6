// The offline worker recipe lives in the repository: a clone with nothing beside it finds it, it covers
// every meson subproject mediasoup asks for on Linux, and its patch applies to the installed mediasoup.
// (The worker itself is not rebuilt here: that takes minutes; the cached binary is what the suite uses.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const RECIPE = join(ROOT, 'scripts', 'mediasoup-offline');
const MEDIASOUP = join(ROOT, 'node_modules', 'mediasoup');

test('a clone with nothing beside it finds the recipe inside the repository (dry run)', () => {
  // A lone copy of the repository's scripts/ and mediasoup's package.json in an empty temp dir, with an
  // empty cache: the lookup can only succeed from inside the copy.
  const clone = mkdtempSync(join(tmpdir(), 'crvideo-clone-'));
  try {
    cpSync(join(ROOT, 'scripts'), join(clone, 'scripts'), { recursive: true });
    mkdirSync(join(clone, 'node_modules', 'mediasoup'), { recursive: true });
    cpSync(join(MEDIASOUP, 'package.json'), join(clone, 'node_modules', 'mediasoup', 'package.json'));
    writeFileSync(join(clone, 'package.json'), '{"name":"crvideo-phone","type":"module"}');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(clone, 'cache') };
    delete env.CRVIDEO_MEDIASOUP_OFFLINE_DIR;
    delete env.MEDIASOUP_WORKER_BIN;
    const r = spawnSync(process.execPath, [join(clone, 'scripts', 'mediasoup-worker.mjs'), '--dry-run'], {
      cwd: clone,
      env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { recipeScript: string | null; next: string; cached: string };
    assert.equal(plan.recipeScript, join(clone, 'scripts', 'mediasoup-offline', 'build.sh'));
    assert.equal(plan.next, 'download, then offline build');
    assert.ok(plan.cached.startsWith(join(clone, 'cache')), plan.cached);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
});

test('the recipe has a local subproject for every wrap mediasoup needs on Linux', () => {
  const wrapsDir = join(MEDIASOUP, 'worker', 'subprojects');
  const needed = readdirSync(wrapsDir)
    .filter((f) => f.endsWith('.wrap'))
    .map((f) => /^directory\s*=\s*(\S+)/m.exec(readFileSync(join(wrapsDir, f), 'utf8'))?.[1])
    .filter((d): d is string => d !== undefined && !d.startsWith('wingetopt')); // wingetopt: Windows only
  assert.ok(needed.length >= 7, `wraps found: ${needed.join(', ')}`);
  const have = new Set(readdirSync(join(RECIPE, 'subprojects')));
  assert.deepEqual(
    needed.filter((d) => !have.has(d)),
    [],
    'every wrap directory has a meson.build here',
  );
  for (const d of needed) readFileSync(join(RECIPE, 'subprojects', d, 'meson.build'), 'utf8');
});

test('the DTLS patch applies to the installed mediasoup and build.sh parses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-patch-'));
  try {
    const src = join('worker', 'src', 'RTC', 'DtlsTransport.cpp');
    mkdirSync(join(dir, 'worker', 'src', 'RTC'), { recursive: true });
    cpSync(join(MEDIASOUP, src), join(dir, src));
    const patch = spawnSync(
      'patch',
      ['--dry-run', '-p1', '-d', dir, '-i', join(RECIPE, 'mediasoup-3.19.3-bio-callback.patch')],
      {
        encoding: 'utf8',
      },
    );
    if (patch.error) {
      console.log(
        `# patch(1) not installed here (${patch.error.message}); checking the line the patch changes instead`,
      );
      assert.match(readFileSync(join(dir, src), 'utf8'), /operationType == BIO_CB_RETURN/);
    } else assert.equal(patch.status, 0, patch.stdout + patch.stderr);
    const syntax = spawnSync('bash', ['-n', join(RECIPE, 'build.sh')], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
