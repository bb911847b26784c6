#!/usr/bin/env node
// One command from a fresh clone to a runnable project; near-instant when everything is already done.
//   1. Debian packages (Chromium, CJK fonts, Xvfb, the mediasoup worker build deps): installed with apt when
//      running as root, otherwise the exact apt command is printed.
//   2. node_modules: `npm ci` when missing or older than package.json / package-lock.json. mediasoup's own
//      postinstall is neutralised (MEDIASOUP_WORKER_BIN) because its fallback build needs PyPI and GitHub.
//   3. mediasoup worker: scripts/mediasoup-worker.mjs (cache → prebuilt download → offline build).
//   4. dist/: scripts/build.mjs when a source is newer than the last build.
// Plain Node ESM, no dependencies: runs before node_modules exists.
// Usage: node scripts/setup.mjs [--quiet]   (--quiet: print only when something is done)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUIET = process.argv.includes('--quiet');
const NPM_TIMEOUT_MS = 20 * 60_000;

const APT_PACKAGES = [
  // browser tests and screenshots of the Chinese UI
  'chromium',
  'fonts-noto-cjk',
  'xvfb',
  // TLS test certificates, and the TURN relay the relay-only media test starts
  'openssl',
  'coturn',
  // the README's reverse-proxy set-up, exercised by server/deploy.test.ts
  'nginx',
  // cluster mode (README "Running several nodes"): shared state, durable store, the balancer in front
  'redis-server',
  'postgresql',
  'haproxy',
  // mediasoup worker built from Debian libraries (scripts/mediasoup-offline/README.md)
  'build-essential',
  'pkg-config',
  'meson',
  'ninja-build',
  'patch',
  'libssl-dev',
  'libuv1-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'libflatbuffers-dev',
  'flatbuffers-compiler',
  'liburing-dev',
];

const t0 = Date.now();
let didWork = false;
const info = (msg) => {
  if (!QUIET) console.log(msg);
};
const work = (msg) => {
  didWork = true;
  console.log(msg);
};

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
}

// ---------------------------------------------------------------- 1. Debian packages

