import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CRVideoAPI } from '../api.js';
import { installGlobals } from './globals.js';

/** A stand-in API object shaped like the core's: functions and `{ callback }` holders. */
function fakeApi() {
  const calls: unknown[][] = [];
  const api = {
    CRVideo_Login: (...args: unknown[]) => calls.push(args),
    CRVideo_LoginSuccess: { callback: null as unknown },
    CRVideo_NotifyCallIn: { callback: null as unknown },
    $core: { internal: true },
    notAnApiName: 1,
  };
  const fire = (name: 'CRVideo_LoginSuccess' | 'CRVideo_NotifyCallIn', ...args: unknown[]) => {
    const h = api[name] as { callback?: unknown; call?: unknown };
    const fn = typeof h.callback === 'function' ? h.callback : typeof h.call === 'function' ? h.call : null;
    (fn as ((...a: unknown[]) => void) | null)?.(...args);
  };
  return { api, calls, fire };
}

test('every CRVideo_* function and holder becomes a global, nothing else', () => {
  const { api, calls } = fakeApi();
  const g: Record<string, unknown> = {};
  installGlobals(api as unknown as CRVideoAPI, g);
  assert.deepEqual(Object.keys(g).sort(), ['CRVideo_Login', 'CRVideo_LoginSuccess', 'CRVideo_NotifyCallIn']);
  (g.CRVideo_Login as (...a: unknown[]) => void)('app', 'md5', 'nick', 'u1', '', 7);
  assert.deepEqual(calls, [['app', 'md5', 'nick', 'u1', '', 7]]);
  assert.equal(g.CRVideo_LoginSuccess, api.CRVideo_LoginSuccess, 'the holder is the SDK’s own object');
});

test('apps may set .callback, .call, a whole new holder or a bare function: the SDK hears each', () => {
  const { api, fire } = fakeApi();
  const g: Record<string, unknown> = {};
  installGlobals(api as unknown as CRVideoAPI, g);
  const got: unknown[] = [];

  (g.CRVideo_LoginSuccess as { callback: unknown }).callback = (uid: string) => got.push(['callback', uid]);
  fire('CRVideo_LoginSuccess', 'u1');
  g.CRVideo_LoginSuccess = { callback: (uid: string) => got.push(['holder', uid]) };
  fire('CRVideo_LoginSuccess', 'u2');
  g.CRVideo_LoginSuccess = (uid: string) => got.push(['function', uid]);
  fire('CRVideo_LoginSuccess', 'u3');
  // The seed's own spelling: `.call = function…` on a notification holder.
  (g.CRVideo_NotifyCallIn as { call: unknown }).call = (id: string) => got.push(['call', id]);
  fire('CRVideo_NotifyCallIn', 'c1');
  g.CRVideo_LoginSuccess = null;
  fire('CRVideo_LoginSuccess', 'u4');

  assert.deepEqual(got, [
    ['callback', 'u1'],
    ['holder', 'u2'],
    ['function', 'u3'],
    ['call', 'c1'],
  ]);
});

test('the uninstaller removes the globals', () => {
  const { api } = fakeApi();
  const g: Record<string, unknown> = { other: 1 };
  const uninstall = installGlobals(api as unknown as CRVideoAPI, g);
  uninstall();
  assert.deepEqual(Object.keys(g), ['other']);
});
