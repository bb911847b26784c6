import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { SdkErr } from '../protocol/index.js';
import { newSecret } from './Auth.js';
import { type AccountBackend, sqliteAccounts } from './auth/AccountBackend.js';
import { type AccountRow, AccountStore } from './auth/AccountStore.js';
import { UserAuth, type UserAuthMode } from './auth/UserAuth.js';
import { Calls } from './Calls.js';
import type { Cluster } from './cluster/Cluster.js';
import { DEFAULT_LIMITS, DEFAULTS, DEV_APP_ID, type ServerOptions } from './config.js';
import { createHttpServer, defaultStaticRoutes } from './HttpServer.js';
import { DiskGuard } from './limits/DiskGuard.js';
import { Limits } from './limits/Limits.js';
import { resolveTransportLimits } from './limits.js';
import type { MediaPlane, MediaPlaneOptions } from './media/MediaPlane.js';
import { Presence } from './Presence.js';
import { RingMedia } from './RingMedia.js';
import { Rooms } from './Rooms.js';
import { Sessions } from './Sessions.js';
import { SignalingServer } from './SignalingServer.js';
import { type AppRow, Store } from './Store.js';
import { openSharedStore, type SharedStore } from './store/index.js';
import { PgAccounts } from './store/PgAccounts.js';
import { UpgradeGuard } from './UpgradeGuard.js';

