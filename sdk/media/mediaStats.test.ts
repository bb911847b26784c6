import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdkErr } from '../../protocol/index.js';
import { captureErrorCode } from './deviceErrors.js';
import { candidatePairOf, inboundOf, outboundOf, qualityOf } from './mediaStats.js';

const domError = (name: string) => Object.assign(new Error(name), { name });

test('getUserMedia failures map to CloudRoom codes: mic 808–810, camera 8001 / 8002 / 8007', () => {
  assert.equal(captureErrorCode('audio', domError('NotAllowedError')), SdkErr.MIC_NORIGHT);
  assert.equal(captureErrorCode('video', domError('NotAllowedError')), SdkErr.DEVICE_NOTALLOWED_ERR);
  assert.equal(captureErrorCode('audio', domError('NotReadableError')), SdkErr.MIC_BEINGUSED);
  assert.equal(captureErrorCode('video', domError('NotReadableError')), SdkErr.DEVICE_OPEN_DEVICE_ERR);
  assert.equal(captureErrorCode('audio', domError('NotFoundError')), SdkErr.MIC_UNKNOWERR);
  assert.equal(captureErrorCode('video', domError('OverconstrainedError')), SdkErr.DEVICE_UNKNOW_ERR);
  assert.equal(captureErrorCode('video', 'weird'), SdkErr.DEVICE_UNKNOW_ERR);
});

/** An RTCStatsReport is a Map of id → stats; that is all the readers use. */
const report = (...stats: Record<string, unknown>[]) =>
  new Map(stats.map((s, i) => [String(i), s])) as unknown as RTCStatsReport;

test('stats readers pick inbound-rtp and the nominated candidate pair', () => {
  const r = report(
    { type: 'candidate-pair', state: 'in-progress', currentRoundTripTime: 9 },
    {
      type: 'candidate-pair',
      state: 'succeeded',
      nominated: true,
      currentRoundTripTime: 0.012,
      availableOutgoingBitrate: 2e6,
    },
    {
      type: 'inbound-rtp',
      kind: 'video',
      bytesReceived: 5000,
      packetsReceived: 40,
      packetsLost: 1,
      jitter: 0.01,
      frameWidth: 640,
    },
  );
  assert.deepEqual(candidatePairOf(r), { rttMs: 12, outgoing: 2e6 });
  assert.deepEqual(inboundOf(r), {
    bytesReceived: 5000,
    packetsReceived: 40,
    packetsLost: 1,
    jitter: 0.01,
    frameWidth: 640,
  });
  assert.equal(inboundOf(report({ type: 'outbound-rtp' })), null);
  assert.deepEqual(candidatePairOf(report()), { rttMs: null, outgoing: null });
});

test('quality falls with loss and round-trip time', () => {
  assert.equal(qualityOf(0, 20), 5);
  assert.equal(qualityOf(0.02, 20), 4);
  assert.equal(qualityOf(0, 400), 3);
  assert.equal(qualityOf(0.1, 50), 2);
  assert.equal(qualityOf(0.3, 50), 1);
});

test('what a simulcast camera sends is the sum of its layers; the frame size is the largest layer’s', () => {
  const r = report(
    { type: 'outbound-rtp', rid: 'r0', bytesSent: 100, packetsSent: 2, frameWidth: 160, frameHeight: 120 },
    { type: 'outbound-rtp', rid: 'r2', bytesSent: 1000, packetsSent: 9, frameWidth: 640, frameHeight: 480 },
    { type: 'outbound-rtp', rid: 'r1', bytesSent: 400, packetsSent: 4, frameWidth: 320, frameHeight: 240 },
  );
  assert.deepEqual(outboundOf(r), { bytesSent: 1500, packetsSent: 15, frameWidth: 640, frameHeight: 480 });
});

test('concealment and freeze counters are passed on when the browser has them', () => {
  const r = report({
    type: 'inbound-rtp',
    bytesReceived: 10,
    packetsReceived: 1,
    packetsLost: 0,
    jitter: 0,
    concealedSamples: 480,
    totalSamplesReceived: 48000,
    concealmentEvents: 2,
    fecPacketsReceived: 3,
  });
  assert.deepEqual(inboundOf(r), {
    bytesReceived: 10,
    packetsReceived: 1,
    packetsLost: 0,
    jitter: 0,
    totalSamplesReceived: 48000,
    concealedSamples: 480,
    concealmentEvents: 2,
    fecPacketsReceived: 3,
  });
});
