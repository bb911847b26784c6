// Network drops through a real TCP proxy per user (server/testing/CutProxy.ts), real server, real SDK:
// a drop shorter than the grace loses no call; a longer one ends every call on both sides with the
// documented callbacks; a server restart leaves no ghost call; a session the server ended is told to
// the app (LineOff 207), never replaced by a silent re-login. Grace is kept small (3 s) to run quickly.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CallbackName } from '../sdk/api.js';
import { type CRVideoClient, createCRVideo, md5Hex, reconnectNow, watchOnlineEvents } from '../sdk/index.js';
import { CutProxy } from './testing/CutProxy.js';
import {
  callAndAccept,
  closeClients,
  login,
  next,
  ring,
  sleep,
  startTestServer,
  TEST_APP,
  type TestServer,
} from './testing/fixtures.js';

const GRACE_MS = 3000;
const LOSS_EVENTS: CallbackName[] = [
  'CRVideo_NotifyCallHungup',
  'CRVideo_NotifyCallRejected',
  'CRVideo_MeetingDropped',
  'CRVideo_LineOff',
];

/** Every callback of `c` from now on, in order. */
function record(c: CRVideoClient): Array<[CallbackName, unknown[]]> {
  const seen: Array<[CallbackName, unknown[]]> = [];
  c.$core.onEmit((name, args) => {
    seen.push([name, args]);
  });
  return seen;
}

const named = (log: Array<[CallbackName, unknown[]]>, ...names: CallbackName[]) =>
  log.filter(([n]) => names.includes(n)).map(([n, args]) => `${n}(${args.map((a) => JSON.stringify(a)).join(',')})`);

const rand = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

const proxies: CutProxy[] = [];
async function viaProxy(server: TestServer, UID: string): Promise<{ c: CRVideoClient; p: CutProxy }> {
  const p = await CutProxy.create(server.port);
  proxies.push(p);
  return { c: await login({ url: p.url }, UID), p };
}
async function closeProxies(): Promise<void> {
  closeClients();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
}

describe('network drops through a cutting proxy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ graceMs: GRACE_MS });
  });
  after(() => server.dispose());
  afterEach(closeProxies);

  test('many calls, each link cut for 0.1 s … grace − 0.5 s: zero calls lost', async () => {
    const PAIRS = 12;
    const pairs = await Promise.all(
      Array.from({ length: PAIRS }, async (_, i) => {
        const a = await viaProxy(server, `cut-a${i}`);
        const b = await viaProxy(server, `cut-b${i}`);
        const { callID } = await callAndAccept(a.c, b.c, `cut-b${i}`);
        return { a, b, callID, logA: record(a.c), logB: record(b.c) };
      }),
    );
    const cuts: string[] = [];
    await Promise.all(
      pairs.flatMap(({ a, b }, i) => {
        const who = i % 3 === 0 ? [a, b] : i % 3 === 1 ? [a] : [b];
        return who.map(async (side) => {
          await sleep(rand(0, 300));
          const ms = Math.round(rand(100, GRACE_MS - 500));
          cuts.push(`${i}:${ms}`);
          const back = next(side.c, 'CRVideo_NotifyReconnecting', GRACE_MS + 4000, (on) => !on);
          await side.p.cut(ms);
          await back;
        });
      }),
    );
    for (const [i, { logA, logB }] of pairs.entries()) {
      assert.deepEqual(named(logA, ...LOSS_EVENTS), [], `pair ${i} caller lost something (cuts ${cuts})`);
      assert.deepEqual(named(logB, ...LOSS_EVENTS), [], `pair ${i} callee lost something (cuts ${cuts})`);
    }
    // Every call is still there: the caller hangs up and the callee hears it.
    await Promise.all(
      pairs.map(async ({ a, b, callID }) => {
        const heard = next(b.c, 'CRVideo_NotifyCallHungup', 5000);
        const ok = next(a.c, 'CRVideo_HangupCallSuccess', 5000);
        a.c.CRVideo_HungupCall(callID, 'bye');
        await ok;
        assert.deepEqual(await heard, [callID, 'bye']);
      }),
    );
  });

  test('a cut longer than grace + 1 s ends every call on both sides, once, with the right callbacks', async () => {
    const accepted = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const a = await viaProxy(server, `long-a${i}`);
        const b = await viaProxy(server, `long-b${i}`);
        const { callID, meet } = await callAndAccept(a.c, b.c, `long-b${i}`);
        const entered = next(a.c, 'CRVideo_EnterMeetingRslt');
        a.c.CRVideo_EnterMeeting3(meet.ID);
        assert.equal((await entered)[0], 0);
        return { a, b, callID, logA: record(a.c), logB: record(b.c) };
      }),
    );
    const a = await viaProxy(server, 'long-ringer');
    const b = await viaProxy(server, 'long-rung');
    const ringing = { a, b, ...(await ring(a.c, b.c, 'long-rung')), logA: record(a.c), logB: record(b.c) };

    const cutMs = GRACE_MS + 1500;
    // Pairs 0, 1: the caller (in the room) loses its link; pairs 2, 3: the callee; and the ringing caller.
    const cutSides = [...accepted.map((x, i) => (i < 2 ? x.a : x.b)), ringing.a];
    await Promise.all(cutSides.map((s) => s.p.cut(cutMs)));
    await sleep(1000); // anything told twice would have come by now

    for (const [i, x] of accepted.entries()) {
      const cutLog = i < 2 ? x.logA : x.logB;
      const peerLog = i < 2 ? x.logB : x.logA;
      const lost = [`CRVideo_NotifyCallHungup("${x.callID}","",207)`];
      if (i < 2) lost.push('CRVideo_MeetingDropped(207)');
      lost.push('CRVideo_LineOff(207)');
      assert.deepEqual(
        named(cutLog, 'CRVideo_NotifyCallHungup', 'CRVideo_MeetingDropped', 'CRVideo_LineOff'),
        lost,
        `pair ${i}: the side whose link was cut`,
      );
      assert.deepEqual(
        named(peerLog, ...LOSS_EVENTS),
        [`CRVideo_NotifyCallHungup("${x.callID}","",207)`],
        `pair ${i}: the other side`,
      );
    }
    assert.deepEqual(named(ringing.logA, ...LOSS_EVENTS), [
      `CRVideo_NotifyCallRejected("${ringing.callID}",207,"")`,
      'CRVideo_LineOff(207)',
    ]);
    assert.deepEqual(named(ringing.logB, ...LOSS_EVENTS), [`CRVideo_NotifyCallHungup("${ringing.callID}","",207)`]);
  });
});

