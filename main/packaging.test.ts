// electron-builder packs only the desktop app: out/main, out/preload, out/renderer and package.json — no
// node_modules, no server, no mediasoup, no better-sqlite3. Checked on a real `electron-builder --linux dir`
// run with a stand-in Electron distribution (the real one cannot be downloaded everywhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureDesktopBuild, ROOT } from './testing/build.js';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(file: string, options?: object): string[];
  extractFile(file: string, name: string): Buffer;
};

const work = mkdtempSync(join(tmpdir(), 'crvideo-pack-'));
let appAsar = '';

before(() => {
  ensureDesktopBuild();
  const dist = join(work, 'electron-dist');
  mkdirSync(join(dist, 'resources'), { recursive: true });
  writeFileSync(join(dist, 'electron'), '#!/bin/sh\n');
  chmodSync(join(dist, 'electron'), 0o755);
  writeFileSync(join(dist, 'version'), '41.7.1');
  const r = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'electron-builder'),
    [
      '--linux',
      'dir',
      '--x64',
      '--publish',
      'never',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${join(work, 'release')}`,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } },
  );
  assert.equal(r.status, 0, `electron-builder failed:\n${r.stdout}\n${r.stderr}`);
  appAsar = join(work, 'release', 'linux-unpacked', 'resources', 'app.asar');
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the package holds the built app and nothing else', () => {
  const files = asar.listPackage(appAsar).map((f) => f.replaceAll('\\', '/'));
  const outside = files.filter(
    (f) => f !== '/package.json' && f !== '/out' && !/^\/out\/(main|preload|renderer)(\/|$)/.test(f),
  );
  assert.deepEqual(outside, [], 'only out/{main,preload,renderer} and package.json');
  for (const must of [
    '/out/main/index.js',
    '/out/preload/index.cjs',
    '/out/preload/incoming.cjs',
    '/out/renderer/index.html',
  ]) {
    assert.ok(files.includes(must), must);
  }
  assert.equal(
    files.some((f) => /node_modules|mediasoup|better-sqlite3|\/server\//.test(f)),
    false,
    'no node_modules, server, mediasoup or SQLite',
  );
  const pkg = JSON.parse(asar.extractFile(appAsar, 'package.json').toString('utf8'));
  assert.equal(pkg.main, 'out/main/index.js', 'Electron starts the built main');
  assert.equal(pkg.desktopName, 'crvideo-phone.desktop');
});
