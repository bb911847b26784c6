// "Remember me" of the desktop app over the vault:* channels: the page's refresh credential goes to the
// OS keychain (safeStorage stand-in), only from the main window's own page, only well-formed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { Channels } from '../../sdk/bridge/channels.js';
import { startTestServer } from '../../server/testing/fixtures.js';
import { FakeIpc, FakeSafeStorage, PAGE_SENDER } from '../testing/fakes.js';
import { startDesktop } from '../testing/harness.js';
import { CredentialVault } from './CredentialVault.js';
import { VaultService } from './VaultService.js';

const dirs: string[] = [];
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = { serverAddr: 'https://phone.example.com', appID: 'acme', UID: 'alice', refreshToken: 'r'.repeat(43) };
const STRANGER = { webContentsId: 7, frameUrl: 'https://evil.example/', isMainFrame: true };

function setup(safe = new FakeSafeStorage()) {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-vault-svc-'));
  dirs.push(dir);
  const file = join(dir, 'remembered-sign-in.json');
  const ipc = new FakeIpc();
  const service = VaultService.create({
    ipc,
    vault: new CredentialVault({ file, safeStorage: safe }),
    isTrusted: (s) => s.webContentsId === PAGE_SENDER.webContentsId && s.frameUrl === PAGE_SENDER.frameUrl,
  });
  closers.push(() => service.close());
  return { ipc, file, safe, service };
}

test('the page remembers a sign-in in the keychain, reads it back after a restart, and forgets it', async () => {
  const { ipc, file } = setup();
  assert.equal(await ipc.invoke(Channels.vaultLoad, undefined), null, 'nothing remembered yet');
  assert.equal(await ipc.invoke(Channels.vaultSave, entry), true);
  assert.ok(!readFileSync(file, 'utf8').includes(entry.refreshToken), 'the credential is encrypted on disk');
  // The next start: a new service over the same file.
  const again = new FakeIpc();
  const svc = VaultService.create({
    ipc: again,
    vault: new CredentialVault({ file, safeStorage: new FakeSafeStorage() }),
    isTrusted: () => true,
  });
  closers.push(() => svc.close());
  assert.deepEqual(await again.invoke(Channels.vaultLoad, undefined), entry);
  assert.equal(await ipc.invoke(Channels.vaultClear, undefined), true);
  assert.equal(existsSync(file), false);
  assert.equal(await again.invoke(Channels.vaultLoad, undefined), null);
});

test('another page or frame can neither read nor overwrite nor clear the remembered sign-in', async () => {
  const { ipc } = setup();
  await ipc.invoke(Channels.vaultSave, entry);
  assert.equal(await ipc.invoke(Channels.vaultLoad, undefined, STRANGER), null);
  assert.equal(await ipc.invoke(Channels.vaultSave, { ...entry, UID: 'mallory' }, STRANGER), false);
  assert.equal(await ipc.invoke(Channels.vaultClear, undefined, STRANGER), false);
  assert.deepEqual(await ipc.invoke(Channels.vaultLoad, undefined), entry, 'still the page’s own');
});

test('hostile payloads are refused without a crash and store nothing', async () => {
  const { ipc, file } = setup();
  for (const bad of [
    null,
    'alice',
    { ...entry, refreshToken: 'short' },
    { ...entry, UID: '' },
    { ...entry, refreshToken: 'x'.repeat(10_000) },
    { serverAddr: entry.serverAddr, UID: 'alice' },
  ]) {
    assert.equal(await ipc.invoke(Channels.vaultSave, bad), false, JSON.stringify(bad)?.slice(0, 60));
  }
  assert.equal(existsSync(file), false);
});

test('without OS encryption nothing is remembered (the user types the password next time)', async () => {
  const safe = new FakeSafeStorage();
  safe.available = false;
  const { ipc, file } = setup(safe);
  assert.equal(await ipc.invoke(Channels.vaultSave, entry), false);
  assert.equal(existsSync(file), false);
  assert.equal(await ipc.invoke(Channels.vaultLoad, undefined), null);
});

test('the desktop app wires the vault: the page bridge saves and loads through main', async () => {
  const server = await startTestServer();
  closers.push(() => server.dispose());
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-vault-app-'));
  dirs.push(dir);
  const vault = new CredentialVault({ file: join(dir, 'remembered-sign-in.json'), safeStorage: new FakeSafeStorage() });
  const d = await startDesktop(server, { vault });
  closers.unshift(() => d.close());
  const { fakeBridge } = await import('../testing/harness.js');
  const bridge = fakeBridge(d.ipc, d.page);
  assert.equal(await bridge.vaultSave(entry), true);
  assert.deepEqual(await bridge.vaultLoad(), entry);
  assert.deepEqual(vault.load(), entry);
  assert.equal(await bridge.vaultClear(), true);
  assert.equal(await bridge.vaultLoad(), null);
});
