// Hostile HTTP: the paths that used to kill the server, a corpus of real scanner requests and
// property-based fuzzing of the router. Every request gets an HTTP answer, none ends the process, and a
// legitimate call still completes afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { requestPath } from './HttpServer.js';
import { closeClients, startTestServer, type TestServer } from './testing/fixtures.js';
import { legitimateCall, rawHttp, rawHttpFull } from './testing/hostile.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'CONNECT'];

/** The request targets that threw URIError (or worse) out of the old router: every method gets a 400. */
const KILLERS = ['/%', '/%zz', '//', '/\\', '/\\\\', '/ws/%ff', '/%c0%ae%c0%ae/etc/passwd', '/sdk/%', '/%E0%A4%A'];

/** Real scanner traffic seen on public servers (paths as sent; several are deliberately malformed). */
const SCANNER_PATHS = [
  '/.env',
  '/.git/config',
  '/.git/HEAD',
  '/.aws/credentials',
  '/.DS_Store',
  '/wp-login.php',
  '/wp-admin/setup-config.php',
  '/xmlrpc.php',
  '/phpmyadmin/index.php',
  '/pma/',
  '/admin/config.php',
  '/server-status',
  '/actuator/env',
  '/actuator/health',
  '/api/v1/pods',
  '/console/',
  '/manager/html',
  '/solr/admin/info/system?wt=json',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=x',
  '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh',
  '/cgi-bin/luci/;stok=/locale?form=country',
  '/icons/.%%32%65/.%%32%65/.%%32%65/etc/passwd',
  '/..%2f..%2f..%2f..%2fetc%2fpasswd',
  '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/..;/..;/etc/passwd',
  '/../../../../etc/passwd',
  '/sdk/../../package.json',
  '/sdk/%2e%2e/%2e%2e/package.json',
  '/static/..%5c..%5c..%5cwindows/win.ini',
  '/HNAP1/',
  '/boaform/admin/formLogin',
  '/GponForm/diag_Form?images/',
  '/shell?cd+/tmp;rm+-rf+*;wget+x;sh+x',
  '/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*',
  '/?XDEBUG_SESSION_START=phpstorm',
  // Log4Shell probes (a literal `${`, not a template).
  `/\${jndi:ldap://127.0.0.1/a}`,
  `/?x=\${jndi:ldap://127.0.0.1/a}`,
  '/owa/auth/logon.aspx',
  '/autodiscover/autodiscover.json?@zdi/Powershell',
  '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession',
  '/dana-na/../dana/html5acc/guacamole/../../../../../../etc/passwd?/dana/html5acc/guacamole/',
  '/_ignition/execute-solution',
  '/telescope/requests',
  '/debug/default/view?panel=config',
  '/webui/',
  '/ReportServer',
  '/nice%20ports%2C/Tri%6Eity.txt%2ebak',
  '/robots.txt',
  '/favicon.ico',
  '/sitemap.xml',
  '/.well-known/security.txt',
  '/index.html%00.txt',
  '/%00',
  '/%u002e%u002e/%u002e%u002e/etc/passwd',
  '/%25%32%65%25%32%65/etc/passwd',
  '/a'.repeat(2000),
  '/ws?x=1',
  '/ws/../ws',
  '/healthz/..',
  '*',
  'http://example.com/',
  'example.com:443',
];

/** Answers a well-behaved server may give to a hostile request: never 0 (dropped) or 500. */
const OK_STATUSES = new Set([200, 400, 404, 405, 414, 431]);

function req(method: string, target: string, extra = ''): string {
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
}

