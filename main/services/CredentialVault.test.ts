import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { FakeSafeStorage } from '../testing/fakes.js';
import { CredentialVault } from './CredentialVault.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function vault(safe = new FakeSafeStorage()) {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-vault-'));
  dirs.push(dir);
  const file = join(dir, 'sign-in.json');
  return { v: new CredentialVault({ file, safeStorage: safe }), file, safe };
}

const entry = { serverAddr: 'https://phone.example.com', appID: 'acme', UID: 'alice', refreshToken: 'r'.repeat(43) };

test('remember me: the refresh credential is kept encrypted through safeStorage and read back', () => {
  const { v, file } = vault();
  assert.equal(v.save(entry), true);
  const onDisk = readFileSync(file, 'utf8');
  assert.ok(!onDisk.includes(entry.refreshToken), 'no plain credential on disk');
  assert.ok(!onDisk.includes('alice'));
  assert.deepEqual(v.load(), entry);
  v.clear();
  assert.equal(v.load(), null);
});

test('without OS encryption nothing is stored (the user types the password next time)', () => {
  const safe = new FakeSafeStorage();
  safe.available = false;
  const { v, file } = vault(safe);
  assert.equal(v.save(entry), false);
  assert.throws(() => readFileSync(file));
  assert.equal(v.load(), null);
});

test('a tampered, foreign or malformed file is dropped, and a malformed entry is refused', () => {
  const { v, file } = vault();
  writeFileSync(file, JSON.stringify({ v: 1, sealed: Buffer.from('plain text').toString('base64') }));
  assert.equal(v.load(), null);
  assert.throws(() => readFileSync(file), 'the unreadable file was removed');
  writeFileSync(file, '{not json');
  assert.equal(v.load(), null);
  assert.equal(v.save({ ...entry, refreshToken: 'short' }), false);
  // A password-looking field is not part of the schema and never written.
  assert.equal(v.save({ ...entry, password: 'hunter2-hunter2' } as typeof entry), true);
  assert.ok(!readFileSync(file, 'utf8').includes('hunter2'));
  assert.deepEqual(v.load(), entry);
});
