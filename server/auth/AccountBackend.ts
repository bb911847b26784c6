import type { AccountRow, AccountStore } from './AccountStore.js';

/** A disabled account as the watch sees it. */
export interface DisabledRow {
  appID: string;
  UID: string;
  updatedAt: number;
}

/**
 * Where accounts, refresh credentials and one-time codes live: this node's SQLite (`AccountStore`, a
 * server on its own) or PostgreSQL shared by every node (`PgAccounts`, with `store.postgresUrl`). Every
 * call may fail with a `CRVideoError` 8 (store unreachable); one-time codes and refresh credentials are
 * used up by one statement, so two processes racing with one code cannot both win.
 */
export interface AccountBackend {
  get(appID: string, UID: string): Promise<(AccountRow & { hash: string }) | undefined>;
  list(appID?: string): Promise<AccountRow[]>;
  /** Adds an account, or re-enables and re-keys an existing one. */
  upsert(appID: string, UID: string, nickname: string, hash: string): Promise<void>;
  /** True when the account exists. Revokes its refresh credentials. */
  setHash(appID: string, UID: string, hash: string): Promise<boolean>;
  /** True when the account exists. Disabling revokes its refresh credentials and one-time codes. */
  setDisabled(appID: string, UID: string, disabled: boolean): Promise<boolean>;
  /**
   * Accounts disabled at or after `sinceMs` by the store's clock, and that clock now (the start of the
   * next poll): the server polls this to end the sessions another process or node disabled.
   */
  disabledSince(sinceMs: number): Promise<{ rows: DisabledRow[]; now: number }>;
  newRefresh(appID: string, UID: string, ttlMs: number): Promise<{ refreshToken: string; refreshExp: number }>;
  /** The owner of a live refresh credential, or undefined. */
  refreshOwner(refreshToken: string): Promise<{ appID: string; UID: string; expiresAt: number } | undefined>;
  /** Stores a one-time code (already normalised) for the user until `expiresAt`. */
  addCode(appID: string, UID: string, code: string, expiresAt: number): Promise<void>;
  /** Uses up the user's one-time code: true when it existed and had not expired (exactly one taker wins). */
  takeCode(appID: string, UID: string, code: string): Promise<boolean>;
}

/** Today's SQLite account store behind the async interface (a server on its own, the CLI without --postgres). */
export function sqliteAccounts(store: AccountStore): AccountBackend {
  return {
    get: async (appID, UID) => store.get(appID, UID),
    list: async (appID) => store.list(appID),
    upsert: async (appID, UID, nickname, hash) => store.upsert(appID, UID, nickname, hash),
    setHash: async (appID, UID, hash) => store.setHash(appID, UID, hash),
    setDisabled: async (appID, UID, disabled) => store.setDisabled(appID, UID, disabled),
    disabledSince: async (sinceMs) => {
      const now = Date.now();
      return { rows: store.disabledSince(sinceMs), now };
    },
    newRefresh: async (appID, UID, ttlMs) => store.newRefresh(appID, UID, ttlMs),
    refreshOwner: async (refreshToken) => store.refreshOwner(refreshToken),
    addCode: async (appID, UID, code, expiresAt) => store.addCode(appID, UID, code, expiresAt),
    takeCode: async (appID, UID, code) => store.takeCode(appID, UID, code),
  };
}
