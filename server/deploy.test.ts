// The README's "Deploying" set-up, step by step: the shipped nginx config (deploy/nginx-crvideo.conf)
// in front of the server with a certificate from a throw-away CA, an account made by the admin, a
// person signing in with their password over wss through nginx. Skipped, with the reason, where
// Debian's nginx is not installed.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createCRVideo, md5Hex, SdkErr } from '../sdk/index.js';
import { makeTestCerts, type TestCerts } from './testing/certs.js';
import { closeClients, next, startTestServer, TEST_APP, type TestServer } from './testing/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const hasNginx = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('Deploying: nginx with TLS in front, accounts, sign-in over wss', {
  skip: hasNginx ? false : 'nginx not installed (apt package nginx)',
}, () => {
  let certs: TestCerts;
  let server: TestServer;
  let nginx: ChildProcess;
  let dir: string;
  let url: string;

  before(async () => {
    certs = makeTestCerts();
    server = await startTestServer({
      userAuth: 'accounts',
      trustProxy: true,
      // Small per-address budget, so the proxy test below reaches the lockout quickly.
      limits: { loginFreeFailuresPerAddress: 3, loginLockoutFailuresPerAddress: 3, loginLockoutMs: 60_000 },
    });
    await server.accounts.add({ appID: TEST_APP.appID, UID: 'alice', password: 'alice-password-1' });
    dir = mkdtempSync(join(tmpdir(), 'crvideo-nginx-'));
    const port = await freePort();
    const site = readFileSync(join(ROOT, 'deploy/nginx-crvideo.conf'), 'utf8')
      .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
      .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${certs.certFile};`)
      .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${certs.keyFile};`)
      .replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${server.port}`);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;\n` +
        `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n${site}\n}\n`,
    );
    nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    url = `https://localhost:${port}`;
    // Wait until nginx answers.
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const c = connect(port, '127.0.0.1', () => {
          c.end();
          resolve(true);
        });
        c.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    closeClients();
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await new Promise((r) => nginx.once('exit', r));
    }
    await server?.dispose();
    certs?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a person signs in with their password through nginx (https + wss upgrade); a wrong password is 17', async () => {
    const c = createCRVideo({ serverAddr: url, tls: { ca: certs.ca }, log: () => undefined });
    try {
      const bad = next(c, 'CRVideo_GetUserTokenRslt');
      c.CRVideo_GetUserToken('alice', 'wrong-password');
      assert.equal((await bad)[0], SdkErr.CUSTOMAUTH_FAILED);
      const good = next(c, 'CRVideo_GetUserTokenRslt');
      c.CRVideo_GetUserToken('alice', 'alice-password-1');
      const [err, result] = await good;
      assert.equal(err, 0);
      assert.ok(result);
      const ok = next(c, 'CRVideo_LoginSuccess');
      c.CRVideo_LoginByToken(result.token, 'Alice', 'alice', '');
      assert.equal((await ok)[0], 'alice');
    } finally {
      c.CRVideo_Logout();
    }
  });

  test('--trust-proxy counts people, not nginx: a guesser is locked out by its own address, forged X-Forwarded-For or not', async () => {
    /** A wire login through nginx from `localAddress`, with an optional forged X-Forwarded-For. */
    const attempt = async (localAddress: string, UID: string, code: string, forged?: string): Promise<number> => {
      const ws = new WebSocket(`${url.replace(/^https/, 'wss')}/ws`, {
        ca: certs.ca,
        localAddress,
        ...(forged ? { headers: { 'X-Forwarded-For': forged } } : {}),
      });
      try {
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        const reply = new Promise<{ err: number }>((resolve) =>
          ws.once('message', (d) => resolve(JSON.parse(d.toString()) as { err: number })),
        );
        const payload = { appID: TEST_APP.appID, md5AppSecret: md5Hex(TEST_APP.appSecret), UID, nickname: UID };
        ws.send(JSON.stringify({ id: 1, type: 'login', payload: { ...payload, userAuthCode: code } }));
        return (await reply).err;
      } finally {
        ws.close();
      }
    };
    // Three wrong passwords for three users from 127.0.0.2, each claiming another address.
    for (let i = 0; i < 3; i++)
      assert.equal(await attempt('127.0.0.2', `user-${i}`, 'guess-guess', `10.9.9.${i}`), SdkErr.CUSTOMAUTH_FAILED);
    assert.equal(
      await attempt('127.0.0.2', 'alice', 'alice-password-1', '10.9.9.99'),
      SdkErr.SEVICE_NOTENABLED,
      'the address nginx saw is locked out, whatever the client claims',
    );
    // Another person behind the same nginx is not.
    assert.equal(await attempt('127.0.0.3', 'alice', 'alice-password-1'), 0);
  });
});
