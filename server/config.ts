import type { UserAuthMode } from './auth/UserAuth.js';
import type { WebhookOptions } from './auth/Webhook.js';
import type { ClusterOptions, StoreOptions } from './cluster/options.js';
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
   * Limits (README "Limits and protections"); unset keys keep their default. Transport bounds
   * (server/limits.ts) and per-user / per-address rate and count limits (server/limits/) share this object.
   */
  limits?: Partial<ServerLimits & TransportLimits>;
  /**
   * How users prove who they are (default 'accounts'): built-in accounts with passwords, the
   * customer's backend (`webhook`), or 'none' (anyone knowing the app secret is anyone: tests, bots).
   */
  userAuth?: UserAuthMode;
  /** The customer's user check, for `userAuth: 'webhook'`. */
  webhook?: WebhookOptions;
  /** Lifetime of the tokens issued to users (default 15 min). */
  userTokenTtlMs?: number;
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
  /**
   * Cluster mode: this node is one of several sharing presence, sessions and call routing through
   * Redis; rooms are pinned to one node each. Without it the server is one process on its own.
   */
  cluster?: ClusterOptions;
  /** The durable store: PostgreSQL shared by every node (without it, SQLite in `dataDir`). */
  store?: StoreOptions;
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

/**
 * What one user, address or session may cost the server. The defaults never bother a real user; an
 * attacker hits them and gets a clear code (904 over a limit, 806 locked out, 902 disk full).
 */
export interface ServerLimits {
  /** Failed logins per UID before back-off starts. */
  loginFreeFailuresPerUID: number;
  /** Failed logins per remote address (IPv6: per /64) before back-off starts. */
  loginFreeFailuresPerAddress: number;
  /** First back-off after the free failures; doubles with each further failure. */
  loginBackoffMs: number;
  /** Longest back-off. */
  loginBackoffMaxMs: number;
  /** Failures per UID within `loginFailureWindowMs` that lock the UID out (806). */
  loginLockoutFailuresPerUID: number;
  /** Failures per address within `loginFailureWindowMs` that lock the address out (806). */
  loginLockoutFailuresPerAddress: number;
  /** Window over which login failures are counted. */
  loginFailureWindowMs: number;
  /** How long a lockout lasts. */
  loginLockoutMs: number;
  /**
   * After a request refused under a limit (904 and the like), the server reads nothing more from that
   * socket for this long: a client that keeps hammering a limit is answered a few times a second, not
   * a thousand (each answer costs the server as much as the request would have).
   */
  refusalHoldMs: number;
  /** Requests one socket may send per second; past it the server stops reading that socket for a moment. */
  requestsPerSocketPerSecond: number;
  /** Requests all sockets of one address may send per second together (same pacing). */
  requestsPerAddressPerSecond: number;
  /** Addresses without the per-address budget (a local reverse proxy, benchmarks on this machine). */
  budgetExemptAddresses: string[];
  /** Requests a socket that has not logged in yet may send per second (same pacing). */
  guestRequestsPerSocketPerSecond: number;
  /** Requests all not-logged-in sockets of one address may send per second together (same pacing). */
  guestRequestsPerAddressPerSecond: number;
  /** Rooms one user may create per `meetingsWindowMs`. */
  meetingsPerUser: number;
  meetingsWindowMs: number;
  /** Calls one user may have going out at once (ringing or answered). */
  outgoingCallsPerUser: number;
  /** Failed calls (unknown, offline or busy callee…) one user may make per `failedCallWindowMs`; then 904 at once. */
  failedCallsPerUser: number;
  failedCallWindowMs: number;
  /** And at most this many within `failedCallBurstWindowMs` (the minute's allowance is not spent at once). */
  failedCallsBurst: number;
  failedCallBurstWindowMs: number;
  /** Rejections by one callee within `rejectWindowMs` after which the same caller may not ring them again… */
  rejectsBeforeCooldown: number;
  rejectWindowMs: number;
  /** …for this long. */
  rejectCooldownMs: number;
  /** `enterMeeting` requests per session per `enterMeetingWindowMs`. */
  enterMeetingPerSession: number;
  enterMeetingWindowMs: number;
  /** DND changes per user per `dndWindowMs`. */
  dndChangesPerUser: number;
  dndWindowMs: number;
  /**
   * And at most this many within `dndBurstWindowMs`: the minute's allowance cannot be spent in one
   * go (30 users × 30 changes at once were 900 status changes in the first 100 ms of a presence storm).
   */
  dndBurstChanges: number;
  dndBurstWindowMs: number;
  /** A subscriber hears about one user at most once per this interval (the last state wins). */
  presenceCoalesceMs: number;
  /** Largest (and default) page of `GetUserStatus` without a UID (online users only). */
  userStatusPageSize: number;
  /** `GetCallRecords` page size when none is given, largest page size, and deepest record reachable. */
  callRecordsDefaultLimit: number;
  callRecordsMaxLimit: number;
  callRecordsMaxDepth: number;
  /** Failed calls from one caller to one callee with one code within this time share one record. */
  failedCallMergeMs: number;
  /** Below this many free bytes on the data volume nothing new is stored (902). */
  minFreeDiskBytes: number;
  /** SQLite WAL file is truncated back to this size after checkpoints (`journal_size_limit`). */
  walSizeLimitBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  loginFreeFailuresPerUID: 5,
  loginFreeFailuresPerAddress: 20,
  loginBackoffMs: 1000,
  loginBackoffMaxMs: 60_000,
  loginLockoutFailuresPerUID: 50,
  loginLockoutFailuresPerAddress: 200,
  loginFailureWindowMs: 3_600_000,
  loginLockoutMs: 900_000,
  requestsPerSocketPerSecond: 200,
  requestsPerAddressPerSecond: 1000,
  budgetExemptAddresses: ['127.0.0.1', '::1'],
  guestRequestsPerSocketPerSecond: 20,
  guestRequestsPerAddressPerSecond: 100,
  meetingsPerUser: 120,
  meetingsWindowMs: 600_000,
  outgoingCallsPerUser: 10,
  failedCallsPerUser: 120,
  failedCallWindowMs: 60_000,
  failedCallsBurst: 20,
  failedCallBurstWindowMs: 10_000,
  rejectsBeforeCooldown: 3,
  rejectWindowMs: 60_000,
  rejectCooldownMs: 120_000,
  enterMeetingPerSession: 30,
  enterMeetingWindowMs: 60_000,
  dndChangesPerUser: 30,
  dndWindowMs: 60_000,
  dndBurstChanges: 5,
  dndBurstWindowMs: 10_000,
  refusalHoldMs: 200,
  presenceCoalesceMs: 100,
  userStatusPageSize: 500,
  callRecordsDefaultLimit: 50,
  callRecordsMaxLimit: 200,
  callRecordsMaxDepth: 10_000,
  failedCallMergeMs: 600_000,
  minFreeDiskBytes: 256 * 1024 * 1024,
  walSizeLimitBytes: 64 * 1024 * 1024,
};

export const DEV_APP_ID = 'crvideo-dev';
