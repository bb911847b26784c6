#!/usr/bin/env node
// Runs the project's tests and prints one summary line `N passed, N failed, N skipped`.
//   unit/integration: every *.test.ts under protocol, sdk, server, main, preload, scripts, renderer:
//                     node --import tsx --test --test-concurrency=1 <files>   (Node 20's --test takes no globs)
//   browser (e2e):    Playwright with e2e/playwright.config.ts (skipped, with the reason, until it exists)
// Usage: node scripts/run-tests.mjs [--unit | --e2e] [filter...]
//   filter: keeps unit test files whose path contains it; passed to Playwright as its file filter.
// Exit status non-zero when anything failed.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UNIT_DIRS = ['protocol', 'sdk', 'server', 'main', 'preload', 'scripts', 'renderer'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'test-results', 'playwright-report']);
const PW_CONFIG = 'e2e/playwright.config.ts';

const argv = process.argv.slice(2);
const unitOnly = argv.includes('--unit');
const e2eOnly = argv.includes('--e2e');
const filters = argv.filter((a) => !a.startsWith('--'));
const total = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crvideo-tests-'));

function findTests(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) findTests(p, out);
    } else if (e.name.endsWith('.test.ts')) {
      out.push(path.relative(ROOT, p));
    }
  }
  return out;
}

function runUnit() {
  let files = UNIT_DIRS.flatMap((d) => findTests(path.join(ROOT, d))).sort();
  if (filters.length) files = files.filter((f) => filters.some((flt) => f.includes(flt)));
  if (files.length === 0) {
    console.log(`unit: no *.test.ts files${filters.length ? ` matching ${filters.join(' ')}` : ''}; nothing to run`);
    return;
  }
  console.log(`unit: ${files.length} file(s): node --import tsx --test --test-concurrency=1 …`);
  const tap = path.join(tmp, 'unit.tap');
  // Human-readable spec output on the console; TAP into a file for the counts.
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (key) => {
    const all = [...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  const skipped = count('skipped') + count('todo');
  total.passed += passed;
  total.skipped += skipped;
  total.failed += failed;
  if (r.status !== 0 && failed === 0) {
    total.failed += 1;
    problems.push(`node --test exited with ${r.status ?? r.signal} without a failed test to show for it`);
  }
  if (r.status !== 0 || failed) problems.push(`unit: ${failed} failed`);
}

function runE2e() {
  if (!fs.existsSync(path.join(ROOT, PW_CONFIG))) {
    console.log(`e2e: skipped: ${PW_CONFIG} does not exist yet`);
    return;
  }
  const bin = path.join(ROOT, 'node_modules', '.bin', 'playwright');
  if (!fs.existsSync(bin)) {
    total.failed += 1;
    problems.push('e2e: node_modules/.bin/playwright missing (run npm run setup)');
    return;
  }
  const json = path.join(tmp, 'playwright.json');
  const env = { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: json, PLAYWRIGHT_JSON_OUTPUT_FILE: json };
  let cmd = bin;
  let args = ['test', '--config', PW_CONFIG, '--reporter=list,json', ...filters];
  // Headed windows (Electron, notifications) need an X server; give them a virtual one on a headless box.
  if (!process.env.DISPLAY && process.platform === 'linux' && hasCommand('xvfb-run')) {
    args = ['-a', cmd, ...args];
    cmd = 'xvfb-run';
  }
  console.log(`e2e: playwright test --config ${PW_CONFIG}${cmd === 'xvfb-run' ? ' (under xvfb-run)' : ''}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  let stats = null;
  try {
    stats = JSON.parse(fs.readFileSync(json, 'utf8')).stats;
  } catch {}
  if (stats) {
    total.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    total.failed += stats.unexpected ?? 0;
    total.skipped += stats.skipped ?? 0;
    if (stats.flaky) console.log(`e2e: ${stats.flaky} flaky test(s) passed on retry`);
  }
  if (r.status !== 0 && !stats?.unexpected) {
    total.failed += 1;
    problems.push(`playwright exited with ${r.status ?? r.signal}${stats ? '' : ' and wrote no report'}`);
  } else if (r.status !== 0) {
    problems.push(`e2e: ${stats.unexpected} failed`);
  }
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

try {
  if (!e2eOnly) runUnit();
  if (!unitOnly) runE2e();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
for (const p of problems) console.log(`tests: ${p}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || problems.length > 0 ? 1 : 0);
