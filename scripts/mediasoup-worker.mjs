#!/usr/bin/env node
// Ensures node_modules/mediasoup has a working mediasoup-worker at the path mediasoup spawns by default
// (worker/out/Release/mediasoup-worker), so `startServer` needs no MEDIASOUP_WORKER_BIN.
//
// Order:
//   1. already in place and runs                      → nothing to do
//   2. cached copy  <cache>/crvideo-phone/mediasoup-worker/<version>/mediasoup-worker → copy into place
//   3. mediasoup's prebuilt binary from its GitHub release (same URL and checks as mediasoup's own
//      npm-scripts.mjs postinstall, but with a timeout and no local-build fallback that needs PyPI)
//   4. offline build from Debian libraries with the recipe in scripts/mediasoup-offline/ (build.sh)
// A binary obtained by 3 or 4 is stored in the cache, so the next `npm ci` costs one copy.
//
// Plain Node ESM, no dependencies (runs right after `npm ci`, imported by scripts/setup.mjs).
// Usage: node scripts/mediasoup-worker.mjs [--quiet] [--force-build] [--no-download] [--dry-run]
//   --dry-run prints where the worker would come from (present / cache / recipe) and changes nothing.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG_DIR = path.join(ROOT, 'node_modules', 'mediasoup');
const BIN_NAME = process.platform === 'win32' ? 'mediasoup-worker.exe' : 'mediasoup-worker';
const BUILD_TYPE = process.env.MEDIASOUP_BUILDTYPE || 'Release';
const TARGET = path.join(PKG_DIR, 'worker', 'out', BUILD_TYPE, BIN_NAME);
const DOWNLOAD_TIMEOUT_MS = 15_000; // until response headers; the body gets its own, longer limit
const BODY_TIMEOUT_MS = 180_000;
const LOCK_WAIT_MS = 30 * 60_000;

/** The recipe's entry script inside its folder. */
export const RECIPE_SCRIPT = 'build.sh';

/**
 * Where the offline build recipe lives: in the repository (scripts/mediasoup-offline), so a clone with
 * nothing beside it can build. CRVIDEO_MEDIASOUP_OFFLINE_DIR points at another copy (same layout).
 */
export function offlineRecipeDir() {
  const candidates = [
    process.env.CRVIDEO_MEDIASOUP_OFFLINE_DIR,
    path.join(ROOT, 'scripts', 'mediasoup-offline'),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, RECIPE_SCRIPT)));
}

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'crvideo-phone', 'mediasoup-worker');
}

export function mediasoupVersion() {
  return JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')).version;
}

/**
 * Quick check: the worker started without MEDIASOUP_VERSION exits with 41 (mediasoup's main.cpp).
 * Any other status (127 missing shared library, 126 not executable, a signal…) means it cannot run here.
 */
export function workerRuns(bin) {
  if (!fs.existsSync(bin)) return false;
  const r = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });
  return r.status === 41;
}

/** Full check: a real mediasoup Worker + Router through mediasoup's Node API, no env var. */
function workerWorksThroughNode() {
  const code = `
    const ms = await import('mediasoup');
    const worker = await ms.createWorker({ logLevel: 'error' });
    const router = await worker.createRouter({ mediaCodecs: [
      { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
      { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 } ] });
    const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
    transport.close(); router.close(); worker.close();
    console.log(ms.version);`;
  const env = { ...process.env };
  delete env.MEDIASOUP_WORKER_BIN;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) {
    process.stderr.write(`mediasoup-worker: createWorker() check failed:\n${r.stderr || r.stdout}\n`);
    return false;
  }
  return true;
}

