// The installers' configuration (electron-builder.yml, build/installer.nsh) against the faults a first
// real install would hit: no AppImage (it aborts on Ubuntu 24.04+), the deb's run-time libraries, and
// crvideo: links registered by the Windows installer and removed by its uninstaller.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './testing/build.js';

// js-yaml is electron-builder's own YAML reader (a dependency of it), so the config reads as it does.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  linux: { target: string[] };
  deb: { depends: string[] };
  nsis: { include: string; perMachine: boolean };
  protocols: Array<{ schemes: string[] }>;
};

test('Linux ships the deb (it carries the AppArmor profile Ubuntu 24.04+ needs), no AppImage', () => {
  assert.deepEqual(config.linux.target, ['deb']);
  assert.equal('appImage' in config, false);
});

test('the deb depends on ALSA under either name and on GBM, besides electron-builder defaults', () => {
  const d = config.deb.depends;
  assert.ok(d.includes('libasound2 | libasound2t64'), d.join(', '));
  assert.ok(d.includes('libgbm1'));
  for (const lib of ['libgtk-3-0', 'libnss3', 'libnotify4', 'xdg-utils', 'libsecret-1-0'])
    assert.ok(d.includes(lib), lib);
});

test('the Windows installer registers crvideo: for the app and the uninstaller removes it', () => {
  assert.deepEqual(config.protocols[0]?.schemes, ['crvideo']);
  const nsh = readFileSync(join(ROOT, 'build', config.nsis.include.replace(/^build\//, '')), 'utf8');
  const install = /!macro customInstall([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
  const uninstall = /!macro customUnInstall([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
  assert.match(install, /WriteRegStr SHELL_CONTEXT "Software\\Classes\\crvideo" "URL Protocol" ""/);
  assert.match(install, /"Software\\Classes\\crvideo\\shell\\open\\command" "" '"\$appExe" "%1"'/);
  assert.match(uninstall, /DeleteRegKey SHELL_CONTEXT "Software\\Classes\\crvideo"/);
});