describe('server restart and server-side expiry', () => {
  afterEach(closeProxies);

  test('calls across a server restart (some links cut through it): no ghost call, no LineOff', async () => {
    let server = await startTestServer({ graceMs: GRACE_MS });
    const { port, dataDir } = server;
    try {
      const calls = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const a = await viaProxy(server, `rs-a${i}`);
          const b = await viaProxy(server, `rs-b${i}`);
          const { callID } = await (i === 3 ? ring(a.c, b.c, `rs-b${i}`) : callAndAccept(a.c, b.c, `rs-b${i}`));
          return { a, b, callID, ringing: i === 3, logA: record(a.c), logB: record(b.c) };
        }),
      );
      const everyone = calls.flatMap((x) => [x.a, x.b]);
      const backs = everyone.map((s) => next(s.c, 'CRVideo_NotifyReconnecting', 15_000, (on) => !on));
      // Half the links are also cut for 1.5 s from the moment the server goes down.
      const cuts = everyone.filter((_, i) => i % 2 === 0).map((s) => s.p.cut(1500));
      await server.close();
      server = await startTestServer({ graceMs: GRACE_MS, port, dataDir });
      await Promise.all([...backs, ...cuts]);

      for (const [i, x] of calls.entries()) {
        for (const [side, log] of [
          ['caller', x.logA],
          ['callee', x.logB],
        ] as const) {
          const ended =
            x.ringing && side === 'caller'
              ? `CRVideo_NotifyCallRejected("${x.callID}",207,"")`
              : `CRVideo_NotifyCallHungup("${x.callID}","",207)`;
          // Ended once: by the server as it closed, or by the SDK's reconciliation before "back".
          const seen = named(log, ...LOSS_EVENTS, 'CRVideo_NotifyReconnecting');
          assert.deepEqual(
            seen.filter((e) => e !== 'CRVideo_NotifyReconnecting(true)'),
            [ended, 'CRVideo_NotifyReconnecting(false)'],
            `call ${i} ${side}: the lost call is ended once, before "back", and no LineOff`,
          );
        }
      }
      // Signed in again for real: a new call goes through.
      const { a, b } = calls[0] ?? assert.fail('no calls');
      const again = await callAndAccept(a.c, b.c, 'rs-b0');
      assert.ok(again.callID);
    } finally {
      await closeProxies();
      await server.dispose();
    }
  });

  test('the server ended the session while the client had not noticed yet: LineOff(207), no silent re-login', async () => {
    const server = await startTestServer({ graceMs: 2000 });
    try {
      const bob = await login(server, 'exp-bob');
      const p = await CutProxy.create(server.port);
      proxies.push(p);
      // A slow heartbeat: this client notices a dead link seconds after the server does.
      const alice = createCRVideo({
        serverAddr: p.url,
        log: () => undefined,
        heartbeatMs: 3000,
        requestTimeoutMs: 1500,
      });
      const ok = next(alice, 'CRVideo_LoginSuccess');
      alice.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), 'Alice', 'exp-alice', '', null);
      await ok;
      const { callID } = await callAndAccept(alice, bob, 'exp-bob');
      const logA = record(alice);
      const logB = record(bob);
      const lineOff = next(alice, 'CRVideo_LineOff', 15_000);
      await p.mute(4300); // the server gives the session up at 2 s + 2 s margin
      assert.deepEqual(await lineOff, [207]);
      await sleep(500);
      assert.deepEqual(named(logA, ...LOSS_EVENTS), [
        `CRVideo_NotifyCallHungup("${callID}","",207)`,
        'CRVideo_LineOff(207)',
      ]);
      assert.deepEqual(named(logA, 'CRVideo_LoginSuccess'), [], 'no silent re-login');
      assert.deepEqual(named(logB, ...LOSS_EVENTS), [`CRVideo_NotifyCallHungup("${callID}","",207)`]);
      alice.CRVideo_Logout();
    } finally {
      await closeProxies();
      await server.dispose();
    }
  });
});