/** Copies src to dest through a temporary file + rename, so nobody ever sees a half-written binary. */
function placeBinary(src, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.copyFileSync(src, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, dest);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** A lock directory in the cache, so two set-ups started together do not both build for 5 minutes. */
async function withLock(dir, log, fn) {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.lock');
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {}
      if (owner && !pidAlive(owner)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!owner && Date.now() - started > 5_000) {
        // Lock directory without a pid file for a while: its creator died between mkdir and write.
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`timed out waiting for ${lock}`);
      if (!announced) {
        log(`mediasoup-worker: another set-up (pid ${owner || '?'}) is preparing the worker; waiting…`);
        announced = true;
      }
      await sleep(2_000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- prebuilt download (mediasoup's URL)

function prebuiltTarName(version) {
  // Same name as mediasoup's npm-scripts.mjs getWorkerPrebuildTarName().
  let name = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}`;
  if (os.platform() === 'linux') name += `-kernel${Number(os.release().split('.')[0])}`;
  return `${name}.tgz`;
}

function prebuiltUrl(version) {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8'));
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
    `${pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
  return `${base}/${version}/${prebuiltTarName(version)}`;
}

/** Extracts the one regular file named like the worker from a (ustar/pax) tar buffer. */
function extractFromTar(tar, wanted) {
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = null;
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    name = name.replace(/^\.\//, '');
    if ((type === '0' || type === '\0') && path.basename(name) === wanted) return Buffer.from(body);
  }
  return null;
}

async function downloadPrebuilt(version, workDir, log) {
  const url = prebuiltUrl(version);
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    log(`mediasoup-worker: prebuilt download unavailable (${err.cause?.code || err.name || err.message}): ${url}`);
    return null;
  }
  if (!res.ok) {
    log(`mediasoup-worker: no prebuilt worker (HTTP ${res.status}): ${url}`);
    return null;
  }
  let tgz;
  try {
    const body = res.body ? await readWithTimeout(res, BODY_TIMEOUT_MS) : Buffer.alloc(0);
    tgz = zlib.gunzipSync(body);
  } catch (err) {
    log(`mediasoup-worker: prebuilt download failed: ${err.message}`);
    return null;
  }
  const bin = extractFromTar(tgz, BIN_NAME);
  if (!bin) {
    log(`mediasoup-worker: ${url} has no ${BIN_NAME}`);
    return null;
  }
  const file = path.join(workDir, BIN_NAME);
  fs.writeFileSync(file, bin, { mode: 0o755 });
  if (!workerRuns(file)) {
    log('mediasoup-worker: the prebuilt worker does not run on this host (libc?); not using it');
    return null;
  }
  return file;
}

async function readWithTimeout(res, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`body not received within ${ms / 1000} s`)), ms);
  });
  try {
    return Buffer.from(await Promise.race([res.arrayBuffer(), timeout]));
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- offline build (Debian libraries)

function chmodWritable(p) {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) return;
  fs.chmodSync(p, st.mode | 0o200);
  if (st.isDirectory()) for (const e of fs.readdirSync(p)) chmodWritable(path.join(p, e));
}

