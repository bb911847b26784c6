import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueText, mediaRequests, requests } from './index.js';

// The schemas use zod/mini, which has no messages of its own: without the English locale every problem
// would read "Invalid input". These pin what a developer reads in a refused request.
const problem = (schema: { safeParse(v: unknown): { error?: Parameters<typeof issueText>[0] } }, value: unknown) => {
  const { error } = schema.safeParse(value);
  assert.ok(error, 'the value is refused');
  return issueText(error);
};

test('a refused request names the field and what was wrong with it', () => {
  const call = { callID: 'c1', calledUID: 'bob', meetID: 7, usrExtDat: '' };
  assert.equal(
    problem(requests.call, { ...call, meetID: 'x' }),
    'meetID: Invalid input: expected number, received string',
  );
  assert.equal(
    problem(requests.call, { ...call, usrExtDat: 'x'.repeat(8 * 1024 + 1) }),
    'usrExtDat: Too big: expected string to have <=8192 characters',
  );
  assert.equal(problem(requests.enterMeeting, { meetID: -1 }), 'meetID: Too small: expected number to be >0');
  assert.equal(problem(requests.enterMeeting, {}), 'meetID: Invalid input: expected number, received undefined');
  assert.equal(
    problem(mediaRequests['media.createTransport'], { direction: 'sideways' }),
    'direction: Invalid option: expected one of "send"|"recv"',
  );
});

test('a problem deep inside a media payload gives its full path', () => {
  const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 'fast' }] };
  assert.equal(
    problem(mediaRequests['media.produce'], { transportId: 't1', kind: 'audio', rtpParameters }),
    'rtpParameters.codecs.0.clockRate: Invalid input: expected number, received string',
  );
});

test('a valid request passes unchanged', () => {
  const payload = { callID: 'c1', calledUID: 'bob', meetID: 7, usrExtDat: 'hi' };
  assert.deepEqual(requests.call.parse(payload), payload);
});