function missingAptPackages() {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const format = '-f=${Package} ${Status}\\n';
  const r = spawnSync('dpkg-query', ['-W', format, ...APT_PACKAGES], { encoding: 'utf8' });
  if (r.error) return null; // not a Debian system
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' install ok installed'))
      .map((l) => l.split(' ')[0].split(':')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

function ensureAptPackages() {
  const missing = missingAptPackages();
  if (missing === null) {
    info('setup: no dpkg here; install Chromium and the mediasoup worker build deps yourself if needed');
    return;
  }
  if (missing.length === 0) return;
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.log(
      `setup: missing Debian packages: ${missing.join(' ')}\n` +
        `       run: sudo apt-get update && sudo apt-get ${install.join(' ')}\n` +
        '       (continuing; the steps that need them will say so)',
    );
    return;
  }
  work(`setup: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update'], { env }).status !== 0)
    console.log('setup: apt-get update failed; trying install anyway');
  if (run('apt-get', install, { env }).status !== 0) {
    console.log(`setup: apt-get install failed; still missing: ${missingAptPackages()?.join(' ')}`);
  }
}

// ---------------------------------------------------------------- 2. node_modules

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

function depsKey(manifest) {
  return JSON.stringify(
    DEP_FIELDS.map((f) => Object.entries(manifest?.[f] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/** Does node_modules (npm's hidden lockfile) hold exactly the packages of package-lock.json? */
function nodeModulesMatchLock(lock, hidden) {
  if (!lock?.packages || !hidden?.packages) return false;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '') continue;
    const got = hidden.packages[key];
    if (!got) {
      if (entry.optional || entry.devOptional) continue; // optional deps for other platforms
      return false;
    }
    if (entry.version && got.version !== entry.version) return false;
  }
  return Object.keys(hidden.packages).every((key) => key in lock.packages);
}

/**
 * Returns { reason, command } when an install is needed, else null. Fast path: two stats. When package.json or
 * package-lock.json is newer than the install, their contents decide (editing "scripts" must not reinstall).
 */
function nodeModulesState() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lockFile = path.join(ROOT, 'package-lock.json');
  const installed = mtime(marker);
  const hasLock = fs.existsSync(lockFile);
  if (!installed) return { reason: 'node_modules missing', command: hasLock ? 'ci' : 'install' };
  if (mtime(lockFile) <= installed && mtime(path.join(ROOT, 'package.json')) <= installed) return null;
  const pkg = readJson(path.join(ROOT, 'package.json'));
  const lock = hasLock ? readJson(lockFile) : null;
  if (!lock) return { reason: 'package.json changed', command: 'install' };
  if (depsKey(pkg) !== depsKey(lock.packages?.[''])) {
    return { reason: 'package.json dependencies differ from package-lock.json', command: 'install' };
  }
  if (!nodeModulesMatchLock(lock, readJson(marker))) return { reason: 'package-lock.json changed', command: 'ci' };
  touch(marker); // same dependencies: remember, so the next run takes the fast path
  return null;
}

function touch(p) {
  const now = new Date();
  fs.utimesSync(p, now, now);
}

/** Can Electron's postinstall download its binary? Cheap probe of the download host (5 s at most). */
async function electronDownloadPossible() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return false;
  const url = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'https://github.com/';
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5_000), redirect: 'manual' });
    return true;
  } catch {
    return false;
  }
}

async function ensureNodeModules() {
  const state = nodeModulesState();
  if (!state) return;
  const { reason, command } = state;
  const args = [command];
  const env = {
    ...process.env,
    // mediasoup's postinstall does nothing when this is set (its fallback build would need PyPI and GitHub);
    // scripts/mediasoup-worker.mjs provides the worker right after. Only the install sees it, not run time.
    MEDIASOUP_WORKER_BIN: 'provided-by-scripts/mediasoup-worker.mjs',
  };
  const electronOk = await electronDownloadPossible();
  if (!electronOk && !env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
  }
  work(
    `setup: npm ${args[0]} (${reason})${env.ELECTRON_SKIP_BINARY_DOWNLOAD ? '; Electron binary download skipped (host unreachable or disabled)' : ''}`,
  );
  const started = Date.now();
  let r = run('npm', args, { env, timeout: NPM_TIMEOUT_MS });
  if (r.status !== 0 && !env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log(`setup: npm ${args[0]} failed; retrying with ELECTRON_SKIP_BINARY_DOWNLOAD=1`);
    env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
    r = run('npm', args, { env, timeout: NPM_TIMEOUT_MS });
  }
  if (r.status !== 0) {
    throw new Error(`npm ${args[0]} failed (${r.error?.message || `exit ${r.status ?? r.signal}`})`);
  }
  // `npm install` may leave .package-lock.json untouched when nothing changed: mark the install as current.
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (fs.existsSync(marker)) touch(marker);
  console.log(`setup: npm ${args[0]} done in ${Math.round((Date.now() - started) / 1000)} s`);
}

// ---------------------------------------------------------------- main

async function main() {
  ensureAptPackages();
  await ensureNodeModules();

  const { ensureMediasoupWorker } = await import('./mediasoup-worker.mjs');
  const worker = await ensureMediasoupWorker({ quiet: QUIET });
  if (worker.source !== 'present' && worker.source !== 'env') didWork = true;

  const { needsBuild, build } = await import('./build.mjs');
  const why = needsBuild();
  if (why) {
    work(`setup: building dist/ (${why})`);
    if (!build({ quiet: QUIET })) throw new Error('build failed');
  }

  if (didWork || !QUIET) console.log(`setup: ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main().catch((err) => {
  console.error(`setup: ${err.message}`);
  process.exit(1);
});
