import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/** The repository (or installed package) root: where package.json names crvideo-phone. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'crvideo-phone') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export interface StaticRoutes {
  /** The browser SDK bundle served at /sdk/crvideo.js. */
  sdkBundleDir: string;
  /** The built renderer (web app) served at /. */
  rendererDir: string;
}

export function defaultStaticRoutes(): StaticRoutes {
  const root = packageRoot();
  return { sdkBundleDir: join(root, 'dist', 'sdk-browser'), rendererDir: join(root, 'dist', 'renderer') };
}

function safeJoin(base: string, urlPath: string): string | null {
  const full = resolve(base, `.${normalize(`/${urlPath}`)}`);
  return full === base || full.startsWith(base + sep) ? full : null;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}

function serveFile(res: ServerResponse, file: string | null): boolean {
  if (!file || !existsSync(file) || !statSync(file).isFile()) return false;
  send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
  return true;
}

/**
 * HTTP (or HTTPS with `tls`): health, the SDK bundle and the web app. The WebSocket upgrade is handled
 * by SignalingServer.
 */
export function createHttpServer(
  routes: StaticRoutes,
  log: Logger,
  tls?: { cert: string; key: string },
): Server | HttpsServer {
  const sdkDir = resolve(routes.sdkBundleDir);
  const appDir = resolve(routes.rendererDir);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    if (path === '/healthz') return send(res, 200, '{"ok":true}', TYPES['.json']);
    if (path.startsWith('/sdk/')) {
      if (serveFile(res, safeJoin(sdkDir, path.slice('/sdk/'.length)))) return;
      log.warn({ path }, 'SDK bundle not found (run npm run build)');
      return send(res, 404, 'not found');
    }
    if (serveFile(res, safeJoin(appDir, path === '/' ? 'index.html' : path))) return;
    if (!extname(path) && serveFile(res, safeJoin(appDir, 'index.html'))) return;
    send(res, 404, 'not found');
  };
  return tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
}
