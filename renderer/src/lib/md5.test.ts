import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { md5Hex } from './md5.js';

test('md5Hex matches RFC 1321 test vectors', () => {
  assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(md5Hex('message digest'), 'f96b697d7cb7938d525a2f31aaf161d0');
});

test('md5Hex matches node:crypto for UTF-8 and block-boundary lengths', () => {
  for (const text of ['密钥-secret', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'w'.repeat(1000)]) {
    assert.equal(md5Hex(text), createHash('md5').update(text, 'utf8').digest('hex'));
  }
});
