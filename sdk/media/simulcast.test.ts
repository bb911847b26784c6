// Which camera encodings the SDK asks mediasoup-client for: VP9 SVC where the room and the browser have
// VP9 and svc is on, VP8 simulcast otherwise, one stream with simulcast off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { types } from 'mediasoup-client';
import { SVC_MODE, videoEncodings } from './simulcast.js';

const VP8: types.RtpCodecCapability = {
  kind: 'video',
  mimeType: 'video/VP8',
  clockRate: 90000,
  preferredPayloadType: 96,
};
const VP9: types.RtpCodecCapability = {
  kind: 'video',
  mimeType: 'video/VP9',
  clockRate: 90000,
  preferredPayloadType: 98,
  parameters: { 'profile-id': 0 },
};
const VP9_PROFILE2: types.RtpCodecCapability = { ...VP9, parameters: { 'profile-id': 2 } };
const device = (...codecs: types.RtpCodecCapability[]) => ({ rtpCapabilities: { codecs } });

test('svc on, VP9 in common: one VP9 stream with three spatial layers', () => {
  const o = videoEncodings(device(VP8, VP9), true, 720, true);
  assert.equal(o.codec?.mimeType, 'video/VP9');
  assert.deepEqual(
    o.encodings?.map((e) => e.scalabilityMode),
    [SVC_MODE],
  );
  assert.equal(SVC_MODE, 'L3T3_KEY');
});

test('svc on without VP9 (or only VP9 profile 2): VP8 simulcast', () => {
  for (const d of [device(VP8), device(VP8, VP9_PROFILE2)]) {
    const o = videoEncodings(d, true, 720, true);
    assert.equal(o.codec, undefined);
    assert.deepEqual(
      o.encodings?.map((e) => e.rid),
      ['r0', 'r1', 'r2'],
    );
  }
});

test('svc off: VP8 simulcast, two layers below 540 px', () => {
  assert.equal(videoEncodings(device(VP8, VP9), true, 720).encodings?.length, 3);
  assert.equal(videoEncodings(device(VP8, VP9), true, 360).encodings?.length, 2);
});

test('simulcast off: one full-size stream whatever svc says', () => {
  const o = videoEncodings(device(VP8, VP9), false, 720, true);
  assert.equal(o.encodings, undefined);
  assert.equal(o.codec, undefined);
});
