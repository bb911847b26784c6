import type { LoginLimits } from './auth/LoginLimiter.js';
import type { UserAuthMode } from './auth/UserAuth.js';
import type { WebhookOptions } from './auth/Webhook.js';
import type { TransportLimits } from './limits.js';
import type { MediaPlaneOptions } from './media/config.js';
import type { TurnOptions } from './media/TurnCredentials.js';
import type { AppRow } from './Store.js';

/** Settings of `startServer`; the CLI reads the same from flags and CRVIDEO_* environment variables. */
export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port; 0 picks a free one (default 0). */
  port?: number;
  /** Where the SQLite store lives (default ./data). */
  dataDir?: string;
  /** Apps to create or update. With none stored and none given, a dev app is created and printed. */
  apps?: AppRow[];
  /** No answer within this time → 604 / missed (default 30 000). */
  callTimeoutMs?: number;
  /** How long a session outlives a dropped socket (default 20 000). */
  graceMs?: number;
  /** NotifyTokenWillExpire lead time (default 30 000). */
  tokenWarnMs?: number;
  /** Keep several devices per UID logged in (default false: a new login kicks the old one). */
  multiDevice?: boolean;
  /** Members per room (default 16). */
  maxMembers?: number;
  /** Base URL in `pubMeetUrl` (default the server's own URL). */
  publicUrl?: string;
  /** pino level (default info); ignored when `logger` is given. */
  logLevel?: string;
  /** The mediasoup media plane's settings, or false for a signaling-only server. */
  media?: false | MediaPlaneOptions;
  /**
   * How users prove who they are (default 'accounts'): built-in accounts with passwords, the
   * customer's backend (`webhook`), or 'none' (anyone knowing the app secret is anyone: tests, bots).
   */
  userAuth?: UserAuthMode;
  /** The customer's user check, for `userAuth: 'webhook'`. */
  webhook?: WebhookOptions;
  /** Lifetime of the tokens issued to users (default 15 min). */
  userTokenTtlMs?: number;
  /** Brute-force limits of password checks (default 5 failures per user, 30 per address, per 15 min). */
  loginLimits?: LoginLimits;
  /**
   * Serve https/wss with this certificate and key (PEM text; `cert` may hold the chain). The
   * returned `url` then starts with https://; `reloadTls()` swaps them without a restart.
   */
  tls?: { cert: string; key: string };
  /**
   * Behind a reverse proxy (nginx, Caddy) on the same host: take the client address from the
   * proxy's X-Forwarded-For, so sign-in limits per address count people, not the proxy.
   */
  trustProxy?: boolean;
  /** TURN relays for clients behind strict firewalls; each client gets short-lived credentials. */
  turn?: TurnOptions;
  /** Folders served over HTTP (default dist/sdk-browser and dist/renderer of this package). */
  staticRoutes?: { sdkBundleDir: string; rendererDir: string };
  /** Per-socket, per-session and per-address bounds (defaults in server/limits.ts and the README). */
  limits?: Partial<TransportLimits>;
  /**
   * Origins allowed to open the signaling WebSocket, besides the server's own origin, `app://crvideo`
   * and clients that send no Origin (Node SDK, the desktop main process). `'*'` allows any.
   */
  allowedOrigins?: string[];
  /**
   * Host names a browser may reach the WebSocket by, besides IP literals, `localhost` and the host of
   * `publicUrl` (a browser request naming any other Host is refused: DNS rebinding).
   */
  allowedHosts?: string[];
  /** Serve `*.map` source maps of the web app (default false). */
  serveSourceMaps?: boolean;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  dataDir: './data',
  callTimeoutMs: 30_000,
  graceMs: 20_000,
  tokenWarnMs: 30_000,
  multiDevice: false,
  maxMembers: 16,
  logLevel: 'info',
  userAuth: 'accounts',
} as const;

export const DEV_APP_ID = 'crvideo-dev';
