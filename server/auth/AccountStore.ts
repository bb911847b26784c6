import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** One account as listed (never the hash). */
export interface AccountRow {
  appID: string;
  UID: string;
  nickname: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

type Raw = Omit<AccountRow, 'disabled'> & { disabled: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  appID TEXT NOT NULL,
  UID TEXT NOT NULL,
  nickname TEXT NOT NULL,
  hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  PRIMARY KEY (appID, UID)
);
CREATE INDEX IF NOT EXISTS accounts_updated ON accounts (updatedAt);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY,
  appID TEXT NOT NULL,
  UID TEXT NOT NULL,
  expiresAt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (appID, UID);
CREATE TABLE IF NOT EXISTS one_time_codes (
  hash TEXT PRIMARY KEY,
  appID TEXT NOT NULL,
  UID TEXT NOT NULL,
  expiresAt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS one_time_codes_user ON one_time_codes (appID, UID);
CREATE TABLE IF NOT EXISTS server_keys (
  name TEXT PRIMARY KEY,
  secret BLOB NOT NULL
);
`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Accounts, refresh credentials and the token signing key, in the server's SQLite file (own
 * connection, WAL): the admin CLI (`npm run users`) writes the same tables while the server runs.
 */
export class AccountStore {
  readonly #db: Database.Database;
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  static open(dataDir: string): AccountStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'crvideo.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    return new AccountStore(db);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** The server's own HMAC key for user tokens, created once and kept. */
  signingKey(): Uint8Array {
    const row = this.#db.prepare('SELECT secret FROM server_keys WHERE name = ?').get('userToken') as
      | { secret: Buffer }
      | undefined;
    if (row) return new Uint8Array(row.secret);
    const secret = randomBytes(32);
    this.#db.prepare('INSERT OR IGNORE INTO server_keys (name, secret) VALUES (?, ?)').run('userToken', secret);
    return this.signingKey();
  }

  /** Replaces the token signing key (cluster mode: every node takes the one kept in PostgreSQL). */
  setSigningKey(secret: Uint8Array): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO server_keys (name, secret) VALUES (?, ?)')
      .run('userToken', Buffer.from(secret));
  }

  get(appID: string, UID: string): (AccountRow & { hash: string }) | undefined {
    const row = this.#db
      .prepare(
        'SELECT appID, UID, nickname, hash, disabled, createdAt, updatedAt FROM accounts WHERE appID = ? AND UID = ?',
      )
      .get(appID, UID) as (Raw & { hash: string }) | undefined;
    return row ? { ...row, disabled: row.disabled !== 0 } : undefined;
  }

  list(appID?: string): AccountRow[] {
    const rows = (
      appID === undefined
        ? this.#db
            .prepare('SELECT appID, UID, nickname, disabled, createdAt, updatedAt FROM accounts ORDER BY appID, UID')
            .all()
        : this.#db
            .prepare(
              'SELECT appID, UID, nickname, disabled, createdAt, updatedAt FROM accounts WHERE appID = ? ORDER BY UID',
            )
            .all(appID)
    ) as Raw[];
    return rows.map((r) => ({ ...r, disabled: r.disabled !== 0 }));
  }

  /** Adds an account, or re-enables and re-keys an existing one. */
  upsert(appID: string, UID: string, nickname: string, hash: string): void {
    const now = Date.now();
    this.#db
      .prepare(
        `INSERT INTO accounts (appID, UID, nickname, hash, disabled, createdAt, updatedAt) VALUES (?, ?, ?, ?, 0, ?, ?)
         ON CONFLICT(appID, UID) DO UPDATE SET nickname = excluded.nickname, hash = excluded.hash, disabled = 0,
         updatedAt = excluded.updatedAt`,
      )
      .run(appID, UID, nickname, hash, now, now);
  }

  /** True when the account exists. Revokes its refresh credentials. */
  setHash(appID: string, UID: string, hash: string): boolean {
    const changed = this.#db
      .prepare('UPDATE accounts SET hash = ?, updatedAt = ? WHERE appID = ? AND UID = ?')
      .run(hash, Date.now(), appID, UID).changes;
    this.revokeRefresh(appID, UID);
    return changed > 0;
  }

  /** True when the account exists. Revokes its refresh credentials. */
  setDisabled(appID: string, UID: string, disabled: boolean): boolean {
    const changed = this.#db
      .prepare('UPDATE accounts SET disabled = ?, updatedAt = ? WHERE appID = ? AND UID = ?')
      .run(disabled ? 1 : 0, Date.now(), appID, UID).changes;
    if (disabled) {
      this.revokeRefresh(appID, UID);
      this.revokeCodes(appID, UID);
    }
    return changed > 0;
  }

  /** Accounts disabled at or after `sinceMs` (the server polls this to end sessions the CLI disabled). */
  disabledSince(sinceMs: number): { appID: string; UID: string; updatedAt: number }[] {
    return this.#db
      .prepare('SELECT appID, UID, updatedAt FROM accounts WHERE disabled = 1 AND updatedAt >= ?')
      .all(sinceMs) as { appID: string; UID: string; updatedAt: number }[];
  }

  // ---- refresh credentials: random, stored only as their SHA-256 ----
  newRefresh(appID: string, UID: string, ttlMs: number): { refreshToken: string; refreshExp: number } {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExp = Date.now() + ttlMs;
    this.#db.prepare('DELETE FROM refresh_tokens WHERE expiresAt < ?').run(Date.now());
    this.#db
      .prepare('INSERT INTO refresh_tokens (hash, appID, UID, expiresAt) VALUES (?, ?, ?, ?)')
      .run(sha256(refreshToken), appID, UID, refreshExp);
    return { refreshToken, refreshExp };
  }

  /** The owner of a live refresh credential, or undefined. */
  refreshOwner(refreshToken: string): { appID: string; UID: string; expiresAt: number } | undefined {
    const row = this.#db
      .prepare('SELECT appID, UID, expiresAt FROM refresh_tokens WHERE hash = ?')
      .get(sha256(refreshToken)) as { appID: string; UID: string; expiresAt: number } | undefined;
    return row && row.expiresAt > Date.now() ? row : undefined;
  }

  dropRefresh(refreshToken: string): void {
    this.#db.prepare('DELETE FROM refresh_tokens WHERE hash = ?').run(sha256(refreshToken));
  }

  revokeRefresh(appID: string, UID: string): void {
    this.#db.prepare('DELETE FROM refresh_tokens WHERE appID = ? AND UID = ?').run(appID, UID);
  }

  // ---- one-time codes the admin issues: random, stored only as their SHA-256, used once ----
  /** Stores a one-time code (already normalised) for the user until `expiresAt`. */
  addCode(appID: string, UID: string, code: string, expiresAt: number): void {
    this.#db.prepare('DELETE FROM one_time_codes WHERE expiresAt < ?').run(Date.now());
    this.#db
      .prepare('INSERT INTO one_time_codes (hash, appID, UID, expiresAt) VALUES (?, ?, ?, ?)')
      .run(sha256(code), appID, UID, expiresAt);
  }

  /**
   * Uses up the user's one-time code: true when it existed and had not expired. The delete is the
   * check, so two sign-ins racing with one code (even from two processes) cannot both win.
   */
  takeCode(appID: string, UID: string, code: string): boolean {
    return (
      this.#db
        .prepare('DELETE FROM one_time_codes WHERE hash = ? AND appID = ? AND UID = ? AND expiresAt > ?')
        .run(sha256(code), appID, UID, Date.now()).changes === 1
    );
  }

  revokeCodes(appID: string, UID: string): void {
    this.#db.prepare('DELETE FROM one_time_codes WHERE appID = ? AND UID = ?').run(appID, UID);
  }
}
