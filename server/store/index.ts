import type { Logger } from 'pino';
import type { CallRecord } from '../../protocol/index.js';
import type { Store } from '../Store.js';
import { PgReplicator, type PgReplicatorOptions } from './PgReplicator.js';
import { PgStore, type PgStoreOptions, reason } from './PgStore.js';

export type { PgReplicatorOptions, PgReplicatorStats } from './PgReplicator.js';
export type { PgStoreOptions, SharedRoom } from './PgStore.js';
export { PgReplicator, PgStore };

/** The PostgreSQL side of a node: the shared store, the replicator feeding it, and the merged history read. */
export interface SharedStore {
  readonly pg: PgStore;
  readonly replicator: PgReplicator;
  /**
   * A user's call history as every node wrote it (PostgreSQL), merged with this node's own records not
   * yet sent; this node's records only (with a log line) while PostgreSQL is unreachable.
   */
  callRecordsFor(appID: string, UID: string, page: { limit: number; offset: number }): Promise<CallRecord[]>;
  /**
   * A user who signed in on another node only, copied from PostgreSQL into this node's store; false when
   * PostgreSQL does not know them or cannot be reached (logged). For the cluster core (`SharedReads`).
   */
  loadUser(appID: string, UID: string): Promise<boolean>;
  /** A room made on another node, with who may enter it, copied into this node's store; false as above. */
  loadRoom(meetID: number): Promise<boolean>;
  /** Stops the replicator (sending what it can first) and ends the pool. Safe to call twice. */
  close(): Promise<void>;
}

/** How often "history from this node only" is logged at most while PostgreSQL is away. */
const FALLBACK_LOG_MS = 10_000;

/**
 * Opens PostgreSQL at `url` for `store` (which must have its outbox on) and starts sending the outbox.
 * Throws on a malformed URL or refused credentials; an unreachable server is not an error (rows queue).
 */
export async function openSharedStore(
  url: string,
  store: Store,
  logger: Logger,
  opts: { pg?: PgStoreOptions; replicator?: PgReplicatorOptions } = {},
): Promise<SharedStore> {
  const outbox = store.outbox;
  if (!outbox) throw new Error('openSharedStore needs a Store opened with { outbox: true }');
  const pgStore = await PgStore.open(url, logger, opts.pg);
  const replicator = new PgReplicator(outbox, pgStore, logger, opts.replicator);
  const log = logger.child({ mod: 'SharedStore' });
  let lastFallbackLog = 0;
  let fallbacks = 0;
  let closing: Promise<void> | null = null;
  return {
    pg: pgStore,
    replicator,
    async callRecordsFor(appID, UID, page) {
      const n = page.offset + page.limit;
      const local = store.callRecordsFor(appID, UID, { limit: n, offset: 0 });
      let shared: CallRecord[];
      try {
        shared = await pgStore.callRecordsFor(appID, UID, { limit: n, offset: 0 });
      } catch (err) {
        fallbacks++;
        if (Date.now() - lastFallbackLog >= FALLBACK_LOG_MS) {
          log.warn(
            { appID, UID, err: reason(err), times: fallbacks },
            'call records from this node only: PostgreSQL unreachable',
          );
          lastFallbackLog = Date.now();
          fallbacks = 0;
        }
        return local.slice(page.offset, n);
      }
      // This node's copy of its own calls is the newest (PostgreSQL gets it a moment later).
      const byID = new Map<string, CallRecord>();
      for (const r of shared) byID.set(r.callID, r);
      for (const r of local) byID.set(r.callID, r);
      return [...byID.values()]
        .sort((a, b) => b.ringAt - a.ringAt || (a.callID < b.callID ? -1 : a.callID > b.callID ? 1 : 0))
        .slice(page.offset, n);
    },
    async loadUser(appID, UID) {
      try {
        const row = await pgStore.getUser(appID, UID);
        if (!row) return false;
        store.importUser(row);
        return true;
      } catch (err) {
        log.warn({ appID, UID, err: reason(err) }, 'user not read from PostgreSQL');
        return false;
      }
    },
    async loadRoom(meetID) {
      try {
        const room = await pgStore.getRoom(meetID);
        if (!room) return false;
        store.importRoom(room.row, room.grants);
        return true;
      } catch (err) {
        log.warn({ meetID, err: reason(err) }, 'room not read from PostgreSQL');
        return false;
      }
    },
    close() {
      closing ??= (async () => {
        await replicator.close();
        await pgStore.close();
      })();
      return closing;
    },
  };
}
