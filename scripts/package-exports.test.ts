import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');

test('after the build a plain script imports crvideo-phone/sdk and crvideo-phone/server by self-reference', (t) => {
  if (!existsSync(join(ROOT, 'dist/server/index.js'))) {
    t.skip('dist/ is not built (npm test builds it through scripts/setup.mjs)');
    return;
  }
  const script = `
    const { createCRVideo, md5Hex } = await import('crvideo-phone/sdk');
    const { startServer } = await import('crvideo-phone/server');
    const { mkdtempSync } = await import('node:fs');
    const server = await startServer({ port: 0, dataDir: mkdtempSync('/tmp/crvideo-exports-'), media: false, logLevel: 'silent', apps: [{ appID: 'x', appSecret: 'y' }], userAuth: 'none' });
    const c = createCRVideo({ serverAddr: server.url, log: () => {} });
    const uid = await new Promise((resolve, reject) => {
      c.CRVideo_LoginSuccess.callback = (UID) => resolve(UID);
      c.CRVideo_LoginFail.callback = (e) => reject(new Error('login failed ' + e));
      c.CRVideo_Login('x', md5Hex('y'), 'n', 'exported', '', null);
    });
    c.CRVideo_Logout();
    await server.close();
    console.log('ok ' + uid);
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.match(out, /ok exported/);
});
