// The Settings page's company CA switch, main's end (companyCa:* channels): only the main window's page,
// only PEM certificates within the size cap, kept in the settings and applied to the SDK core's next
// connection; a wrong certificate still gives the page LoginFail 209 (SSL_ERR).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { SdkErr } from '../../protocol/index.js';
import { Channels } from '../../sdk/bridge/channels.js';
import { md5Hex } from '../../sdk/index.js';
import { makeTestCerts, type TestCerts } from '../../server/testing/certs.js';
import { closeClients, startTestServer, TEST_APP, type TestServer } from '../../server/testing/fixtures.js';
import { PAGE_SENDER } from '../testing/fakes.js';
import { startDesktop, type TestDesktop } from '../testing/harness.js';

const STRANGER = { webContentsId: 7, frameUrl: 'https://evil.example/', isMainFrame: true };

describe('company CA from the Settings page', () => {
  let certs: TestCerts;
  let other: TestCerts;
  let server: TestServer;
  const desktops: TestDesktop[] = [];
  before(async () => {
    certs = makeTestCerts();
    other = makeTestCerts();
    server = await startTestServer({ tls: { cert: certs.cert, key: certs.key } });
  });
  after(async () => {
    await server.dispose();
    certs.dispose();
    other.dispose();
  });
  afterEach(async () => {
    closeClients();
    for (const d of desktops.splice(0)) await d.close();
  });

  async function start(settings: Record<string, unknown> = {}): Promise<TestDesktop> {
    const d = await startDesktop(server, { settings });
    desktops.push(d);
    return d;
  }

  /** Signs in from the page; the sdkErr it sees (0: signed in). */
  async function signIn(d: TestDesktop): Promise<number> {
    const done = Promise.race([
      d.pageNext('CRVideo_LoginSuccess').then(() => 0),
      d.pageNext('CRVideo_LoginFail').then((args) => args[0] as number),
    ]);
    d.api.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'Ann', 'ann', '', 'c1');
    const code = await done;
    if (code === 0) {
      d.api.CRVideo_Logout();
      for (let i = 0; i < 100 && d.desktop.host.loggedIn; i++) await new Promise((r) => setTimeout(r, 20));
    }
    return code;
  }

  test('pasting the CA shows its subject and fingerprint, and the same running app then signs in', async () => {
    const d = await start();
    assert.equal(await d.ipc.invoke(Channels.companyCaGet, undefined), null);
    assert.equal(await signIn(d), SdkErr.SSL_ERR, 'untrusted before');
    const reply = (await d.ipc.invoke(Channels.companyCaSet, `\n${certs.ca}\n`)) as {
      ok: boolean;
      info: { certificates: { subject: string; fingerprint256: string; isCa: boolean }[] };
    };
    assert.equal(reply.ok, true);
    const x = new X509Certificate(certs.ca);
    assert.equal(reply.info.certificates[0]?.fingerprint256, x.fingerprint256);
    assert.equal(reply.info.certificates[0]?.subject, x.subject.replace(/\n/g, ', '));
    assert.equal(reply.info.certificates[0]?.isCa, true);
    assert.deepEqual(await d.ipc.invoke(Channels.companyCaGet, undefined), reply.info);
    assert.ok(d.desktop.settings.data.companyCaPem?.includes('BEGIN CERTIFICATE'));
    assert.equal(await signIn(d), 0, 'trusted from the next connection, no restart');
  });

  test('the setting survives a restart; removing it makes the certificate untrusted again', async () => {
    const first = await start();
    await first.ipc.invoke(Channels.companyCaSet, certs.ca);
    const saved = { ...first.desktop.settings.data };
    await first.close();
    desktops.splice(desktops.indexOf(first), 1);
    const d = await start(saved);
    assert.equal(await signIn(d), 0);
    assert.equal(await d.ipc.invoke(Channels.companyCaClear, undefined), true);
    assert.equal(await d.ipc.invoke(Channels.companyCaGet, undefined), null);
    assert.equal(d.desktop.settings.data.companyCaPem, null);
    assert.equal(await signIn(d), SdkErr.SSL_ERR);
  });

  test('a wrong CA is stored as asked, and the server is still refused with 209', async () => {
    const d = await start();
    assert.equal(((await d.ipc.invoke(Channels.companyCaSet, other.ca)) as { ok: boolean }).ok, true);
    assert.equal(await signIn(d), SdkErr.SSL_ERR);
  });

  test('only PEM certificates within the cap: keys, junk, broken certificates and huge text are refused', async () => {
    const d = await start();
    const problem = async (payload: unknown) =>
      ((await d.ipc.invoke(Channels.companyCaSet, payload)) as { ok: boolean; problem?: string }).problem;
    assert.equal(await problem('not a certificate'), 'notPem');
    assert.equal(await problem(certs.key), 'notPem', 'a private key is no CA');
    assert.equal(await problem(`${certs.ca}\n${certs.key}`), 'notPem', 'nothing but certificates');
    assert.equal(await problem({ pem: certs.ca }), 'notPem');
    assert.equal(await problem(42), 'notPem');
    assert.equal(await problem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'badCertificate');
    assert.equal(await problem(`${certs.ca}\n${' '.repeat(70 * 1024)}`), 'tooLarge');
    assert.equal(await problem(Array(9).fill(certs.ca).join('\n')), 'tooLarge');
    assert.equal(d.desktop.settings.data.companyCaPem, null, 'nothing was stored');
    // A chain (two CAs) is fine.
    const chain = (await d.ipc.invoke(Channels.companyCaSet, `${certs.ca}\n${other.ca}`)) as {
      info: { certificates: unknown[] };
    };
    assert.equal(chain.info.certificates.length, 2);
  });

  test('another page or frame can neither read, set nor remove the company CA', async () => {
    const d = await start();
    await d.ipc.invoke(Channels.companyCaSet, certs.ca, PAGE_SENDER);
    const before = d.desktop.settings.data.companyCaPem;
    assert.equal(await d.ipc.invoke(Channels.companyCaGet, undefined, STRANGER), null);
    assert.deepEqual(await d.ipc.invoke(Channels.companyCaSet, other.ca, STRANGER), { ok: false, problem: 'refused' });
    assert.equal(await d.ipc.invoke(Channels.companyCaClear, undefined, STRANGER), false);
    assert.equal(d.desktop.settings.data.companyCaPem, before);
  });
});
