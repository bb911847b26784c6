// Transport bounds against the real server: a client that never reads, one that pipelines, one that
// never logs in, one that opens socket after socket. Each gets a clear code, the server keeps its
// memory, and a legitimate call completes while the attack runs.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { SdkErr } from '../protocol/index.js';
import { CloseCode } from './limits.js';
import { Session } from './Session.js';
import { closeClients, sleep, startTestServer, type TestServer } from './testing/fixtures.js';
import { legitimateCall, type RawClient, rawClient, rawLogin } from './testing/hostile.js';

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

describe('a client that never reads its socket', () => {
  let server: TestServer;
  const log = capturingLogger();
  const SEND_BUFFER = 256 * 1024;
  before(async () => {
    server = await startTestServer({
      limits: { sendBufferBytes: SEND_BUFFER },
      graceMs: 30_000,
      ...({ logger: log.logger } as object),
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('is closed with 4008 once its unsent answers pass the ceiling; its session is kept; others keep calling', async () => {
    // Forty users with long nicknames make every getUserStatus answer ~8 KB.
    const crowd: RawClient[] = [];
    for (let i = 0; i < 40; i++) crowd.push(await rawLogin(server.url, `crowd-${i}-${'n'.repeat(100)}`));
    const attacker = await rawLogin(server.url, 'never-reads');
    const loginData = attacker.frames.find((f) => f.id === 1)?.data as { sessionToken: string };
    const socketsBefore = server.stats().sockets;
    const sessionsBefore = server.stats().sessions;
    // Stop reading: the kernel buffers fill, then the server's send buffer.
    (attacker.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const rss0 = process.memoryUsage().rss;
    let id = 100;
    let sent = 0;
    const flood = (async () => {
      while (server.stats().sockets >= socketsBefore && sent < 20_000) {
        for (let i = 0; i < 100; i++)
          attacker.ws.send(JSON.stringify({ id: id++, type: 'getUserStatus', payload: {} }));
        sent += 100;
        await sleep(5);
      }
    })();
    const legit = await legitimateCall(server); // completes while the flood runs
    await flood;
    const rssGrowth = process.memoryUsage().rss - rss0;
    console.log(
      `${sent} requests (~${Math.round((sent * 8) / 1024)} MB of answers asked for), RSS +${Math.round(rssGrowth / 1e6)} MB, legit call ${Math.round(legit)} ms`,
    );

    await until('attacker socket closed', () => server.stats().sockets < socketsBefore);
    assert.ok(
      log.lines.some((l) => /closed \(4008\)/.test(l.msg)),
      'the server logs the 4008 close',
    );
    assert.ok(sent * 8 * 1024 > 4 * SEND_BUFFER, 'the attack asked for far more than the ceiling');
    assert.ok(rssGrowth < 150e6, `RSS grew ${Math.round(rssGrowth / 1e6)} MB`);
    // The session outlives the socket for the grace period, like any network drop: it can be resumed.
    assert.equal(server.stats().sessions, sessionsBefore);
    const back = await rawClient(server.url);
    const resumed = await back.request(1, 'resume', { sessionToken: loginData.sessionToken, lastSeq: 0 });
    assert.equal(resumed.err, 0, resumed.msg);
    assert.equal((await back.request(2, 'ping')).err, 0);
    back.ws.close();
    attacker.ws.terminate();
    for (const c of crowd) c.ws.close();
  });
});

describe('requests in flight, login deadline, sockets per address', () => {
  let server: TestServer;
  before(async () => {
    // 1.5 s: the per-address test opens a socket that never logs in, then logs in four more; on a loaded
    // 2-core machine those take more than 0.4 s and the first one was closed before the cap was reached.
    server = await startTestServer({ limits: { requestsInFlight: 8, loginDeadlineMs: 1500, socketsPerAddress: 5 } });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a pipelining client gets 429 beyond the cap; every request is answered; others are not slowed', async () => {
    const c = await rawLogin(server.url, 'pipeliner');
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(c.request(1000 + i, 'getUserStatus'));
    const legit = legitimateCall(server);
    const replies = await Promise.all(answers);
    const refused = replies.filter((r) => r.err === SdkErr.TOO_MANY_REQUESTS);
    assert.ok(refused.length > 0, 'some requests were over the cap');
    assert.ok(refused.length < 200, 'requests under the cap were served');
    assert.match(refused[0]?.msg ?? '', /more than 8 requests in flight/);
    assert.ok(replies.every((r) => r.err === 0 || r.err === SdkErr.TOO_MANY_REQUESTS));
    assert.ok((await legit) > 0);
    c.ws.close();
  });

  test('a socket that does not log in is closed with 4001; a logged-in one stays', async () => {
    const idle = await rawClient(server.url);
    const user = await rawLogin(server.url, 'logs-in');
    const t0 = Date.now();
    assert.equal(await idle.closed, CloseCode.LOGIN_DEADLINE);
    assert.ok(Date.now() - t0 < 3000);
    await sleep(500);
    assert.equal((await user.request(2, 'ping')).err, 0, 'the logged-in socket is still served');
    user.ws.close();
  });

  test('sockets per address: the sixth from one address gets HTTP 429; another address logs in and calls', async (t) => {
    const probe = await rawClient(server.url, { localAddress: '127.0.0.2' }).catch((err: Error) => err);
    if (probe instanceof Error) {
      t.skip(`cannot bind 127.0.0.2 on this machine (${probe.message}); the per-address cap needs two addresses`);
      return;
    }
    const mine = [probe];
    for (let i = 0; i < 4; i++) mine.push(await rawLogin(server.url, `multi-${i}`, { localAddress: '127.0.0.2' }));
    // The probe never logs in; the others did. The cap counts every open socket.
    const refused = await rawClient(server.url, { localAddress: '127.0.0.2' }).catch((err: { status?: number }) => err);
    assert.equal((refused as { status?: number }).status, 429);
    assert.ok((await legitimateCall(server)) > 0, 'a user from another address is not locked out');
    mine[1]?.ws.close();
    await mine[1]?.closed;
    await sleep(50);
    const again = await rawClient(server.url, { localAddress: '127.0.0.2' });
    again.ws.close();
    for (const c of mine) c.ws.close();
  });
});

describe('session caches are bounded in bytes', () => {
  const log = pino({ level: 'silent' });
  test('the resume replay cache and the answered-request cache keep to their byte budgets', () => {
    const s = new Session('app', 'u', 'u', log, {
      replayBytes: 20_000,
      answeredBytes: 10_000,
      sendBufferBytes: 1 << 20,
    });
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 500; i++) s.notify('userStatus', { userID: `u${i}`, userStatus: 1, DNDType: 0, nickname: big });
    assert.ok(s.replayBytes <= 20_000, `replay cache holds ${s.replayBytes} bytes`);
    assert.ok(s.replayBytes > 15_000, 'the budget is used, not emptied');
    for (let i = 0; i < 100; i++) s.answer({ t: 'rsp', id: i, err: 0, data: { pad: big } }, `k${i}`);
    // The newest answers are remembered, the oldest dropped.
    assert.equal(s.checkRequestId(99, 'k99').kind, 'retry');
    assert.equal(s.checkRequestId(0, 'k0').kind, 'new');
    // An answer bigger than the whole budget is sent but not remembered.
    s.answer({ t: 'rsp', id: 500, err: 0, data: { pad: 'y'.repeat(20_000) } }, 'k500');
    assert.equal(s.checkRequestId(500, 'k500').kind, 'new');
  });
});

describe('sockets per address behind a trusted proxy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ trustProxy: true, limits: { socketsPerAddress: 2 } });
  });
  after(() => server.dispose());

  /** Opens a WebSocket as the proxy would, naming the client in X-Forwarded-For; resolves with the HTTP status. */
  const open = (client: string): Promise<{ status: number; ws: WebSocket }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`, { headers: { 'x-forwarded-for': client } });
      ws.once('open', () => resolve({ status: 101, ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
      ws.once('error', () => undefined);
    });

  test('the cap counts each client named by X-Forwarded-For, not the proxy: a third socket of one client gets 429, another client gets in', async () => {
    const a1 = await open('198.51.100.7');
    const a2 = await open('198.51.100.7');
    const a3 = await open('198.51.100.7');
    const b1 = await open('203.0.113.9');
    assert.deepEqual([a1.status, a2.status, a3.status, b1.status], [101, 101, 429, 101]);
    for (const s of [a1, a2, a3, b1]) s.ws.terminate();
  });
});
