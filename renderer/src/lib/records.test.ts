import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallRecord } from '../../../protocol/schemas.js';
import { describeRecord } from './records.js';

const base: CallRecord = {
  callID: 'c1',
  callerID: 'alice',
  calleeID: 'bob',
  meetID: 1,
  usrExtDat: '',
  ringAt: 1000,
  answerAt: null,
  endAt: 2000,
  outcome: 'missed',
  sdkErr: 604,
};

test('each outcome reads right from both sides', () => {
  const cases: [CallRecord['outcome'], string, string][] = [
    ['missed', 'noAnswer', 'missed'],
    ['rejected', 'rejected', 'rejectedByMe'],
    ['cancelled', 'cancelled', 'missed'],
    ['ongoing', 'ongoing', 'ongoing'],
  ];
  for (const [outcome, caller, callee] of cases) {
    const r = { ...base, outcome };
    assert.equal(describeRecord(r, 'alice').kind, caller, `${outcome} for the caller`);
    assert.equal(describeRecord(r, 'bob').kind, callee, `${outcome} for the callee`);
  }
  assert.equal(describeRecord({ ...base, outcome: 'failed', sdkErr: 602 }, 'alice').kind, 'failed');
});

test('the peer and direction; duration only for answered calls', () => {
  const answered = { ...base, outcome: 'answered' as const, answerAt: 5_000, endAt: 12_500, sdkErr: 0 };
  assert.deepEqual(
    { ...describeRecord(answered, 'alice'), record: undefined },
    { record: undefined, incoming: false, peerUID: 'bob', kind: 'answered', durationMs: 7_500 },
  );
  const inbound = describeRecord(answered, 'bob');
  assert.equal(inbound.incoming, true);
  assert.equal(inbound.peerUID, 'alice');
  assert.equal(describeRecord(base, 'alice').durationMs, null);
});
