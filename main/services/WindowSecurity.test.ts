import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Session, WebContents } from 'electron';
import {
  allowPermission,
  allowPermissionCheck,
  allowRequest,
  CONTENT_SECURITY_POLICY,
  guardContents,
  guardSession,
  resolveAppFile,
  secureWebPreferences,
} from './WindowSecurity.js';

test('every window: context isolation, sandbox, no Node, web security on', () => {
  const p = secureWebPreferences('/app/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.webviewTag, false);
});

test('permissions: camera and microphone for the app page only, nothing else', () => {
  assert.equal(allowPermission('media', 'app://crvideo/index.html', ['audio', 'video']), true);
  assert.equal(allowPermission('media', 'app://crvideo/index.html', undefined), true);
  assert.equal(allowPermission('media', 'https://evil.example/', ['video']), false);
  assert.equal(allowPermission('media', 'app://crvideo.evil/', ['video']), false);
  assert.equal(allowPermission('media', 'file:///etc/passwd', ['audio']), false);
  for (const p of ['geolocation', 'notifications', 'display-capture', 'clipboard-read', 'openExternal']) {
    assert.equal(allowPermission(p, 'app://crvideo/index.html', undefined), false, p);
  }
  assert.equal(allowPermissionCheck('media', 'app://crvideo'), true);
  assert.equal(allowPermissionCheck('media', 'https://evil.example'), false);
  assert.equal(allowPermissionCheck('geolocation', 'app://crvideo'), false);
});

test('no remote content: only the app scheme and in-memory data load', () => {
  assert.equal(allowRequest('app://crvideo/assets/index.js'), true);
  assert.equal(allowRequest('blob:app://crvideo/1234'), true);
  assert.equal(allowRequest('data:image/png;base64,AAAA'), true);
  for (const url of [
    'https://cdn.example/x.js',
    'http://127.0.0.1:8080/sdk/crvideo.js',
    'ws://x/ws',
    'file:///etc/hosts',
  ]) {
    assert.equal(allowRequest(url), false, url);
  }
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval/);
});

test('app URLs map to files inside the renderer folder and never outside it', () => {
  const root = '/opt/app/out/renderer';
  assert.equal(resolveAppFile(root, 'app://crvideo/'), join(root, 'index.html'));
  assert.equal(resolveAppFile(root, 'app://crvideo/assets/a.js?v=1#x'), join(root, 'assets/a.js'));
  assert.equal(resolveAppFile(root, 'app://crvideo/../../etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(resolveAppFile(root, 'app://crvideo/%2e%2e/%2e%2e/etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(resolveAppFile(root, 'app://crvideo/a%00b'), null);
  assert.equal(resolveAppFile(root, 'app://other/index.html'), null);
});

test('window contents: new windows denied; navigation, redirects and webviews prevented', () => {
  const handlers = new Map<string, (e: { url?: string; isMainFrame?: boolean; preventDefault(): void }) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = {
    setWindowOpenHandler: (h: typeof openHandler) => {
      openHandler = h;
    },
    on: (name: string, h: (e: { preventDefault(): void }) => void) => handlers.set(name, h),
  } as unknown as WebContents;
  guardContents(contents);
  assert.deepEqual(openHandler!({ url: 'https://evil.example/' }), { action: 'deny' });
  for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    handlers.get(name)!({ url: 'https://evil.example/', preventDefault: () => (prevented = true) });
    assert.equal(prevented, true, name);
  }
  let subframe = false;
  handlers.get('will-frame-navigate')!({
    url: 'https://x/',
    isMainFrame: false,
    preventDefault: () => (subframe = true),
  });
  assert.equal(subframe, true, 'frames cannot navigate either');
});

test('session: permission handlers, request blocking and the CSP header are installed', async () => {
  type ReqHandler = (wc: unknown, p: string, cb: (ok: boolean) => void, d: Record<string, unknown>) => void;
  let request: ReqHandler | null = null;
  let check: ((wc: unknown, p: string, origin: string) => boolean) | null = null;
  let before: ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
  let headers: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
  const session = {
    setPermissionRequestHandler: (h: ReqHandler) => {
      request = h;
    },
    setPermissionCheckHandler: (h: typeof check) => {
      check = h;
    },
    webRequest: {
      onBeforeRequest: (h: typeof before) => {
        before = h;
      },
      onHeadersReceived: (h: typeof headers) => {
        headers = h;
      },
    },
  } as unknown as Session;
  guardSession(session);
  const ask = (p: string, url: string, mediaTypes?: string[]) =>
    new Promise<boolean>((resolve) =>
      request!(null, p, resolve, { requestingUrl: url, mediaTypes, isMainFrame: true }),
    );
  assert.equal(await ask('media', 'app://crvideo/index.html', ['audio']), true);
  assert.equal(await ask('media', 'https://evil.example/', ['audio']), false);
  assert.equal(await ask('geolocation', 'app://crvideo/index.html'), false);
  assert.equal(check!(null, 'media', 'app://crvideo'), true);
  const cancelled = (url: string) => new Promise<boolean>((resolve) => before!({ url }, (r) => resolve(r.cancel)));
  assert.equal(await cancelled('https://cdn.example/lib.js'), true);
  assert.equal(await cancelled('app://crvideo/index.html'), false);
  const h = await new Promise<unknown>((resolve) => headers!({ responseHeaders: { 'X-A': ['1'] } }, resolve));
  assert.deepEqual(h, { responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
});
