// userAuth 'webhook': the server asks the customer's backend (a real local HTTPS server whose
// certificate a throw-away CA signed, made with openssl) whether userAuthCode proves the UID.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { md5Hex, SdkErr } from '../../sdk/index.js';
import { makeTestCerts, type TestCerts } from '../testing/certs.js';
import { closeClients, newClient, next, startTestServer, TEST_APP, type TestServer } from '../testing/fixtures.js';

async function loginWith(server: TestServer, UID: string, code: string): Promise<number> {
  const c = newClient(server);
  const ok = next(c, 'CRVideo_LoginSuccess', 8000).then(() => 0);
  const fail = next(c, 'CRVideo_LoginFail', 8000).then(([err]) => err);
  c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), UID, UID, code);
  return Promise.race([ok, fail]);
}

describe("userAuth: 'webhook'", () => {
  let certs: TestCerts;
  let backend: Server;
  let backendUrl: string;
  const asked: unknown[] = [];
  const servers: TestServer[] = [];

  before(async () => {
    certs = makeTestCerts();
    backend = createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const q = JSON.parse(body) as { appID: string; UID: string; userAuthCode: string };
        asked.push({ ...q, auth: req.headers.authorization });
        if (q.userAuthCode === 'hang') return; // never answers: the server's timeout decides
        if (q.userAuthCode === 'boom') return void res.writeHead(500).end();
        res.writeHead(q.userAuthCode === `code-of-${q.UID}` ? 204 : 401).end();
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `https://127.0.0.1:${(backend.address() as AddressInfo).port}/verify`;
  });
  after(async () => {
    for (const s of servers) await s.dispose();
    backend.closeAllConnections();
    await new Promise((r) => backend.close(r));
    certs.dispose();
  });
  afterEach(closeClients);

  const start = async (webhook: { url: string; ca?: string; timeoutMs?: number; bearer?: string }) => {
    const s = await startTestServer({ userAuth: 'webhook', webhook });
    servers.push(s);
    return s;
  };

  test('the backend says yes (2xx) → signed in; no (401) → 17; it was asked with appID, UID and code', async () => {
    const server = await start({ url: backendUrl, ca: certs.ca, bearer: 'hook-secret' });
    assert.equal(await loginWith(server, 'alice', 'code-of-alice'), 0);
    assert.deepEqual(asked.at(-1), {
      appID: TEST_APP.appID,
      UID: 'alice',
      userAuthCode: 'code-of-alice',
      auth: 'Bearer hook-secret',
    });
    assert.equal(await loginWith(server, 'alice', 'code-of-bob'), SdkErr.CUSTOMAUTH_FAILED);
    assert.equal(await loginWith(server, 'alice', ''), SdkErr.CUSTOMAUTH_NOINFO);
    // A person gets a user token the same way.
    const c = newClient(server);
    const r = next(c, 'CRVideo_GetUserTokenRslt');
    c.CRVideo_GetUserToken('bob', 'code-of-bob');
    const [err, result] = await r;
    assert.equal(err, 0);
    assert.equal(result?.UID, 'bob');
  });

  test('a backend that errs, hangs past the timeout or has an untrusted certificate → 16', async () => {
    const server = await start({ url: backendUrl, ca: certs.ca, timeoutMs: 400 });
    assert.equal(await loginWith(server, 'alice', 'boom'), SdkErr.CUSTOMAUTH_EXCEPTION);
    const t0 = Date.now();
    assert.equal(await loginWith(server, 'alice', 'hang'), SdkErr.CUSTOMAUTH_EXCEPTION);
    assert.ok(Date.now() - t0 < 3000);
    const untrusting = await start({ url: backendUrl });
    assert.equal(await loginWith(untrusting, 'alice', 'code-of-alice'), SdkErr.CUSTOMAUTH_EXCEPTION);
  });
});
