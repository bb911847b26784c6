import { normalize, resolve, sep } from 'node:path';
import type { Session, WebContents, WebPreferences } from 'electron';
import { createLog } from './log.js';

const log = createLog('WindowSecurity');

/** The app's pages are served from this privileged, secure, standard scheme (never file://, never http). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'crvideo';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * CSP sent with every page of the app. The renderer talks to nothing but main (the signaling socket lives
 * there), so no network origin is allowed at all; media comes as MediaStreams (blob:/mediastream:).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The webPreferences of every window of the app. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    experimentalFeatures: false,
    safeDialogs: true,
    spellcheck: false,
    // The phone must ring (and media must flow) while the window is hidden in the tray.
    backgroundThrottling: false,
    // No middle-click opening of links in new windows (setWindowOpenHandler denies them anyway).
    disableBlinkFeatures: 'Auxclick',
  };
}

/** Whether `url` is one of the app's own pages (`origin` is APP_ORIGIN, or the dev server's in development). */
export function isAppUrl(url: string | null | undefined, origin: string = APP_ORIGIN): boolean {
  if (!url) return false;
  return url === origin || url.startsWith(`${origin}/`);
}

/** Permission requests: only camera / microphone ('media', audio or video) for the app's own page. */
export function allowPermission(
  permission: string,
  requestingUrl: string | undefined,
  mediaTypes: readonly string[] | undefined,
  origin: string = APP_ORIGIN,
): boolean {
  if (permission !== 'media' || !isAppUrl(requestingUrl, origin)) return false;
  return (mediaTypes ?? []).every((t) => t === 'audio' || t === 'video');
}

/** Permission checks (e.g. device labels): 'media' for the app's own origin only. */
export function allowPermissionCheck(
  permission: string,
  requestingOrigin: string,
  origin: string = APP_ORIGIN,
): boolean {
  return permission === 'media' && (requestingOrigin === origin || requestingOrigin === `${origin}/`);
}

/** Which requests a page may make: its own scheme and in-memory data only — no remote content. */
export function allowRequest(url: string, origin: string = APP_ORIGIN): boolean {
  if (isAppUrl(url, origin)) return true;
  return /^(blob|data|devtools):/i.test(url);
}

/**
 * The file under `root` an app URL names ('/' is index.html), or null when it would leave `root` or is
 * not an app URL.
 */
export function resolveAppFile(root: string, url: string, origin: string = APP_ORIGIN): string | null {
  if (!isAppUrl(url, origin)) return null;
  let path = url.slice(origin.length).split(/[?#]/)[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (path === '' || path === '/') path = '/index.html';
  if (path.includes('\0')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${normalize(`/${path}`)}`);
  return file.startsWith(base + sep) ? file : null;
}

/** Content type of the files the app serves. */
export function contentTypeOf(file: string): string {
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    html: 'text/html; charset=utf-8',
    js: 'text/javascript; charset=utf-8',
    mjs: 'text/javascript; charset=utf-8',
    css: 'text/css; charset=utf-8',
    json: 'application/json',
    svg: 'image/svg+xml',
    png: 'image/png',
    ico: 'image/x-icon',
    woff2: 'font/woff2',
    wav: 'audio/wav',
    map: 'application/json',
  };
  return types[ext] ?? 'application/octet-stream';
}

/**
 * Locks a window's contents down: no new windows, no navigation away from the loaded page, no
 * redirects, no webviews.
 */
export function guardContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    log(`window.open(${url}) denied`);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    log(`navigation to ${event.url} prevented`);
    event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame) return; // handled by will-navigate
    log(`frame navigation to ${event.url} prevented`);
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    log(`redirect to ${event.url} prevented`);
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    log('webview prevented');
    event.preventDefault();
  });
}

/**
 * Session-wide rules: media permission only for the app's page, every other permission refused, no
 * request leaves the app's own scheme, and the CSP header on everything served.
 */
export function guardSession(session: Session, origin: string = APP_ORIGIN): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    const ok = allowPermission(permission, details.requestingUrl, mediaTypes, origin);
    if (!ok) log(`permission ${permission} for ${details.requestingUrl} denied`);
    callback(ok);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    allowPermissionCheck(permission, requestingOrigin, origin),
  );
  session.webRequest.onBeforeRequest((details, callback) => {
    const ok = allowRequest(details.url, origin);
    if (!ok) log(`request to ${details.url} blocked`);
    callback({ cancel: !ok });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}
