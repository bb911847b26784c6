// Electronegativity (the field's Electron security linter) over main + preload sources and the built
// out/: no findings but the ones scripts/electronegativity.json accepts with a reason, and every file
// read. The project's own built-output check (security.test.ts) covers what it does not: the exact
// webPreferences of the built bundle, navigation guards and the preloads' exposed surface.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
// @ts-expect-error plain ESM script without type declarations
import { electronegativity } from '../scripts/electronegativity.mjs';
import { ensureDesktopBuild, OUT } from './testing/build.js';

type Finding = { check: string; file: string; line: number; severity: string; sample: string };
type Result = { ok: boolean; findings: Finding[]; accepted: Finding[]; unreadable: string[] };
const scan = electronegativity as (out?: string) => Promise<Result>;

before(ensureDesktopBuild);

test('Electronegativity finds nothing in main, the preloads and the built app beyond the accepted findings', async () => {
  const r = await scan(OUT);
  assert.deepEqual(r.unreadable, [], 'every file is parsed');
  assert.deepEqual(
    r.findings.map((f) => `${f.check} ${f.file}:${f.line}`),
    [],
    'findings not accepted in scripts/electronegativity.json',
  );
});

test('a built window without context isolation and sandbox is a finding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-eneg-'));
  try {
    cpSync(OUT, dir, { recursive: true });
    const file = join(dir, 'main', 'index.js');
    const src = readFileSync(file, 'utf8');
    const weak = src.replace(/contextIsolation: true,\s*sandbox: true,/g, 'contextIsolation: false, sandbox: false,');
    assert.notEqual(weak, src);
    writeFileSync(file, weak);
    const checks = new Set((await scan(dir)).findings.map((f) => f.check));
    assert.ok(checks.has('CONTEXT_ISOLATION_JS_CHECK'), [...checks].join(', '));
    assert.ok(checks.has('SANDBOX_JS_CHECK'), [...checks].join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