describe('network-change hints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ graceMs: 10_000 });
  });
  after(() => server.dispose());
  afterEach(closeProxies);

  /** A client whose own schedule would wait a minute between attempts: only a hint brings it back soon. */
  async function slowClient(UID: string): Promise<{ c: CRVideoClient; p: CutProxy }> {
    const p = await CutProxy.create(server.port);
    proxies.push(p);
    const c = createCRVideo({
      serverAddr: p.url,
      log: () => undefined,
      reconnectPolicy: { nextDelayMs: () => 60_000 },
    });
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), UID, UID, '', null);
    await ok;
    return { c, p };
  }

  test('reconnectNow() (Electron powerMonitor resume) makes an attempt at once', async () => {
    const { c, p } = await slowClient('hint-a');
    const states: boolean[] = [];
    c.$core.onEmit((n, args) => {
      if (n === 'CRVideo_NotifyReconnecting') states.push(args[0] as boolean);
    });
    await p.cut(300);
    await sleep(300);
    assert.deepEqual(states, [true], 'still down: the next scheduled attempt is a minute away');
    const back = next(c, 'CRVideo_NotifyReconnecting', 3000, (on) => !on);
    reconnectNow(c);
    await back;
    c.CRVideo_Logout();
  });

  test("the browser's online event makes an attempt at once", async () => {
    const { c, p } = await slowClient('hint-b');
    const win = new EventTarget();
    const off = watchOnlineEvents(c, win);
    await p.cut(300);
    await sleep(300);
    const back = next(c, 'CRVideo_NotifyReconnecting', 3000, (on) => !on);
    win.dispatchEvent(new Event('online'));
    await back;
    off();
    c.CRVideo_Logout();
  });

  test('reconnectNow() on a line that looks up but is dead (after sleep): found out and resumed, the call kept', async () => {
    const bob = await login(server, 'hint-bob');
    const { c, p } = await slowClient('hint-c');
    const { callID } = await callAndAccept(c, bob, 'hint-bob');
    const losses = record(c);
    // The client's socket stays open but silent for 4 s, as after a laptop sleep; the heartbeat is 10 s.
    const linkBack = p.mute(4000);
    const down = next(c, 'CRVideo_NotifyReconnecting', 3500, (on) => on);
    reconnectNow(c); // a ping with a 2 s deadline finds the socket dead before anything else would
    await down;
    await linkBack;
    const back = next(c, 'CRVideo_NotifyReconnecting', 3000, (on) => !on);
    reconnectNow(c);
    await back;
    assert.deepEqual(named(losses, ...LOSS_EVENTS), []);
    const heard = next(bob, 'CRVideo_NotifyCallHungup');
    c.CRVideo_HungupCall(callID, 'kept');
    assert.deepEqual(await heard, [callID, 'kept']);
    c.CRVideo_Logout();
  });
});
