// The desktop setting for a self-signed company CA: the PEM file named in settings.json reaches the SDK
// core's TLS options, so the app signs in to a server whose certificate that CA signed; without it (or
// with a file that is no certificate) the page gets LoginFail 209 (SSL_ERR), which the form words.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { SdkErr } from '../../protocol/index.js';
import { md5Hex } from '../../sdk/index.js';
import { makeTestCerts, type TestCerts } from '../../server/testing/certs.js';
import { closeClients, startTestServer, TEST_APP, type TestServer } from '../../server/testing/fixtures.js';
import { startDesktop, type TestDesktop } from '../testing/harness.js';
import { companyTls } from './CompanyCa.js';

describe('company CA (desktop settings → SDK TLS options)', () => {
  let certs: TestCerts;
  let server: TestServer;
  let dir: string;
  const desktops: TestDesktop[] = [];
  before(async () => {
    certs = makeTestCerts();
    server = await startTestServer({ tls: { cert: certs.cert, key: certs.key } });
    dir = mkdtempSync(join(tmpdir(), 'crvideo-ca-'));
  });
  after(async () => {
    await server.dispose();
    certs.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    closeClients();
    for (const d of desktops.splice(0)) await d.close();
  });

  /** Signs in from the page of a desktop started with `settings`; the sdkErr the page sees (0: signed in). */
  async function signInOutcome(settings: Record<string, unknown>, companyCaFile?: string): Promise<number> {
    const d = await startDesktop(server, { settings, ...(companyCaFile !== undefined ? { companyCaFile } : {}) });
    desktops.push(d);
    const done = Promise.race([
      d.pageNext('CRVideo_LoginSuccess').then(() => 0),
      d.pageNext('CRVideo_LoginFail').then((args) => args[0] as number),
    ]);
    d.api.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'Ann', 'ann', '', 'c1');
    return done;
  }

  test('no company CA configured: no TLS options; a PEM file: its CA is trusted besides the public roots', () => {
    assert.deepEqual(companyTls({ companyCaFile: null }), {});
    const ca = companyTls({ companyCaFile: certs.caFile }).ca ?? '';
    assert.ok(ca.includes(certs.ca.trim()), 'the company CA is trusted');
    assert.ok((ca.match(/BEGIN CERTIFICATE/g)?.length ?? 0) > 10, 'the public roots stay trusted');
  });

  test('a missing or non-certificate file is ignored (never a crash, never verification switched off)', () => {
    assert.deepEqual(companyTls({ companyCaFile: join(dir, 'missing.pem') }), {});
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    assert.deepEqual(companyTls({ companyCaFile: junk }), {});
    assert.deepEqual(companyTls({ companyCaFile: certs.keyFile }), {}, 'a private key is not a CA');
  });

  test('with the company CA in the settings the desktop app signs in over wss', async () => {
    assert.match(server.url, /^https:/);
    assert.equal(await signInOutcome({ companyCaFile: certs.caFile }), 0);
  });

  test('without it, or with a file that is no certificate, the page gets LoginFail 209 (SSL_ERR)', async () => {
    assert.equal(await signInOutcome({}), SdkErr.SSL_ERR);
    const junk = join(dir, 'junk2.pem');
    writeFileSync(junk, 'not a certificate');
    assert.equal(await signInOutcome({ companyCaFile: junk }), SdkErr.SSL_ERR);
  });

  test('--company-ca=PATH at launch is saved in the settings and trusted at once; an empty one forgets it', async () => {
    assert.equal(await signInOutcome({}, certs.caFile), 0);
    assert.equal(desktops.at(-1)?.desktop.settings.data.companyCaFile, certs.caFile);
    assert.equal(await signInOutcome({ companyCaFile: certs.caFile }, ''), SdkErr.SSL_ERR);
    assert.equal(desktops.at(-1)?.desktop.settings.data.companyCaFile, null);
  });
});
