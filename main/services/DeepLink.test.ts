import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeepLink, parseLaunchArgs } from './DeepLink.js';

test('crvideo://call/UID links, with an optional note', () => {
  assert.deepEqual(parseDeepLink('crvideo://call/bob'), { kind: 'call', UID: 'bob', note: '' });
  assert.deepEqual(parseDeepLink('crvideo://call/bob/'), { kind: 'call', UID: 'bob', note: '' });
  assert.deepEqual(parseDeepLink('crvideo:call/bob'), { kind: 'call', UID: 'bob', note: '' });
  assert.deepEqual(
    parseDeepLink('CRVIDEO://CALL/Bob'),
    { kind: 'call', UID: 'Bob', note: '' },
    'the UID keeps its case',
  );
  assert.deepEqual(parseDeepLink('crvideo://call/%E5%BC%A0%E4%B8%89?note=hi%20there'), {
    kind: 'call',
    UID: '张三',
    note: 'hi there',
  });
});

test('anything else is refused', () => {
  for (const bad of [
    '',
    'crvideo://',
    'crvideo://call',
    'crvideo://call/',
    'crvideo://meet/123',
    'crvideo://call/a/b',
    'http://call/bob',
    'crvideo://call/%E0%A4%A',
    'crvideo://call/a%00b',
    `crvideo://call/${'x'.repeat(129)}`,
    'not a url',
  ]) {
    assert.equal(parseDeepLink(bad), null, bad);
  }
});

test('command lines: --hidden and links, wherever they sit', () => {
  assert.deepEqual(parseLaunchArgs(['/usr/bin/crvideo-phone', '--hidden']), { hidden: true, links: [] });
  assert.deepEqual(parseLaunchArgs(['electron', '.', '--no-sandbox', 'crvideo://call/bob', 'crvideo://nope']), {
    hidden: false,
    links: [{ kind: 'call', UID: 'bob', note: '' }],
  });
});
