import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { haproxyConfig } from './balancer.js';

const ROOT = join(import.meta.dirname, '..', '..');
const threeNodes = haproxyConfig({
  port: 8080,
  backends: [1, 2, 3].map((i) => ({ host: '127.0.0.1', port: 8080 + i, name: `n${i}` })),
});

describe('haproxy configuration', () => {
  it('is valid for haproxy itself (haproxy -c)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crvideo-haproxy-cfg-'));
    try {
      writeFileSync(join(dir, 'haproxy.cfg'), threeNodes);
      const out = execFileSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
      assert.match(out, /Configuration file is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the one README "Running several nodes" shows', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Running several nodes'));
    const shown = /```\n(defaults[\s\S]*?)```/.exec(section)?.[1] ?? '';
    const settings = (text: string) =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && l !== 'global');
    assert.deepEqual(settings(shown), settings(threeNodes));
  });
});
