import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalEntries, H5_API } from './apiList.js';
import { meetIDOf, toDND, toExtData, toMeetID, toSubject, toUID } from './coerce.js';

test('arguments CloudRoom accepts are made sense of; the rest is null (→ sdkErr 5)', () => {
  assert.equal(toUID(10086), '10086');
  assert.equal(toUID('bob'), 'bob');
  assert.equal(toUID(''), null);
  assert.equal(toUID({}), null);
  assert.equal(toMeetID('12345678'), 12345678);
  assert.equal(toMeetID(12345678), 12345678);
  assert.equal(toMeetID('12ab'), null);
  assert.equal(toMeetID(-1), null);
  assert.equal(meetIDOf({ ID: '87654321' }), 87654321);
  assert.equal(meetIDOf({}), null);
  assert.equal(toExtData(null), '');
  assert.equal(toExtData(undefined), '');
  assert.equal(toExtData({ type: 'x' }), '{"type":"x"}');
  assert.equal(toDND('1'), 1);
  assert.equal(toDND(true), 1);
  assert.equal(toDND(0), 0);
  assert.equal(toDND('on'), null);
  assert.equal(toSubject({ meetSubject: 'Weekly' }), 'Weekly');
  assert.equal(toSubject('Weekly'), 'Weekly');
  assert.equal(toSubject(undefined), '');
  assert.equal(toSubject({ meetSubject: 5 }), null);
});

test('the H5 list names each global once', () => {
  const names = globalEntries().map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
  for (const s of H5_API) assert.ok(s.entries.length > 0, s.id);
});
