#!/usr/bin/env node
// Checks that the BUILT desktop app (out/main, out/preload, out/renderer from `electron-vite build`) still
// carries its security settings: context isolation, sandbox, no Node in pages, web security, new windows
// denied, navigation prevented, permission handlers, the CSP, and preloads that expose only the bridge.
// Usage: node scripts/check-electron-security.mjs [outDir]   (default: out). Exit 1 when a check fails,
// 2 when there is no build to check.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TRUE = '(?:true|!0)';
const FALSE = '(?:false|!1)';
const Q = String.raw`["'\`]`;

/** `key: value` as a bundler may print it (quoted or not, true or !0). */
const prop = (key, value) => new RegExp(String.raw`${Q}?${key}${Q}?\s*:\s*${value}\b`);

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Runs every check on a build folder. Returns `{ ok, results: [{ name, ok, detail }] }`; a missing file
 * is a failed check, not an exception.
 */
export function checkElectronSecurity(outDir = path.join(ROOT, 'out')) {
  const results = [];
  const check = (name, ok, detail = '') => results.push({ name, ok: Boolean(ok), detail });

  const mainFile = path.join(outDir, 'main', 'index.js');
  const main = read(mainFile);
  check('built main exists', main !== null, path.relative(ROOT, mainFile));
  if (main !== null) {
    check('contextIsolation: true', prop('contextIsolation', TRUE).test(main));
    check('sandbox: true', prop('sandbox', TRUE).test(main));
    check('nodeIntegration: false', prop('nodeIntegration', FALSE).test(main));
    check('webSecurity: true', prop('webSecurity', TRUE).test(main));
    for (const [key, bad] of [
      ['contextIsolation', FALSE],
      ['sandbox', FALSE],
      ['nodeIntegration', TRUE],
      ['nodeIntegrationInSubFrames', TRUE],
      ['nodeIntegrationInWorker', TRUE],
      ['webSecurity', FALSE],
      ['allowRunningInsecureContent', TRUE],
      ['webviewTag', TRUE],
    ]) {
      check(`never ${key}: ${bad === TRUE ? 'true' : 'false'}`, !prop(key, bad).test(main));
    }
    const windows = main.match(/new BrowserWindow\(/g)?.length ?? 0;
    // `webPreferences: secure(…)` or `{ ...secure(…), <the same keys spelled out for Electronegativity> }`.
    const prefs = [...main.matchAll(/webPreferences\s*:\s*(?:\{\s*\.\.\.)?([A-Za-z_$][\w$]*)\(/g)].map((m) => m[1]);
    const allPrefs = main.match(/webPreferences\s*:/g)?.length ?? 0;
    check(
      'every BrowserWindow gets the shared secure webPreferences',
      windows > 0 && prefs.length === allPrefs && prefs.every((f) => f === prefs[0]) && allPrefs >= windows,
      `${windows} window(s), webPreferences from ${[...new Set(prefs)].join(', ') || 'nothing'}`,
    );
    check(
      'setWindowOpenHandler denies new windows',
      /setWindowOpenHandler\(/.test(main) && new RegExp(String.raw`action\s*:\s*${Q}deny${Q}`).test(main),
    );
    check('no window.open is ever allowed', !new RegExp(String.raw`action\s*:\s*${Q}allow${Q}`).test(main));
    check(
      "'will-navigate' is prevented",
      new RegExp(String.raw`on\(\s*${Q}will-navigate${Q}\s*,[^]{0,300}?preventDefault\(\)`).test(main),
    );
    check(
      "'will-redirect' is prevented",
      new RegExp(String.raw`on\(\s*${Q}will-redirect${Q}\s*,[^]{0,300}?preventDefault\(\)`).test(main),
    );
    check('permission request handler installed', /setPermissionRequestHandler\(/.test(main));
    check('permission check handler installed', /setPermissionCheckHandler\(/.test(main));
    check(
      "permissions granted only for 'media'",
      new RegExp(String.raw`permission\s*!==\s*${Q}media${Q}|${Q}media${Q}\s*!==\s*permission`).test(main),
    );
    check('remote requests blocked (webRequest.onBeforeRequest)', /onBeforeRequest\(/.test(main));
    const csp = main.match(/default-src 'self'[^"'`]*/)?.[0] ?? '';
    check('a Content-Security-Policy is sent', /Content-Security-Policy/.test(main) && csp !== '', csp);
    check(
      'the CSP allows no eval and no remote script',
      csp !== '' && !/unsafe-eval|script-src[^;]*(https?:|\*)/.test(main),
    );
    check('pages load from the app:// scheme, not http', /registerSchemesAsPrivileged\(/.test(main));
  }

  const preloadDir = path.join(outDir, 'preload');
  let preloads = [];
  try {
    preloads = fs.readdirSync(preloadDir).filter((f) => /\.(c?js|mjs)$/.test(f));
  } catch {}
  check('built preloads exist', preloads.length > 0, path.relative(ROOT, preloadDir));
  for (const f of preloads) {
    const src = read(path.join(preloadDir, f)) ?? '';
    const requires = [...src.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    check(
      `${f}: requires nothing but electron (sandbox)`,
      requires.every((r) => r === 'electron'),
      requires.join(', '),
    );
    check(`${f}: CommonJS (sandboxed preloads cannot be ES modules)`, !/^\s*(import|export)\s/m.test(src));
    const exposed = [...src.matchAll(/exposeInMainWorld\(\s*([^,]+),\s*([^)]+)\)/g)];
    check(
      `${f}: never exposes ipcRenderer or Node itself`,
      exposed.every((m) => !/ipcRenderer|require|process/.test(m[2])) &&
        !/exposeInMainWorld\([^)]*ipcRenderer\s*\)/.test(src),
    );
    if (f.startsWith('index')) {
      check(`${f}: exposes exactly one bridge object`, exposed.length === 1, exposed.map((m) => m[1]).join(', '));
    } else {
      check(`${f}: exposes nothing`, exposed.length === 0);
    }
  }

  const html = read(path.join(outDir, 'renderer', 'index.html'));
  check('built renderer exists', html !== null);
  if (html !== null) {
    check('the page loads no remote script or style', !/<(script|link)[^>]+(src|href)=["']?(https?:)?\/\//i.test(html));
  }
  return { ok: results.every((r) => r.ok), results };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'out'));
  if (!fs.existsSync(path.join(outDir, 'main'))) {
    console.error(
      `check-electron-security: no build in ${path.relative(ROOT, outDir) || '.'}: run \`npm run build\` first`,
    );
    process.exit(2);
  }
  const { ok, results } = checkElectronSecurity(outDir);
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? `  (${r.detail})` : ''}`);
  console.log(ok ? 'electron security: all checks passed' : 'electron security: FAILED');
  process.exit(ok ? 0 : 1);
}
