// Pacing through TCP back-pressure: a socket over its request budget is not read (its frames wait in
// the kernel), a legitimate call completes meanwhile, and every paced frame is still answered.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { SdkErr } from '../protocol/index.js';
import { closeClients, sleep, startTestServer, type TestServer } from './testing/fixtures.js';
import { legitimateCall, rawLogin } from './testing/hostile.js';

/** A raw socket that pipelines `n` requests at once and counts the answers by code. */
async function flood(
  url: string,
  localAddress: string,
  n: number,
  type: string,
  payload: unknown,
  ws?: WebSocket,
): Promise<{ answered: () => number; all: Promise<Map<number, number>>; ws: WebSocket }> {
  const sock = ws ?? new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress });
  if (sock.readyState !== WebSocket.OPEN) await new Promise((r) => sock.once('open', r));
  const codes = new Map<number, number>();
  let answered = 0;
  const all = new Promise<Map<number, number>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${answered} of ${n} answered in 30 s`)), 30_000);
    sock.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t: string; id?: number; err?: number };
      if (f.t !== 'rsp' || typeof f.id !== 'number' || f.id < 10_000) return;
      answered++;
      codes.set(f.err ?? -1, (codes.get(f.err ?? -1) ?? 0) + 1);
      if (answered === n) {
        clearTimeout(timer);
        resolve(codes);
      }
    });
  });
  for (let i = 0; i < n; i++) sock.send(JSON.stringify({ id: 10_000 + i, type, payload }));
  return { answered: () => answered, all, ws: sock };
}

/** Resolves true as soon as `cond` holds (polled every 5 ms), false after `ms`. */
async function becomes(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

describe('pacing by request budget', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: {
        requestsPerSocketPerSecond: 20,
        requestsPerAddressPerSecond: 40,
        guestRequestsPerSocketPerSecond: 5,
        guestRequestsPerAddressPerSecond: 10,
      },
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a logged-in socket flooding requests is paused, a legitimate call completes, every request is answered', async () => {
    const rss0 = process.memoryUsage().rss;
    const user = await rawLogin(server.url, 'flooder', { localAddress: '127.0.0.7' });
    const f = await flood(server.url, '127.0.0.7', 120, 'ping', {}, user.ws);
    assert.ok(
      await becomes(() => server.stats().pacedSockets > 0, 3000),
      'the server stopped reading the flooding socket',
    );
    const ms = await legitimateCall(server);
    assert.ok(ms > 0);
    assert.ok(f.answered() < 120, `the legitimate call finished while ${120 - f.answered()} pings still waited`);
    const codes = await f.all;
    // Nothing lost: each paced frame gets its answer (0), or a clear 429 if it went over the in-flight cap.
    for (const code of codes.keys()) assert.ok(code === 0 || code === SdkErr.TOO_MANY_REQUESTS, `code ${code}`);
    assert.equal(
      [...codes.values()].reduce((a, b) => a + b, 0),
      120,
    );
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grown < 128, `server RSS grew ${grown.toFixed(0)} MiB`);
    f.ws.close();
  });

  test('sockets that have not logged in share a small per-address budget; a login from elsewhere is not slowed', async () => {
    const guests = await Promise.all([0, 1, 2].map(() => flood(server.url, '127.0.0.8', 10, 'ping', {})));
    assert.ok(
      await becomes(() => server.stats().pacedSockets > 0, 3000),
      'the guests were paced (30 pings against 10 per second for their address)',
    );
    const ms = await legitimateCall(server);
    assert.ok(ms > 0);
    const answered = guests.reduce((n, g) => n + g.answered(), 0);
    assert.ok(answered < 30, `the legitimate call finished while ${30 - answered} guest pings still waited`);
    for (const g of guests) {
      assert.deepEqual([...(await g.all)], [[0, 10]], 'every guest ping answered');
      g.ws.close();
    }
  });
});

describe('failed calls per user', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { failedCallsPerUser: 5 } });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('past the failed-call budget a caller gets 904 at once; other users still call', async () => {
    const c = await rawLogin(server.url, 'sweeper');
    const room = await c.request(2, 'createMeeting', { subject: 'sweep' });
    const meetID = (room.data as { meetObj: { ID: number } }).meetObj.ID;
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await c.request(10 + i, 'call', { callID: `s${i}`, calledUID: `nobody-${i}`, meetID, usrExtDat: '' });
      codes.push(r.err ?? -1);
      if (i === 7) assert.match(r.msg ?? '', /failed calls: over 5 per 60 s, retry in \d+ s/);
    }
    assert.ok(
      codes.slice(0, 5).every((x) => x !== 0 && x !== SdkErr.CFG_RESTRICTED),
      `first five fail on their own: ${codes}`,
    );
    assert.deepEqual(codes.slice(5), [SdkErr.CFG_RESTRICTED, SdkErr.CFG_RESTRICTED, SdkErr.CFG_RESTRICTED]);
    assert.ok((await legitimateCall(server)) > 0, 'another user still calls');
    c.ws.close();
  });
});

describe('failed calls in a burst', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: { failedCallsPerUser: 100, failedCallsBurst: 3, failedCallBurstWindowMs: 1000 },
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('the minute allowance is not spent at once: the 4th failure within the burst window gets 904, later ones go on', async () => {
    const c = await rawLogin(server.url, 'burster');
    const room = await c.request(2, 'createMeeting', { subject: 'burst' });
    const meetID = (room.data as { meetObj: { ID: number } }).meetObj.ID;
    const call = async (i: number) =>
      (await c.request(10 + i, 'call', { callID: `b${i}`, calledUID: `nobody-${i}`, meetID, usrExtDat: '' })).err ?? -1;
    const first: number[] = [];
    for (let i = 0; i < 4; i++) first.push(await call(i));
    assert.ok(
      first.slice(0, 3).every((x) => x !== 0 && x !== SdkErr.CFG_RESTRICTED),
      `three fail on their own: ${first}`,
    );
    assert.equal(first[3], SdkErr.CFG_RESTRICTED);
    await sleep(1100);
    const later = await call(4);
    assert.ok(
      later !== 0 && later !== SdkErr.CFG_RESTRICTED,
      `a new burst window: the call fails on its own (${later})`,
    );
    assert.ok((await legitimateCall(server)) > 0, 'another user still calls');
    c.ws.close();
  });
});
