// Property-based fuzzing of every wire message type (protocol/messages.ts, protocol/media.ts) against
// the real server: arbitrary and near-valid payloads, broken frames, before and after login. Every frame
// is answered with a numeric sdkErr, the process never ends, and a legitimate call completes afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type RequestType, requests, SdkErr } from '../protocol/index.js';
import { Store } from './Store.js';
import { closeClients, startTestServer, type TestServer } from './testing/fixtures.js';
import { legitimateCall, type RawClient, rawClient, rawLogin } from './testing/hostile.js';

const TYPES = Object.keys(requests) as RequestType[];
const KNOWN_CODES = new Set<number>(Object.values(SdkErr));

/** Field names of a request's schema (zod/mini keeps the object shape in its definition). */
function fieldsOf(type: RequestType): string[] {
  const def = (requests[type] as unknown as { _zod: { def: { shape?: Record<string, unknown> } } })._zod.def;
  return Object.keys(def.shape ?? {});
}

/** Values that tend to break handlers: edge numbers, odd strings, deep and wide structures. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    -1,
    0,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -0,
    0.5,
    '',
    ' ',
    '\u0000',
    '\ud800',
    'é\u0301',
    '__proto__',
    'constructor',
    'x'.repeat(9000),
    [],
    {},
    null,
    true,
    { __proto__: { admin: true } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
);

/** A payload with the schema's field names and arbitrary values (sometimes extra fields, sometimes missing ones). */
function nearValid(type: RequestType): fc.Arbitrary<unknown> {
  const fields = fieldsOf(type);
  const record = Object.fromEntries(fields.map((f) => [f, nasty]));
  return fc.oneof(
    fc.record(record, { requiredKeys: [] }),
    fc
      .record(record)
      .chain((r) => fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 3 }).map((x) => ({ ...x, ...r }))),
    nasty,
  );
}

/** One reply per frame, with a code the SDK knows (0 included). */
function assertAnswered(r: { t: string; err?: number }): boolean {
  return r.t === 'rsp' && typeof r.err === 'number' && KNOWN_CODES.has(r.err);
}

describe('fuzzing every wire message type against the real server', () => {
  let server: TestServer;
  let id = 1000;
  before(async () => {
    // The fuzzer sends ~750 frames on one socket before logging in: far past the guest budget (20 per s),
    // which would pace it past the login deadline. The budget is not what this test is about.
    server = await startTestServer({ limits: { guestRequestsPerSocketPerSecond: 10_000 } });
  });
  after(async () => {
    closeClients();
    await server.dispose();
  });

  test('before login: any frame, any type, any payload is answered and the line stays up', async () => {
    const c = await rawClient(server.url);
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
          type: fc.oneof(fc.constantFrom(...TYPES), fc.string()),
          payload: nasty,
        })
        .map((f) => JSON.stringify(f)),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => assertAnswered(await c.sendRaw(text))),
      { numRuns: 300 },
    );
    // Valid frames of every type with arbitrary payloads: login/resume refused, the rest need a login (12).
    for (const type of TYPES) {
      await fc.assert(
        fc.asyncProperty(nearValid(type), async (payload) => assertAnswered(await c.request(++id, type, payload))),
        { numRuns: 15 },
      );
    }
    assert.equal((await c.request(++id, 'ping')).err, 0);
    c.ws.close();
  });

  test('logged in: every request type with arbitrary and near-valid payloads is answered with a known code', async () => {
    let c: RawClient = await rawLogin(server.url, 'fuzzer');
    let relogins = 0;
    for (const type of TYPES) {
      await fc.assert(
        fc.asyncProperty(nearValid(type), async (payload) => {
          if (c.ws.readyState !== c.ws.OPEN) {
            // A valid logout (or a kick) ends the session: log in again and go on.
            c = await rawLogin(server.url, 'fuzzer');
            relogins++;
          }
          return assertAnswered(await c.request(++id, type, payload));
        }),
        { numRuns: 40 },
      );
    }
    console.log(`${TYPES.length} request types fuzzed, ${relogins} re-logins after a fuzzed logout`);
    assert.equal(server.stats().sockets >= 1, true);
    c.ws.close();
    assert.ok((await legitimateCall(server)) > 0, 'a legitimate call completes after the fuzzing');
  });

  test('an unexpected exception inside a handler is logged with context and answered 3, not propagated', async (t) => {
    // Fault injection: the store fails as a full disk or a bug would.
    t.mock.method(Store.prototype, 'callRecordsFor', () => {
      throw new Error('disk I/O error at /secret/path');
    });
    const c = await rawLogin(server.url, 'faulty');
    const r = await c.request(++id, 'getCallRecords');
    assert.equal(r.err, SdkErr.INNER_ERR);
    assert.equal(r.msg, 'internal error', 'internals are not sent to the client');
    assert.equal((await c.request(++id, 'ping')).err, 0, 'the line stays up');
    c.ws.close();
  });
});
