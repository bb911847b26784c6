import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CallLedger } from './CallLedger.js';
import { steadyRetry } from './ReconnectPolicy.js';

test('the ledger follows the callbacks: what the app believes in, and how each ghost is ended', () => {
  const l = new CallLedger();
  l.observe('CRVideo_CallSuccess', ['out-ringing', null]);
  l.observe('CRVideo_CallSuccess', ['out-accepted', null]);
  l.observe('CRVideo_NotifyCallAccepted', ['out-accepted', {}, '']);
  l.observe('CRVideo_NotifyCallIn', ['in-ringing', {}, 'bob', '']);
  l.observe('CRVideo_NotifyCallIn', ['in-accepted', {}, 'carol', '']);
  l.observe('CRVideo_AcceptCallSuccess', ['in-accepted', null]);
  l.observe('CRVideo_NotifyCallIn', ['in-ended', {}, 'dave', '']);
  l.observe('CRVideo_NotifyCallHungup', ['in-ended', '']);
  assert.deepEqual(
    l.ghosts(new Set(['in-accepted'])).map((g) => `${g.callback} ${g.callID}`),
    [
      'CRVideo_NotifyCallRejected out-ringing',
      'CRVideo_NotifyCallHungup out-accepted',
      'CRVideo_NotifyCallHungup in-ringing',
    ],
  );
  assert.equal(l.wasEnded('in-ended'), true, 'a second notice of an ended call is a duplicate');
  assert.equal(l.wasEnded('in-accepted'), false);
  assert.equal(l.wasEnded('never-seen'), false);
  l.observe('CRVideo_LoginSuccess', ['me', null]);
  assert.deepEqual(l.calls, [], 'a fresh sign-in believes in nothing');
});

test('steadyRetry: every wait is between 75 ms and 1 s, so a link that is back is used within 1 s', () => {
  const p = steadyRetry();
  fc.assert(
    fc.property(fc.nat(1000), fc.nat(600_000), (attempt, elapsed) => {
      const d = p.nextDelayMs(attempt, elapsed);
      return d !== null && d >= 75 && d <= 1000;
    }),
  );
});
