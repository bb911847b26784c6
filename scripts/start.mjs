#!/usr/bin/env node
// `npm start`: runs the CRVideo server from dist/ (npm runs scripts/setup.mjs first, which builds dist/).
// First version: the server only; the Electron client will be started from here too.
// Usage: node scripts/start.mjs [server args...]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
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

const child = spawn(process.execPath, [CLI, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => child.kill(sig));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
});
