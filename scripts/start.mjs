#!/usr/bin/env node
// `npm start`: runs the CRVideo server from dist/ (npm runs scripts/setup.mjs first, which builds dist/).
// With an Electron binary it also starts the desktop app (out/, built by setup) against that server, or
// only the desktop app when a server address is configured; without one it says why and serves the web app.
// Usage: node scripts/start.mjs [server args...]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'server', 'cli.js');

if (!fs.existsSync(CLI)) {
  console.error(
    `start: ${path.relative(ROOT, CLI)} not found. The server CLI (server/cli.ts) is not written yet, ` +
      'or the build has not run: try `npm run setup` (or `npm run build`).',
  );
  process.exit(1);
}

const desktop = desktopPlan();
if (desktop.bin && desktop.configuredServer) {
  console.log(`start: desktop app against the configured server ${desktop.configuredServer} (no local server)`);
  launchDesktop(desktop.bin, null, (code) => process.exit(code));
} else {
  if (!desktop.bin) console.log(`start: ${desktop.why}; starting the server and the web app instead`);
  const child = spawn(process.execPath, [CLI, '--dev-user', ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: ['inherit', desktop.bin ? 'pipe' : 'inherit', 'inherit'],
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
  });
  if (desktop.bin) startDesktopWithServer(desktop.bin, child);
}

// ---- Desktop app (issue 5): everything below decides whether and how the Electron app starts. ----

/** Where Electron keeps the app's profile (main/index.ts: userData = appData/CRVideo Phone). */
function desktopSettingsFile() {
  if (process.env.CRVIDEO_USER_DATA) return path.join(process.env.CRVIDEO_USER_DATA, 'settings.json');
  const home = os.homedir();
  const appData =
    process.platform === 'win32'
      ? (process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? path.join(home, 'Library', 'Application Support')
        : (process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'));
  return path.join(appData, 'CRVideo Phone', 'settings.json');
}

/**
 * Whether the desktop app can start here (`bin`: the Electron executable, else `why` not) and whether a
 * server address is configured (CRVIDEO_SERVER, or one saved in the app's settings), which means no
 * local server is needed.
 */
function desktopPlan() {
  const plan = { bin: null, why: '', configuredServer: process.env.CRVIDEO_SERVER || null };
  if (!fs.existsSync(path.join(ROOT, 'out', 'main', 'index.js'))) {
    plan.why = 'desktop app not built (out/main/index.js missing: run `npm run build`)';
    return plan;
  }
  try {
    const bin = createRequire(import.meta.url)('electron');
    if (typeof bin === 'string' && fs.existsSync(bin)) plan.bin = bin;
  } catch {}
  if (!plan.bin) {
    plan.why = 'no Electron binary on this machine (electron was installed without its binary download)';
    return plan;
  }
  if (!plan.configuredServer) {
    try {
      const saved = JSON.parse(fs.readFileSync(desktopSettingsFile(), 'utf8')).serverAddr;
      if (typeof saved === 'string' && saved) plan.configuredServer = saved;
    } catch {}
  }
  return plan;
}

/** Starts the desktop app (`--server=URL` when we run the server ourselves); `onExit(code)` when it ends. */
function launchDesktop(bin, serverUrl, onExit) {
  const args = [path.join(ROOT, 'out', 'main', 'index.js')];
  if (serverUrl) args.push(`--server=${serverUrl}`);
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  const app = spawn(bin, args, { cwd: ROOT, stdio: 'inherit' });
  app.on('error', (err) => {
    console.error(`start: the desktop app could not start: ${err.message}`);
    onExit(1);
  });
  app.on('exit', (code, signal) => onExit(code ?? (signal ? 1 : 0)));
  return app;
}

/** Passes the server's output through; once it printed its URL, starts the desktop app against it. */
function startDesktopWithServer(bin, server) {
  let buffered = '';
  let launched = false;
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (launched) return;
    buffered += chunk.toString();
    const url = buffered.match(/CRVideo Phone server: (\S+)/)?.[1];
    if (!url) return;
    launched = true;
    const startedAt = Date.now();
    console.log(`start: desktop app against ${url}`);
    launchDesktop(bin, url, (code) => {
      if (code !== 0 && Date.now() - startedAt < 10_000) {
        // E.g. no display: keep serving the web app rather than quitting.
        console.log(`start: the desktop app exited (code ${code}); the web app stays at ${url}/`);
        return;
      }
      server.kill('SIGTERM');
    });
  });
}
