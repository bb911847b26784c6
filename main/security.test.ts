// CI check of the BUILT desktop app: scripts/check-electron-security.mjs over out/ (built here first when
// out/ is missing or older than the sources), and proof that the check notices a weakened build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
// @ts-expect-error plain ESM script without type declarations
import { checkElectronSecurity } from '../scripts/check-electron-security.mjs';
import { ensureDesktopBuild, OUT, ROOT } from './testing/build.js';

type Check = { name: string; ok: boolean; detail: string };
const check = checkElectronSecurity as (dir: string) => { ok: boolean; results: Check[] };

before(ensureDesktopBuild);

test('the built main and preloads keep every security setting', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-electron-security.mjs'), OUT], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /all checks passed/);
});

/** A copy of out/ with one file edited; returns the names of the checks that fail on it. */
function failuresAfter(file: string, edit: (src: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-sec-'));
  try {
    cpSync(OUT, dir, { recursive: true });
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changed nothing`);
    writeFileSync(path, after);
    return check(dir)
      .results.filter((c) => !c.ok)
      .map((c) => c.name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the check catches a weakened build', () => {
  assert.ok(existsSync(join(OUT, 'main', 'index.js')));
  assert.deepEqual(
    failuresAfter('main/index.js', (s) => s.replace(/contextIsolation: true/g, 'contextIsolation: false')),
    ['contextIsolation: true', 'never contextIsolation: false'],
  );
  assert.deepEqual(
    failuresAfter('main/index.js', (s) => s.replace(/sandbox: true/g, 'sandbox: false')),
    ['sandbox: true', 'never sandbox: false'],
  );
  assert.ok(
    failuresAfter('main/index.js', (s) => s.replace(/nodeIntegration: false/, 'nodeIntegration: true')).includes(
      'never nodeIntegration: true',
    ),
  );
  assert.deepEqual(
    failuresAfter('main/index.js', (s) => s.replace(/action: "deny"/, 'action: "allow"')),
    ['setWindowOpenHandler denies new windows', 'no window.open is ever allowed'],
  );
  assert.deepEqual(
    failuresAfter('main/index.js', (s) => s.replace(/on\("will-navigate"/, 'on("did-navigate"')),
    ["'will-navigate' is prevented"],
  );
  assert.ok(
    failuresAfter('main/index.js', (s) =>
      s.replaceAll('setPermissionRequestHandler(', 'setPermissionRequestHandlerX('),
    ).includes('permission request handler installed'),
  );
  assert.deepEqual(
    failuresAfter('preload/index.cjs', (s) =>
      s.replace(/exposeInMainWorld\(BRIDGE_GLOBAL, bridge\)/, 'exposeInMainWorld("ipc", electron.ipcRenderer)'),
    ),
    ['index.cjs: never exposes ipcRenderer or Node itself'],
  );
  assert.deepEqual(
    failuresAfter('preload/incoming.cjs', (s) => `${s}\nrequire("fs");\n`),
    ['incoming.cjs: requires nothing but electron (sandbox)'],
  );
});
