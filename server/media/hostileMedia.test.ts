// Hostile media requests against the real media plane (mediasoup worker): parameters mediasoup's own
// rules refuse are answered 5 before they reach the worker, fuzzed media requests from a member inside
// a room are all answered, the worker never dies, and a legitimate call completes afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { mediaRequests, SdkErr } from '../../protocol/index.js';
import { closeClients, startTestServer, type TestServer } from '../testing/fixtures.js';
import { legitimateCall, type RawClient, rawLogin } from '../testing/hostile.js';
import type { MediaPlane } from './MediaPlane.js';

const KNOWN_CODES = new Set<number>(Object.values(SdkErr));

describe('hostile media requests', () => {
  let server: TestServer;
  let plane: MediaPlane;
  let c: RawClient;
  let sendId = '';
  let id = 10;
  before(async () => {
    server = await startTestServer({ media: { numWorkers: 1, rtcMinPort: 45000, rtcMaxPort: 45999 } });
    plane = server.media as MediaPlane;
    c = await rawLogin(server.url, 'media-attacker');
    const meet = await c.request(++id, 'createMeeting', { subject: 'attack' });
    const meetID = (meet.data as { meetObj: { ID: number } }).meetObj.ID;
    assert.equal((await c.request(++id, 'enterMeeting', { meetID })).err, 0);
    const t = await c.request(++id, 'media.createTransport', { direction: 'send' });
    assert.equal(t.err, 0, t.msg);
    sendId = (t.data as { id: string }).id;
    assert.equal((await c.request(++id, 'media.createTransport', { direction: 'recv' })).err, 0);
  });
  after(async () => {
    c?.ws.close();
    closeClients();
    await server?.dispose();
  });

  test("parameters mediasoup's rules refuse get 5 and never reach the worker", async () => {
    const pid = plane.workerPids()[0];
    const produce = (codec: object, extra: object = {}) =>
      c.request(++id, 'media.produce', {
        transportId: sendId,
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, ...codec }],
          encodings: [{ ssrc: 1234 }],
          ...extra,
        },
      });
    for (const [what, r] of [
      ['payload type -1', await produce({ payloadType: -1 })],
      ['mimeType without a type', await produce({ mimeType: 'opus' })],
      ['unsupported codec', await produce({ mimeType: 'audio/nonsense' })],
      ['ssrc 2^53', await produce({}, { encodings: [{ ssrc: 2 ** 53 }] })],
    ] as const) {
      assert.equal(r.err, SdkErr.MEETPARAM_ERR, `${what}: ${r.msg}`);
    }
    const ready = await c.request(++id, 'media.ready', {
      rtpCapabilities: { codecs: [{ kind: 'video', mimeType: 'VP8', clockRate: 90000 }] },
    });
    assert.equal(ready.err, SdkErr.MEETPARAM_ERR, ready.msg);
    const dtls = await c.request(++id, 'media.connectTransport', {
      transportId: sendId,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'md5', value: 'AB:CD' }] },
    });
    assert.equal(dtls.err, SdkErr.MEETPARAM_ERR, dtls.msg);
    assert.deepEqual(plane.workerPids(), [pid], 'the worker is the same process');
  });

  test('fuzzed media requests from a room member are all answered; the worker survives', async () => {
    const pid = plane.workerPids()[0];
    const idOrJunk = fc.oneof(fc.constant(sendId), fc.string({ maxLength: 70 }));
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), idOrJunk, fc.integer(), fc.constantFrom(-1, 2 ** 53, 0, 128));
    for (const type of Object.keys(mediaRequests)) {
      const payload = fc.dictionary(
        fc.constantFrom(
          'transportId',
          'producerId',
          'consumerId',
          'direction',
          'kind',
          'rtpParameters',
          'rtpCapabilities',
          'dtlsParameters',
          'audio',
          'video',
          'paused',
        ),
        value,
        { maxKeys: 5 },
      );
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const r = await c.request(++id, type, p);
          return r.t === 'rsp' && typeof r.err === 'number' && KNOWN_CODES.has(r.err);
        }),
        { numRuns: 25 },
      );
    }
    assert.deepEqual(plane.workerPids(), [pid], 'the worker is the same process');
    assert.ok((await legitimateCall(server)) > 0);
  });
});
