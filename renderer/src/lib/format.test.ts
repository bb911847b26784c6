import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, initials } from './format.js';

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(7_400), '0:07');
  assert.equal(formatDuration(754_000), '12:34');
  assert.equal(formatDuration(3_723_000), '1:02:03');
  assert.equal(formatDuration(-5), '0:00');
});

test('initials', () => {
  assert.equal(initials('Alice Smith'), 'AS');
  assert.equal(initials('bob'), 'BO');
  assert.equal(initials('张三'), '张三');
  assert.equal(initials('  '), '?');
});
