#!/usr/bin/env node
// Builds everything that runs from dist/. Each step runs only when its entry file exists, so a part of the
// app that is not written yet is simply skipped. Adding a build step = adding one line to STEPS.
// On success writes dist/.build-stamp (mtime = build start); scripts/setup.mjs rebuilds when a source is newer.
//
// Plain Node ESM, no dependencies at import time (setup.mjs imports needsBuild() before node_modules exists).
// Usage: node scripts/build.mjs [--quiet]

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = path.join(ROOT, 'dist', '.build-stamp');

/** entry: file whose presence enables the step; output: file the step must leave behind; cmd: node_modules/.bin tool + args. */
export const STEPS = [
  { name: 'tsc', entry: 'tsconfig.build.json', output: 'dist/server', cmd: ['tsc', '-p', 'tsconfig.build.json'] },
  {
    name: 'browser SDK',
    entry: 'sdk/browser/index.ts',
    output: 'dist/sdk-browser/crvideo.js',
    cmd: [
      'esbuild',
      'sdk/browser/index.ts',
      '--bundle',
      '--format=iife',
      '--platform=browser',
      '--target=es2022',
      '--minify',
      '--sourcemap',
      '--log-level=warning',
      '--outfile=dist/sdk-browser/crvideo.js',
    ],
  },
  { name: 'renderer', entry: 'renderer/vite.config.ts', cmd: ['vite', 'build', '--config', 'renderer/vite.config.ts'] },
  { name: 'electron', entry: 'electron.vite.config.ts', cmd: ['electron-vite', 'build'] },
];

/** What setup.mjs watches: a file here newer than the stamp triggers a build. Tests are not build inputs. */
export const INPUT_DIRS = ['protocol', 'sdk', 'server', 'main', 'preload', 'renderer'];
export const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
  ...STEPS.map((s) => s.entry),
];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', '.svelte-kit', 'test-results']);
const isTestFile = (name) => /\.(test|spec)\.[cm]?[jt]s$/.test(name);

function newestMtime(p, newest = 0) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return newest;
  }
  if (!st.isDirectory()) return Math.max(newest, st.mtimeMs);
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.isDirectory() ? SKIP_DIRS.has(e.name) || e.name.startsWith('.') : isTestFile(e.name)) continue;
    newest = newestMtime(path.join(p, e.name), newest);
  }
  return newest;
}

/** Returns a reason string when a build is needed, or null when dist/ is up to date. */
export function needsBuild() {
  let stamp;
  try {
    stamp = fs.statSync(STAMP).mtimeMs;
  } catch {
    return 'no previous build';
  }
  for (const step of STEPS) {
    if (step.output && fs.existsSync(path.join(ROOT, step.entry)) && !fs.existsSync(path.join(ROOT, step.output))) {
      return `${step.output} missing`;
    }
  }
  const inputs = [...INPUT_DIRS, ...INPUT_FILES].map((p) => path.join(ROOT, p));
  const newest = inputs.reduce((n, p) => newestMtime(p, n), 0);
  return newest > stamp ? 'sources changed' : null;
}

export function build({ quiet = false } = {}) {
  const started = new Date();
  const bin = path.join(ROOT, 'node_modules', '.bin');
  for (const step of STEPS) {
    if (!fs.existsSync(path.join(ROOT, step.entry))) continue;
    const t0 = Date.now();
    const [tool, ...args] = step.cmd;
    const r = spawnSync(path.join(bin, tool), args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`build: ${step.name} failed (${step.cmd.join(' ')}: exit ${r.status ?? r.signal})`);
      try {
        fs.rmSync(STAMP, { force: true });
      } catch {}
      return false;
    }
    if (!quiet) console.log(`build: ${step.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `${started.toISOString()}\n`);
  // Files edited while the build ran are newer than the stamp, so they trigger the next build.
  fs.utimesSync(STAMP, started, started);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exit(build({ quiet: process.argv.includes('--quiet') }) ? 0 : 1);
}
