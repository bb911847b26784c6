// Makes sure out/ (electron-vite build of main, preloads and renderer) exists and is newer than its sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const OUT = join(ROOT, 'out');
const SOURCES = ['main', 'preload', 'sdk', 'protocol', 'renderer', 'electron.vite.config.ts'];

function newest(p: string): number {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return /\.(test|spec)\.ts$/.test(p) ? 0 : st.mtimeMs;
  let n = 0;
  for (const e of readdirSync(p)) if (e !== 'node_modules' && !e.startsWith('.')) n = Math.max(n, newest(join(p, e)));
  return n;
}

export function ensureDesktopBuild(): void {
  const built = statSync(join(OUT, 'main', 'index.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(...SOURCES.map((s) => newest(join(ROOT, s))));
  if (built >= sources) return;
  console.log(`${built ? 'out/ is older than the sources' : 'no out/'}: running electron-vite build`);
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
}