export type { AccountRow } from './auth/AccountStore.js';
export type { UserAuthMode } from './auth/UserAuth.js';
export type { WebhookOptions } from './auth/Webhook.js';
export type { ServerLimits, ServerOptions } from './config.js';
export { DEV_APP_ID } from './config.js';
export { CloseCode, DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './limits.js';
export type { RoomMediaPlane } from './MediaHooks.js';
export type { MediaPlaneOptions, MediaPlaneStats } from './media/MediaPlane.js';
export type { IceServer, TurnOptions } from './media/TurnCredentials.js';
export type { AppRow } from './Store.js';
export type { SharedStore } from './store/index.js';

export interface RunningServer {
  /** `http://host:port` (the WebSocket is at `ws://host:port/ws`), `https://` / `wss://` with `tls`. */
  readonly url: string;
  readonly port: number;
  /** The apps this server accepts. */
  readonly apps: AppRow[];
  /** The dev app created on first start, when no app was configured. */
  readonly devApp: AppRow | null;
  /** The media plane, when enabled (tests read its stats). */
  readonly media: MediaPlane | null;
  readonly logger: Logger;
  /** Built-in accounts (the same operations as `npm run users`); a disabled user's sessions end (LineOff 17). */
  readonly accounts: ServerAccounts;
  /** How users prove who they are on this server. */
  readonly userAuth: UserAuthMode;
  /** PostgreSQL and its replicator, with `store.postgresUrl` (tests read its stats). */
  readonly sharedStore?: SharedStore;
  /** Swaps the TLS certificate and key (the CLI calls it on SIGHUP); live connections keep theirs. */
  reloadTls(tls: { cert: string; key: string }): void;
  /** Cluster mode: this node's part of the cluster (null for a server on its own). */
  readonly cluster: Cluster | null;
  /** Live counts, for tests and benchmarks. */
  /** `pacedSockets`: sockets not read at this moment because they are over their request budget. */
  stats(): { sessions: number; sockets: number; calls: number; rooms: number; pacedSockets: number };
  close(): Promise<void>;
}

export interface ServerAccounts {
  add(a: { appID: string; UID: string; password: string; nickname?: string }): Promise<void>;
  disable(appID: string, UID: string): Promise<void>;
  setPassword(appID: string, UID: string, password: string): Promise<void>;
  list(appID?: string): Promise<AccountRow[]>;
  /**
   * A one-time code (`XXXX-XXXX-XXXX-XXXX`) that signs the user in once as `userAuthCode`, within
   * `minutes` (default 60); refused (17) for a disabled user. The same as `npm run users -- code`.
   */
  issueCode(a: { appID: string; UID: string; minutes?: number }): Promise<string>;
}

async function createMediaPlane(options: MediaPlaneOptions, logger: Logger): Promise<MediaPlane> {
  // Loaded lazily: a signaling-only server never loads mediasoup.
  const { MediaPlane } = await import('./media/MediaPlane.js');
  return MediaPlane.create({ logger, ...options });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function adoptSharedSigningKey(shared: SharedStore, accounts: AccountStore, logger: Logger): Promise<void> {
  try {
    accounts.setSigningKey(await shared.pg.sharedKey('userToken', accounts.signingKey()));
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'shared token key not read from PostgreSQL: user tokens of this node are good on this node only until it restarts',
    );
  }
}

/** Starts the CRVideo server: HTTP + WebSocket signaling, SQLite store, optional mediasoup media plane. */
export async function startServer(options: ServerOptions & { logger?: Logger } = {}): Promise<RunningServer> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...(defined as ServerOptions) };
  const logger = options.logger ?? pino({ level: o.logLevel, base: { svc: 'crvideo' } });
  const transportLimits = resolveTransportLimits(o.limits);
  const limitSettings = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
  const dataDir = resolve(o.dataDir);
  const store = Store.open(dataDir, {
    guard: new DiskGuard(dataDir, limitSettings.minFreeDiskBytes, logger),
    walSizeLimitBytes: limitSettings.walSizeLimitBytes,
    outbox: o.store?.postgresUrl !== undefined,
  });
  const closed = store.closeDanglingCalls(Date.now());
  if (closed > 0) logger.info({ records: closed }, 'closed call records left open by the last run');
  // Cluster mode: PostgreSQL gets every shared write through the store's outbox (write-behind).
  let sharedStore: SharedStore | undefined;
  if (o.store?.postgresUrl !== undefined) {
    try {
      sharedStore = await openSharedStore(o.store.postgresUrl, store, logger, {
        replicator: o.store.outboxLimit !== undefined ? { maxQueued: o.store.outboxLimit } : {},
      });
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  for (const app of options.apps ?? []) store.upsertApp(app);
  let devApp: AppRow | null = null;
  if (store.listApps().length === 0) {
    devApp = { appID: DEV_APP_ID, appSecret: newSecret() };
    store.upsertApp(devApp);
    logger.info({ appID: devApp.appID }, 'created the dev app');
  }
  const apps = new Map(store.listApps().map((a) => [a.appID, a]));

  const accountStore = AccountStore.open(resolve(o.dataDir));
  // Cluster mode: user tokens are signed with the cluster's one key, so they are good on every node.
  if (sharedStore) await adoptSharedSigningKey(sharedStore, accountStore, logger);
  // One brute-force guard for every credential (app secret, user token, password, one-time code).
  const limits = new Limits(limitSettings, logger);
  // Cluster mode: accounts, refresh credentials and one-time codes live in PostgreSQL, the same for every node.
  const accountBackend: AccountBackend = sharedStore ? new PgAccounts(sharedStore.pg) : sqliteAccounts(accountStore);
  let userAuth: UserAuth;
  try {
    userAuth = new UserAuth(
      accountBackend,
      accountStore.signingKey(),
      {
        mode: o.userAuth,
        ...(o.webhook ? { webhook: o.webhook } : {}),
        ...(o.userTokenTtlMs ? { tokenTtlMs: o.userTokenTtlMs } : {}),
      },
      logger,
      limits.login,
    );
  } catch (err) {
    accountStore.close();
    await sharedStore?.close();
    await store.close();
    throw err;
  }

  let media: MediaPlane | null = null;
  if (o.media !== false) {
    try {
      media = await createMediaPlane(o.media ?? {}, logger);
    } catch (err) {
      accountStore.close();
      await sharedStore?.close();
      await store.close();
      throw err;
    }
  }

  let url = '';
  const presence = new Presence(store, logger, { coalesceMs: limitSettings.presenceCoalesceMs });
  const rooms = new Rooms(store, media, { maxMembers: o.maxMembers, publicUrl: () => o.publicUrl ?? url }, logger);
  const calls = new Calls(
    store,
    presence,
    rooms,
    { callTimeoutMs: o.callTimeoutMs, failedCallMergeMs: limitSettings.failedCallMergeMs },
    logger,
  );
  const sessions = new Sessions(
    apps,
    store,
    presence,
    rooms,
    calls,
    { graceMs: o.graceMs, tokenWarnMs: o.tokenWarnMs, multiDevice: o.multiDevice, limits: transportLimits },
    logger,
    userAuth,
  );
  // Presence owns each user's status; it follows room membership and calls through their events.
  presence.follow({ rooms, calls });
  const ringMedia = media ? new RingMedia(calls, rooms, media, logger) : null;
  userAuth.onDisabled((appID, UID) => sessions.endUser(appID, UID, 'user disabled', SdkErr.CUSTOMAUTH_FAILED));
  userAuth.watch();
  let http: ReturnType<typeof createHttpServer>;
  try {
    http = createHttpServer(options.staticRoutes ?? defaultStaticRoutes(), logger, {
      serveSourceMaps: o.serveSourceMaps === true,
      ...(o.tls ? { tls: o.tls } : {}),
    });
  } catch (err) {
    // A bad certificate or key: say so plainly, leave nothing open.
    await media?.close();
    userAuth.close();
    accountStore.close();
    await sharedStore?.close();
    await store.close();
    throw new Error(`TLS certificate or key unusable: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  let cluster: Cluster | null = null;
  if (o.cluster) {
    // Loaded lazily: a server on its own never loads the Redis client.
    const { Cluster } = await import('./cluster/Cluster.js');
    cluster = new Cluster(o.cluster, {
      presence,
      sessions,
      calls,
      rooms,
      store,
      log: logger,
      graceMs: o.graceMs,
      sessionLimits: transportLimits,
      ...(sharedStore ? { shared: sharedStore } : {}),
    });
  }
  const guard = new UpgradeGuard({
    allowedOrigins: o.allowedOrigins,
    allowedHosts: o.allowedHosts,
    socketsPerAddress: transportLimits.socketsPerAddress,
  });
  if (o.publicUrl) guard.allowHost(new URL(o.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  // A server told to listen on a host name is reached by that name.
  guard.allowHost(o.host);
  const signaling = new SignalingServer(http, {
    sessions,
    presence,
    rooms,
    calls,
    media,
    ringMedia,
    store,
    log: logger,
    userAuth,
    turn: o.turn ?? null,
    trustProxy: o.trustProxy ?? false,
    limits,
    transport: transportLimits,
    guard,
    sharedStore: sharedStore ?? null,
    cluster,
  });
  /** Closes the media plane, authentication and the stores (last step of a shutdown or a failed start). */
  const closeBackends = async () => {
    await media?.close();
    userAuth.close();
    accountStore.close();
    await sharedStore?.close();
    await store.close();
  };
  if (cluster) {
    try {
      await cluster.start((s, type, payload) => signaling.execute(s, type, payload));
    } catch (err) {
      await signaling.close();
      http.closeAllConnections();
      await closeBackends();
      throw err;
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, () => {
      http.off('error', reject);
      resolveListen();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  url = `${o.tls ? 'https' : 'http'}://${host}:${port}`;
  logger.info({ url, dataDir: resolve(o.dataDir), media: media !== null, userAuth: o.userAuth }, 'server listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    apps: [...apps.values()],
    devApp,
    media,
    logger,
    cluster,
    userAuth: o.userAuth,
    ...(sharedStore ? { sharedStore } : {}),
    accounts: {
      add: (a) => userAuth.add(a),
      disable: (appID, UID) => userAuth.disable(appID, UID),
      setPassword: (appID, UID, password) => userAuth.setPassword(appID, UID, password),
      list: (appID) => userAuth.list(appID),
      issueCode: (a) => userAuth.issueCode(a),
    },
    reloadTls(tls) {
      if (!('setSecureContext' in http)) throw new Error('this server was started without tls');
      http.setSecureContext({ cert: tls.cert, key: tls.key });
      logger.info('TLS certificate reloaded');
    },
    stats: () => ({
      sessions: sessions.size,
      sockets: signaling.connectionCount,
      calls: calls.liveCount(),
      rooms: rooms.liveCount(),
      pacedSockets: limits.requests.pausedSockets,
    }),
    close() {
      closing ??= (async () => {
        // First leave the cluster: the sessions closed below stay resumable on the other nodes.
        await cluster?.close();
        sessions.closeAll();
        calls.closeAll();
        presence.close();
        ringMedia?.close();
        await signaling.close();
        await new Promise<void>((r) => http.close(() => r()));
        http.closeAllConnections();
        await closeBackends();
        logger.info({ url }, 'server closed');
      })();
      return closing;
    },
  };
}
