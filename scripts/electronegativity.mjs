#!/usr/bin/env node
// Electronegativity (Doyensec's Electron security linter) over the desktop app: the sources of main and
// the preloads together, and the built output (out/). Findings listed in scripts/electronegativity.json
// are accepted there with the reason; any other finding, or a file the linter cannot parse, fails.
// Usage: node scripts/electronegativity.mjs [--out DIR]   (default DIR: out). Exit 0 clean, 1 findings.
//
// Its AST walker predates class private fields (#x), which the built bundles use: the built files are
// lowered to ES2020 (esbuild) in a temporary copy first, so every file is really read.
// AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK is left out: it downloads Electron's release list (no network here).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_VERSION = '41.7.1';
const require = createRequire(import.meta.url);

function files(dir, keep, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** main/ and preload/ sources without tests and test helpers, side by side (global checks see both). */
function copySources(into) {
  for (const part of ['main', 'preload']) {
    const keep = (p) => /\.(ts|html)$/.test(p) && !/\.test\.ts$/.test(p) && !p.includes(`${part}/testing/`);
    for (const f of files(join(ROOT, part), keep)) {
      const to = join(into, relative(ROOT, f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
    }
  }
}

/** out/ with its scripts lowered to ES2020 (same file names). */
function copyBuilt(outDir, into) {
  cpSync(outDir, into, { recursive: true });
  for (const f of files(into, (p) => /\.(c|m)?js$/.test(p))) {
    const code = transformSync(readFileSync(f, 'utf8'), {
      target: 'es2020',
      format: f.endsWith('.cjs') ? 'cjs' : 'esm',
      loader: 'js',
      logLevel: 'silent',
    }).code;
    writeFileSync(f, code);
  }
}

async function scan(dir) {
  const run = require('@doyensec/electronegativity/dist/runner.js');
  const quiet = console.log;
  console.log = () => {}; // its locale loader prints a network warning
  try {
    return await run({
      input: dir,
      isRelative: true,
      excludeFromScan: ['availablesecurityfixesglobalcheck'],
      electronVersionOverride: ELECTRON_VERSION,
    });
  } finally {
    console.log = quiet;
  }
}

export async function electronegativity(outDir = join(ROOT, 'out')) {
  const config = JSON.parse(readFileSync(join(ROOT, 'scripts', 'electronegativity.json'), 'utf8'));
  const tmp = mkdtempSync(join(tmpdir(), 'crvideo-electronegativity-'));
  const findings = [];
  const accepted = [];
  const unreadable = [];
  try {
    const sets = [
      ['sources', join(tmp, 'sources'), () => copySources(join(tmp, 'sources'))],
      ['built', join(tmp, 'built'), () => copyBuilt(outDir, join(tmp, 'built'))],
    ];
    for (const [name, dir, prepare] of sets) {
      if (name === 'built' && !statSync(outDir, { throwIfNoEntry: false })) {
        unreadable.push(`${outDir}: no build`);
        continue;
      }
      prepare();
      const r = await scan(dir);
      for (const e of r.errors.filter((x) => !x.tolerable))
        unreadable.push(`${name}: ${relative(dir, e.file)}: ${e.message}`);
      for (const i of r.issues) {
        const file = i.file === 'N/A' ? 'N/A' : `${name}/${relative(dir, resolve(dir, i.file))}`;
        const f = {
          check: i.id,
          file,
          line: i.location?.line ?? 0,
          severity: i.severity?.name ?? String(i.severity),
          sample: String(i.sample ?? '').slice(0, 100),
        };
        const ok = config.accepted.find((a) => a.check === f.check && a.file === f.file);
        (ok ? accepted : findings).push(ok ? { ...f, why: ok.why } : f);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ok: findings.length === 0 && unreadable.length === 0, findings, accepted, unreadable };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const r = await electronegativity(i > 0 ? resolve(process.argv[i + 1]) : undefined);
  for (const a of r.accepted) console.log(`accepted  ${a.check} ${a.file}:${a.line} — ${a.why}`);
  for (const f of r.findings) console.log(`FINDING   ${f.check} (${f.severity}) ${f.file}:${f.line} ${f.sample}`);
  for (const u of r.unreadable) console.log(`UNREAD    ${u}`);
  console.log(
    r.ok
      ? `electronegativity: no findings (${r.accepted.length} accepted in scripts/electronegativity.json)`
      : `electronegativity: ${r.findings.length} finding(s), ${r.unreadable.length} unreadable`,
  );
  process.exit(r.ok ? 0 : 1);
}
