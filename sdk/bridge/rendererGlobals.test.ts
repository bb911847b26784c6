import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CRVideoBridge } from './BridgeApi.js';
import type { InvokeRequest } from './channels.js';
import type { Ringtone } from './Ringtone.js';
import { installBridgeGlobals } from './rendererGlobals.js';

/** A scripted preload bridge: records invokes, lets the test push main→page events. */
function scriptedBridge(
  reply: (req: InvokeRequest) => { sdkErr: number } = () => ({ sdkErr: 0 }),
  session?: { UID: string; dnd: boolean },
) {
  const invokes: InvokeRequest[] = [];
  const listeners = {
    callback: new Set<(e: unknown) => void>(),
    media: new Set<(e: unknown) => void>(),
    ring: new Set<(e: unknown) => void>(),
  };
  const sub = (set: Set<(e: unknown) => void>) => (l: (e: unknown) => void) => {
    set.add(l);
    return () => set.delete(l);
  };
  const bridge: CRVideoBridge = {
    invoke: async (req) => {
      invokes.push(structuredClone(req));
      return reply(req);
    },
    hello: async () => (session ? { hostRingtone: true, session } : { hostRingtone: true }),
    mediaRequest: async () => ({ err: 0 }),
    onCallback: sub(listeners.callback),
    onMediaCommand: sub(listeners.media),
    onRingtone: sub(listeners.ring),
    vaultLoad: async () => null,
    vaultSave: async () => false,
    vaultClear: async () => true,
    companyCaGet: async () => null,
    companyCaSet: async () => ({ ok: false, problem: 'refused' }),
    companyCaClear: async () => true,
  };
  return {
    bridge,
    invokes,
    push: (e: unknown) => {
      for (const l of listeners.callback) l(structuredClone(e));
    },
    ring: (playing: boolean) => {
      for (const l of listeners.ring) l({ playing });
    },
    listenerCount: () => listeners.callback.size + listeners.media.size + listeners.ring.size,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('functions forward with the cookie kept in the page; the result hands the very same cookie back', async () => {
  const b = scriptedBridge();
  const page: Record<string, unknown> = {};
  installBridgeGlobals(b.bridge, page, { newCallID: () => 'call-1', log: () => {} });
  const cookie = { any: 'thing', fn: () => 1 };
  const seen: unknown[][] = [];
  (page.CRVideo_CallSuccess as { callback: unknown }).callback = (...a: unknown[]) => seen.push(a);
  const callID = (page.CRVideo_Call as (...a: unknown[]) => string)('bob', { ID: 7 }, 'hi', cookie);
  assert.equal(callID, 'call-1');
  await tick();
  assert.deepEqual(b.invokes, [{ fn: 'CRVideo_Call', args: ['bob', { ID: 7 }, 'hi', 1], callID: 'call-1' }]);
  b.push({ name: 'CRVideo_CallSuccess', args: ['call-1', null], cookie: { index: 1, ref: 1 } });
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.[1], cookie);
  assert.equal(page.CRVideo_HostRingtone, true);
});

test("holders work as in the H5 SDK: .callback, the seed's .call, a replaced holder, a bare function", () => {
  const b = scriptedBridge();
  const page: Record<string, unknown> = {};
  installBridgeGlobals(b.bridge, page, { log: () => {} });
  const got: string[] = [];
  (page.CRVideo_LineOff as { call: unknown }).call = (code: number) => got.push(`call ${code}`);
  page.CRVideo_NotifyCallIn = { callback: (id: string) => got.push(`holder ${id}`) };
  page.CRVideo_NotifyCallHungup = (id: string) => got.push(`bare ${id}`);
  (page.CRVideo_NotifyCallRejected as { callback: unknown }).callback = () => {
    throw new Error('app bug');
  };
  b.push({ name: 'CRVideo_LineOff', args: [10] });
  b.push({ name: 'CRVideo_NotifyCallIn', args: ['c1', { ID: 1 }, 'alice', ''] });
  b.push({ name: 'CRVideo_NotifyCallHungup', args: ['c1', ''] });
  const errors = console.error;
  console.error = () => {};
  try {
    b.push({ name: 'CRVideo_NotifyCallRejected', args: ['c1', 606, ''] });
  } finally {
    console.error = errors;
  }
  b.push({ name: 'CRVideo_NotifyCallHungup', args: ['c2', ''] });
  b.push({ name: 'not a callback', args: [] });
  b.push('garbage');
  assert.deepEqual(got, ['call 10', 'holder c1', 'bare c1', 'bare c2']);
});

test('a call main refuses, or one that cannot cross IPC, fails through its Fail callback with the code', async () => {
  const b = scriptedBridge((req) => ({ sdkErr: req.fn === 'CRVideo_SetDNDStatus' ? 5 : 0 }));
  const page: Record<string, unknown> = {};
  installBridgeGlobals(b.bridge, page, { newCallID: () => 'c9', log: () => {} });
  const fails: unknown[][] = [];
  (page.CRVideo_SetDNDStatusFail as { callback: unknown }).callback = (...a: unknown[]) => fails.push(a);
  (page.CRVideo_CallFail as { callback: unknown }).callback = (...a: unknown[]) => fails.push(a);
  (page.CRVideo_SetDNDStatus as (...a: unknown[]) => void)(1, 'dnd');
  (page.CRVideo_Call as (...a: unknown[]) => string)('bob', { ID: 1, el: () => 1 }, '', 'call');
  await tick();
  await tick();
  assert.deepEqual(fails, [
    ['c9', 5, 'call'],
    [5, 'dnd'],
  ]);
  assert.equal(b.invokes.length, 1, 'the unclonable call never left the page');
});

test('the ringtone follows main; close() detaches from the bridge', () => {
  const b = scriptedBridge();
  const page: Record<string, unknown> = {};
  const log: string[] = [];
  const ringtone: Ringtone = { start: () => log.push('start'), stop: () => log.push('stop'), playing: false };
  const g = installBridgeGlobals(b.bridge, page, { ringtone, log: () => {} });
  b.ring(true);
  b.ring(false);
  assert.deepEqual(log, ['start', 'stop']);
  g.close();
  assert.equal(b.listenerCount(), 0);
  assert.equal(page.CRVideo_Login, undefined, 'globals removed');
});

test("a reloaded page's sign-in to main's live session is answered at once, not sent again", async () => {
  const b = scriptedBridge(undefined, { UID: 'alice', dnd: true });
  const page: Record<string, unknown> = {};
  installBridgeGlobals(b.bridge, page, { log: () => {} });
  const seen: string[] = [];
  (page.CRVideo_LoginSuccess as { callback: unknown }).callback = (UID: string, c: unknown) =>
    seen.push(`ok ${UID} ${c}`);
  (page.CRVideo_NotifyDNDStatus as { callback: unknown }).callback = (v: number) => seen.push(`dnd ${v}`);
  (page.CRVideo_Login as (...a: unknown[]) => void)('app', 'md5', 'Alice', 'alice', '', 'my-cookie');
  await tick();
  assert.deepEqual(seen, ['ok alice my-cookie', 'dnd 1']);
  assert.deepEqual(b.invokes, [], 'main is not asked to sign in again');
  (page.CRVideo_Login as (...a: unknown[]) => void)('app', 'md5', 'Alice', 'alice', '', 'second');
  await tick();
  assert.equal(b.invokes.length, 1, 'a later sign-in goes to main as usual');
});

test('a reloaded page that does not sign in by itself is told it is signed in, once its app started', async () => {
  const b = scriptedBridge(undefined, { UID: 'alice', dnd: false });
  const page: Record<string, unknown> = {};
  installBridgeGlobals(b.bridge, page, { log: () => {} });
  const seen: unknown[][] = [];
  (page.CRVideo_NotifySessionRestored as { callback: unknown }).callback = (...a: unknown[]) => seen.push(a);
  (page.CRVideo_Init as () => void)();
  await tick();
  assert.deepEqual(seen, [['alice', 0]]);
});