function buildOffline(cacheDir, workDir, log) {
  const recipe = offlineRecipeDir();
  if (!recipe) {
    log('mediasoup-worker: offline build recipe not found (expected scripts/mediasoup-offline/build.sh)');
    return null;
  }
  if (process.platform !== 'linux') {
    log('mediasoup-worker: the offline build recipe is for Debian Linux only');
    return null;
  }
  const missingTools = ['meson', 'ninja', 'pkg-config', 'c++', 'patch', 'flatc'].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0,
  );
  if (missingTools.length) {
    log(`mediasoup-worker: cannot build offline, missing tools: ${missingTools.join(' ')} (run: sudo npm run setup)`);
    return null;
  }
  // Copy the recipe and mediasoup's worker sources to a scratch directory,
  // so node_modules stays pristine and every copied file is writable (and removable).
  const recipeCopy = path.join(workDir, 'recipe');
  const pkgCopy = path.join(workDir, 'mediasoup');
  fs.cpSync(recipe, recipeCopy, { recursive: true });
  fs.cpSync(path.join(PKG_DIR, 'worker'), path.join(pkgCopy, 'worker'), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}out${path.sep}`) && !src.endsWith(`${path.sep}out`),
  });
  chmodWritable(workDir);

  const logFile = path.join(cacheDir, 'build.log');
  fs.mkdirSync(cacheDir, { recursive: true });
  log(
    `mediasoup-worker: building the worker from Debian libraries (~5 min on 2 idle cores, 30-50 min on busy ones; log: ${logFile})`,
  );
  const t0 = Date.now();
  const fd = fs.openSync(logFile, 'w');
  const script = path.join(recipeCopy, RECIPE_SCRIPT);
  // nice: the build uses every core; keep the machine responsive for everything else running.
  const hasNice = spawnSync('sh', ['-c', 'command -v nice'], { stdio: 'ignore' }).status === 0;
  const cmd = hasNice ? 'nice' : 'bash';
  const args = hasNice ? ['-n', '10', 'bash', script, pkgCopy] : [script, pkgCopy];
  const r = spawnSync(cmd, args, { stdio: ['ignore', fd, fd], cwd: workDir });
  fs.closeSync(fd);
  const built = path.join(pkgCopy, 'worker', 'out', 'Release', BIN_NAME);
  if (r.status !== 0 || !fs.existsSync(built)) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    log(`mediasoup-worker: offline build FAILED (exit ${r.status ?? r.signal}); last lines of ${logFile}:\n${tail}`);
    return null;
  }
  log(`mediasoup-worker: built in ${Math.round((Date.now() - t0) / 1000)} s`);
  return built;
}

// ---------------------------------------------------------------- main entry

/**
 * Makes sure the worker is in place. Returns { path, source } or throws.
 * source: 'present' | 'env' | 'cache' | 'download' | 'build'
 */
export async function ensureMediasoupWorker({ quiet = false, forceBuild = false, noDownload = false } = {}) {
  const say = (msg) => console.log(msg);
  const log = (msg) => console.log(msg);
  if (!fs.existsSync(path.join(PKG_DIR, 'package.json'))) {
    throw new Error('node_modules/mediasoup is not installed (run npm run setup)');
  }
  const version = mediasoupVersion();
  const cacheDir = path.join(cacheRoot(), version);
  const cached = path.join(cacheDir, BIN_NAME);

  // A binary given by the user wins, as in mediasoup itself.
  if (process.env.MEDIASOUP_WORKER_BIN) {
    if (!workerRuns(process.env.MEDIASOUP_WORKER_BIN)) {
      throw new Error(`MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} does not run`);
    }
    if (!quiet) say(`mediasoup-worker: using MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN}`);
    return { path: process.env.MEDIASOUP_WORKER_BIN, source: 'env' };
  }

  if (!forceBuild && workerRuns(TARGET)) {
    if (!fs.existsSync(cached)) {
      // Built or downloaded some other way: keep a copy for the next `npm ci`.
      placeBinary(TARGET, cached);
      say(`mediasoup-worker: ${version} present; cached a copy at ${cached}`);
    } else if (!quiet) {
      say(`mediasoup-worker: ${version} present at ${path.relative(ROOT, TARGET)}`);
    }
    return { path: TARGET, source: 'present' };
  }

  return withLock(cacheDir, log, obtain);

  async function obtain() {
    const t0 = Date.now();
    const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    // Someone else may have placed the worker or filled the cache while we waited for the lock.
    if (!forceBuild && workerRuns(TARGET)) return { path: TARGET, source: 'present' };
    if (!forceBuild && workerRuns(cached)) {
      placeBinary(cached, TARGET);
      if (!workerWorksThroughNode()) {
        fs.rmSync(TARGET, { force: true });
        throw new Error(`cached worker ${cached} failed the createWorker() check (remove it to rebuild)`);
      }
      say(`mediasoup-worker: ${version} restored from cache ${cached} (${secs()})`);
      return { path: TARGET, source: 'cache' };
    }
    if (!forceBuild && fs.existsSync(cached)) log(`mediasoup-worker: cached ${cached} does not run here; replacing it`);

    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crvideo-mediasoup-worker-'));
    try {
      const skipDownload =
        noDownload ||
        forceBuild ||
        ((process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD || process.env.MEDIASOUP_LOCAL_DEV) &&
          !process.env.MEDIASOUP_FORCE_WORKER_PREBUILT_DOWNLOAD);
      let source = 'download';
      let bin = skipDownload ? null : await downloadPrebuilt(version, workDir, log);
      if (!bin) {
        source = 'build';
        bin = buildOffline(cacheDir, workDir, log);
      }
      if (!bin) throw new Error('no mediasoup-worker: prebuilt download and offline build both failed');
      placeBinary(bin, TARGET);
      if (!workerWorksThroughNode()) {
        fs.rmSync(TARGET, { force: true });
        throw new Error(`the ${source === 'download' ? 'downloaded' : 'built'} worker failed the createWorker() check`);
      }
      placeBinary(bin, cached);
      say(
        `mediasoup-worker: ${version} ${source === 'download' ? 'prebuilt downloaded' : 'built offline'}, ` +
          `placed at ${path.relative(ROOT, TARGET)} and cached at ${cached} (${secs()})`,
      );
      return { path: TARGET, source };
    } finally {
      try {
        chmodWritable(workDir);
      } catch {}
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }
}

/** What ensureMediasoupWorker would do, without doing it: for checks and for `--dry-run`. */
export function describeWorkerSource() {
  const version = mediasoupVersion();
  const cached = path.join(cacheRoot(), version, BIN_NAME);
  const recipe = offlineRecipeDir() ?? null;
  let next = 'download, then offline build';
  if (process.env.MEDIASOUP_WORKER_BIN) next = 'MEDIASOUP_WORKER_BIN';
  else if (workerRuns(TARGET)) next = 'present';
  else if (workerRuns(cached)) next = 'cache';
  return { version, target: TARGET, cached, recipe, recipeScript: recipe && path.join(recipe, RECIPE_SCRIPT), next };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  if (args.includes('--dry-run')) {
    console.log(JSON.stringify(describeWorkerSource(), null, 2));
    process.exit(0);
  }
  ensureMediasoupWorker({
    quiet: args.includes('--quiet'),
    forceBuild: args.includes('--force-build'),
    noDownload: args.includes('--no-download'),
  }).catch((err) => {
    console.error(`mediasoup-worker: ${err.message}`);
    process.exit(1);
  });
}
