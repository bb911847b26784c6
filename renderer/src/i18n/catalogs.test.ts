import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('zh-CN has every key of English, with the same {placeholders}', () => {
  assert.deepEqual(Object.keys(zhCN).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(en)) {
    assert.deepEqual(params(zhCN[key as keyof typeof en]), params(text), key);
  }
});

test('zh-CN is actually translated (only names and symbols may stay the same)', () => {
  const same = Object.entries(en).filter(([k, v]) => zhCN[k as keyof typeof en] === v);
  assert.deepEqual(
    same.map(([k]) => k),
    ['dev.unnamed', 'hist.noDuration'],
  );
});
