// TLS: the server serves https/wss with a certificate from a throw-away CA (openssl, in the test);
// an SDK client trusting that CA signs in, one that does not gets 209; SIGHUP / reloadTls swaps the pair.
import assert from 'node:assert/strict';
import { get } from 'node:https';
import { after, afterEach, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { createCRVideo, md5Hex, SdkErr } from '../sdk/index.js';
import { makeTestCerts, type TestCerts } from './testing/certs.js';
import { closeClients, next, startTestServer, TEST_APP, type TestServer } from './testing/fixtures.js';
import { spawnServer } from './testing/serverProcess.js';

function loginOutcome(url: string, tls: { ca?: string }): Promise<number> {
  const c = createCRVideo({ serverAddr: url, tls, log: () => undefined });
  const ok = next(c, 'CRVideo_LoginSuccess').then(() => 0);
  const fail = next(c, 'CRVideo_LoginFail').then(([code]) => code);
  c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'x', `u${Math.random()}`.slice(0, 12), '');
  return Promise.race([ok, fail]).finally(() => c.CRVideo_Logout());
}

/** SHA-256 fingerprint of the certificate the server presents to a new connection. */
function presented(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.end();
    });
    s.on('error', reject);
  });
}

function fingerprint(pem: string): Promise<string> {
  return import('node:crypto').then(({ X509Certificate }) => new X509Certificate(pem).fingerprint256);
}

describe('TLS', () => {
  let certs: TestCerts;
  let other: TestCerts;
  let server: TestServer;
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
  afterEach(closeClients);

  test('startServer({ tls }) serves https and wss; its url says https://', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) =>
      get(`${server.url}/healthz`, { ca: certs.ca }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => {
          b += d.toString();
        });
        res.on('end', () => resolve(b));
      }).on('error', reject),
    );
    assert.equal(body, '{"ok":true}');
    assert.equal(await loginOutcome(server.url, { ca: certs.ca }), 0);
    // wss:// written out works the same.
    assert.equal(await loginOutcome(server.url.replace('https', 'wss'), { ca: certs.ca }), 0);
  });

  test('a client that does not trust the certificate is refused with 209, for a login and a token request', async () => {
    assert.equal(await loginOutcome(server.url, {}), SdkErr.SSL_ERR);
    assert.equal(await loginOutcome(server.url, { ca: other.ca }), SdkErr.SSL_ERR);
    const c = createCRVideo({ serverAddr: server.url, log: () => undefined });
    const r = next(c, 'CRVideo_GetUserTokenRslt');
    c.CRVideo_GetUserToken('alice', 'whatever-password');
    assert.equal((await r)[0], SdkErr.SSL_ERR);
  });

  test('reloadTls swaps the certificate for new connections', async () => {
    const s = await startTestServer({ tls: { cert: certs.cert, key: certs.key } });
    try {
      assert.equal(await loginOutcome(s.url, { ca: other.ca }), SdkErr.SSL_ERR);
      s.reloadTls({ cert: other.cert, key: other.key });
      assert.equal(await presented(s.url), await fingerprint(other.cert));
      assert.equal(await loginOutcome(s.url, { ca: other.ca }), 0);
    } finally {
      await s.dispose();
    }
  });

  test('the CLI: --tls-cert/--tls-key serve https; SIGHUP reloads the files', async () => {
    const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'crvideo-tls-cli-'));
    copyFileSync(certs.certFile, join(dir, 'cert.pem'));
    copyFileSync(certs.keyFile, join(dir, 'key.pem'));
    const proc = await spawnServer([
      '--no-media',
      '--data',
      join(dir, 'data'),
      '--app',
      `${TEST_APP.appID}:${TEST_APP.appSecret}`,
      '--tls-cert',
      join(dir, 'cert.pem'),
      '--tls-key',
      join(dir, 'key.pem'),
    ]);
    try {
      assert.match(proc.url, /^https:\/\//);
      assert.equal(await presented(proc.url), await fingerprint(certs.cert));
      // A renewed certificate lands on disk; SIGHUP makes the running server use it.
      copyFileSync(other.certFile, join(dir, 'cert.pem'));
      copyFileSync(other.keyFile, join(dir, 'key.pem'));
      const reloaded = new Promise<void>((resolve) =>
        proc.child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('TLS certificate reloaded')) resolve();
        }),
      );
      proc.child.kill('SIGHUP');
      await reloaded;
      assert.equal(await presented(proc.url), await fingerprint(other.cert));
      assert.equal(await loginOutcome(proc.url, { ca: other.ca }), 0);
    } finally {
      proc.child.kill('SIGTERM');
      await new Promise((r) => proc.child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