describe('hostile HTTP', () => {
  let server: TestServer;
  let staticDir: string;
  before(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'crvideo-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(staticDir, 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map');
    writeFileSync(join(staticDir, 'app.js.map'), '{"version":3,"sources":["secret.ts"]}');
    server = await startTestServer({ staticRoutes: { sdkBundleDir: staticDir, rendererDir: staticDir } });
  });
  after(async () => {
    closeClients();
    await server.dispose();
    rmSync(staticDir, { recursive: true, force: true });
  });

  test('the request targets that used to end the process get 400 with any method', async () => {
    for (const target of KILLERS) {
      for (const method of METHODS.filter((m) => m !== 'CONNECT')) {
        assert.equal(await rawHttp(server.port, req(method, target)), 400, `${method} ${target}`);
      }
      // The same target as a WebSocket upgrade.
      const upgrade =
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
      assert.equal(await rawHttp(server.port, req('GET', target, `Connection: Upgrade\r\n${upgrade}`)), 400);
    }
    assert.equal(await rawHttp(server.port, req('GET', '/healthz')), 200);
  });

  test('a corpus of real scanner requests gets plain answers and serves nothing outside the web app', async () => {
    for (const target of SCANNER_PATHS) {
      for (const method of ['GET', 'POST', 'HEAD', 'CONNECT']) {
        const { status, text } = await rawHttpFull(server.port, req(method, target));
        assert.ok(OK_STATUSES.has(status), `${method} ${target.slice(0, 80)} → ${status}`);
        // Only the web app's own files (its index for app routes) are ever served.
        if (status === 200 && method === 'GET') {
          assert.ok(
            /<title>app<\/title>|console\.log\(1\)|"ok":true/.test(text),
            `${target} served ${text.slice(-80)}`,
          );
        }
      }
    }
    assert.equal(await rawHttp(server.port, req('GET', '/healthz')), 200);
    assert.ok((await legitimateCall(server)) > 0);
  });

  test('fuzzing the router: any method and target gets an HTTP answer, never a crash or a 500', async () => {
    const piece = fc.constantFrom(
      '/',
      '//',
      '\\',
      '%',
      '%2',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '%00',
      '%ff',
      '%c0%ae',
      '%e0%80%af',
      '%zz',
      '..',
      '.',
      'ws',
      'sdk',
      'healthz',
      'index.html',
      'a',
      '?',
      '#',
      ';',
      ':',
      '@',
      '~',
      '+',
      '%20',
      'é',
      '€',
      '%u002e',
      `\${x}`,
      '*',
    );
    const target = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((p) => `/${p.join('')}`),
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
      fc.string({ maxLength: 40 }).map((s) => `/${encodeURIComponent(s).replace(/%2F/g, '/')}`),
    );
    const method = fc.oneof(fc.constantFrom(...METHODS), fc.stringMatching(/^[A-Z]{1,10}$/));
    await fc.assert(
      fc.asyncProperty(method, target, async (m, t) => {
        const status = await rawHttp(server.port, Buffer.from(req(m, t), 'utf8'));
        return OK_STATUSES.has(status);
      }),
      { numRuns: 400 },
    );
    assert.equal(await rawHttp(server.port, req('GET', '/healthz')), 200);
  });

  test('requestPath refuses every target that is not a plain path (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const p = requestPath(s);
        // Never throws; anything accepted is a decoded absolute path with no parent step or backslash.
        return (
          p === null || (p.startsWith('/') && !p.startsWith('//') && !p.includes('\\') && !p.split('/').includes('..'))
        );
      }),
      { numRuns: 2000 },
    );
  });

  test('the web app carries CSP with frame-ancestors none and the hardening headers; source maps stay private', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const spa = await fetch(`${server.url}/contacts`);
    assert.match(spa.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal((await fetch(`${server.url}/app.js`)).status, 200);
    assert.equal((await fetch(`${server.url}/app.js.map`)).status, 404);
    assert.equal((await fetch(`${server.url}/sdk/app.js.map`)).status, 404);
  });

  test('source maps are served when the setting asks for them', async () => {
    const withMaps = await startTestServer({
      staticRoutes: { sdkBundleDir: staticDir, rendererDir: staticDir },
      serveSourceMaps: true,
    });
    try {
      const res = await fetch(`${withMaps.url}/app.js.map`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /secret\.ts/);
    } finally {
      await withMaps.dispose();
    }
  });
});
