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

/**
 * The web app's policy over HTTP. Same sources as the page's own meta policy (the app may point at
 * another CRVideo server, hence any ws:/wss:), plus what only a header can say: no framing at all.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self' ws: wss: http: https:",
  "media-src 'self' blob: mediastream:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The decoded path of a request target, or null when it is not a plain origin-form path this server
 * could serve: not starting with one `/`, `//` (read as a host by URL parsers), backslashes, bad or
 * overlong percent-encoding (`%`, `%zz`, `%ff`, `%c0%ae`), NUL or `..` segments.
 */
export function requestPath(target: string | undefined): string | null {
  if (target?.[0] !== '/' || target.startsWith('//') || target.includes('\\')) return null;
  const q = target.search(/[?#]/);
  const rawPath = q === -1 ? target : target.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\') || path.startsWith('//')) return null;
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) return null;
  return path;
}

function safeJoin(base: string, urlPath: string): string | null {
  const full = resolve(base, `.${normalize(`/${urlPath}`)}`);
  return full === base || full.startsWith(base + sep) ? full : null;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

function serveFile(res: ServerResponse, file: string | null, extra: Record<string, string> = {}): boolean {
  if (!file || !existsSync(file) || !statSync(file).isFile()) return false;
  send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream', extra);
  return true;
}

export interface HttpOptions {
  /** Serve `*.map` files (default false: source maps stay private). */
  serveSourceMaps?: boolean;
  /** Serve HTTPS with this PEM certificate (chain) and key. */
  tls?: { cert: string; key: string };
}

/**
 * HTTP (or HTTPS with `tls`): health, the SDK bundle and the web app. The WebSocket upgrade is handled
 * by SignalingServer.
 */
export function createHttpServer(routes: StaticRoutes, log: Logger, opts: HttpOptions = {}): Server | HttpsServer {
  const sdkDir = resolve(routes.sdkBundleDir);
  const appDir = resolve(routes.rendererDir);
  const appHeaders = { 'Content-Security-Policy': WEB_APP_CSP, 'X-Frame-Options': 'DENY' };
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = requestPath(req.url);
    if (path === null) {
      log.info({ method: req.method?.slice(0, 16), url: req.url?.slice(0, 200) }, 'bad request path');
      return send(res, 400, 'bad request');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    if (path === '/healthz') return send(res, 200, '{"ok":true}', TYPES['.json']);
    if (extname(path) === '.map' && !opts.serveSourceMaps) return send(res, 404, 'not found');
    if (path.startsWith('/sdk/')) {
      if (serveFile(res, safeJoin(sdkDir, path.slice('/sdk/'.length)))) return;
      log.warn({ path }, 'SDK bundle not found (run npm run build)');
      return send(res, 404, 'not found');
    }
    const file = safeJoin(appDir, path === '/' ? 'index.html' : path);
    if (serveFile(res, file, file?.endsWith('.html') ? appHeaders : {})) return;
    if (!extname(path) && serveFile(res, safeJoin(appDir, 'index.html'), appHeaders)) return;
    send(res, 404, 'not found');
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    try {
      route(req, res);
    } catch (err) {
      // Nothing a request carries may end the process: log it with context and answer 500.
      log.error({ err, method: req.method?.slice(0, 16), url: req.url?.slice(0, 200) }, 'HTTP request failed');
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    }
  };
  const server: Server = opts.tls
    ? (createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) as unknown as Server)
    : createServer(listener);
  // Malformed HTTP (bad request line, oversized headers): Node answers 400 itself once this listener exists.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug({ code: err.code }, 'HTTP client error');
    if (socket.writable && !socket.writableEnded) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // CONNECT (proxy tunnels) is not served; without a listener Node would drop the socket unanswered.
  server.on('connect', (_req: IncomingMessage, socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return server;
}
