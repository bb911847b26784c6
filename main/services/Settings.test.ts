import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { FakeLoginItem } from '../testing/fakes.js';
import { Settings } from './Settings.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crvideo-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('defaults, then saved changes survive a restart', () => {
  const file = join(dir, 'sub', 'settings.json');
  const loginItem = new FakeLoginItem();
  const s = Settings.create({ file, loginItem });
  assert.deepEqual(s.data, { openAtLogin: false, serverAddr: null, companyCaFile: null, companyCaPem: null });
  s.setOpenAtLogin(true);
  s.setServerAddr('https://phone.example.com');
  s.setCompanyCaFile(' /etc/acme/ca.pem ');
  assert.deepEqual(loginItem.calls, [true], 'registered with the system');
  const again = Settings.create({ file, loginItem: new FakeLoginItem() });
  assert.deepEqual(again.data, {
    openAtLogin: true,
    serverAddr: 'https://phone.example.com',
    companyCaFile: '/etc/acme/ca.pem',
    companyCaPem: null,
  });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), again.data);
});

test('a broken or foreign file falls back to defaults instead of crashing', () => {
  const file = join(dir, 'settings.json');
  for (const text of ['{not json', '{"openAtLogin":"yes"}', '[]']) {
    writeFileSync(file, text);
    assert.deepEqual(Settings.create({ file, loginItem: new FakeLoginItem() }).data, {
      openAtLogin: false,
      serverAddr: null,
      companyCaFile: null,
      companyCaPem: null,
    });
  }
  writeFileSync(file, '{"serverAddr":"10.0.0.2:8080","future":1}');
  assert.deepEqual(Settings.create({ file, loginItem: new FakeLoginItem() }).data, {
    openAtLogin: false,
    serverAddr: '10.0.0.2:8080',
    companyCaFile: null,
    companyCaPem: null,
  });
});
