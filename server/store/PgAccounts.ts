import { createHash, randomBytes } from 'node:crypto';
import type { AccountBackend, DisabledRow } from '../auth/AccountBackend.js';
import type { AccountRow } from '../auth/AccountStore.js';
import type { PgStore } from './PgStore.js';

/** PostgreSQL's clock in epoch milliseconds: every node stamps `updated_at` by the same clock. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/**
 * A disable committed a moment after its statement read the clock can be missed by a poll that ran in
 * between; each poll therefore looks this far back too (the watch drops what it has already seen).
 */
export const DISABLED_OVERLAP_MS = 5000;

const ROW = `app_id AS "appID", uid AS "UID", nickname, disabled, created_at AS "createdAt", updated_at AS "updatedAt"`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Accounts, refresh credentials and one-time codes in PostgreSQL, shared by every node of a cluster
 * (tables made with the rest of the schema, `PgStore`). Credentials are stored only as their SHA-256;
 * a one-time code is used up by the `DELETE … RETURNING` that checks it, so of two nodes taking one
 * code at once exactly one wins. A failure is a `CRVideoError` 8 (logged by the caller).
 */
export class PgAccounts implements AccountBackend {
  readonly #pg: PgStore;

  constructor(pg: PgStore) {
    this.#pg = pg;
  }

  async get(appID: string, UID: string): Promise<(AccountRow & { hash: string }) | undefined> {
    const rows = await this.#pg.query<AccountRow & { hash: string }>(
      'reading an account',
      `SELECT ${ROW}, hash FROM accounts WHERE app_id = $1 AND uid = $2`,
      [appID, UID],
    );
    return rows[0];
  }

  list(appID?: string): Promise<AccountRow[]> {
    return appID === undefined
      ? this.#pg.query<AccountRow>('listing accounts', `SELECT ${ROW} FROM accounts ORDER BY app_id, uid`, [])
      : this.#pg.query<AccountRow>('listing accounts', `SELECT ${ROW} FROM accounts WHERE app_id = $1 ORDER BY uid`, [
          appID,
        ]);
  }

  async upsert(appID: string, UID: string, nickname: string, hash: string): Promise<void> {
    await this.#pg.query(
      'adding an account',
      `INSERT INTO accounts (app_id, uid, nickname, hash, disabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, false, ${NOW_MS}, ${NOW_MS})
       ON CONFLICT (app_id, uid) DO UPDATE SET nickname = excluded.nickname, hash = excluded.hash, disabled = false,
         updated_at = excluded.updated_at`,
      [appID, UID, nickname, hash],
    );
  }

  async setHash(appID: string, UID: string, hash: string): Promise<boolean> {
    const rows = await this.#pg.query<{ n: number }>(
      'setting a password',
      `WITH u AS (UPDATE accounts SET hash = $3, updated_at = ${NOW_MS} WHERE app_id = $1 AND uid = $2 RETURNING uid),
         r AS (DELETE FROM refresh_tokens WHERE app_id = $1 AND uid = $2)
       SELECT count(*)::int AS n FROM u`,
      [appID, UID, hash],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async setDisabled(appID: string, UID: string, disabled: boolean): Promise<boolean> {
    const revoke = disabled
      ? `, r AS (DELETE FROM refresh_tokens WHERE app_id = $1 AND uid = $2),
           c AS (DELETE FROM one_time_codes WHERE app_id = $1 AND uid = $2)`
      : '';
    const rows = await this.#pg.query<{ n: number }>(
      disabled ? 'disabling an account' : 'enabling an account',
      `WITH u AS (UPDATE accounts SET disabled = $3, updated_at = ${NOW_MS} WHERE app_id = $1 AND uid = $2
         RETURNING uid)${revoke}
       SELECT count(*)::int AS n FROM u`,
      [appID, UID, disabled],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async disabledSince(sinceMs: number): Promise<{ rows: DisabledRow[]; now: number }> {
    const rows = await this.#pg.query<{ now: number; rows: DisabledRow[] }>(
      'polling disabled accounts',
      `SELECT ${NOW_MS} AS now, coalesce((SELECT json_agg(json_build_object('appID', app_id, 'UID', uid,
         'updatedAt', updated_at)) FROM accounts WHERE disabled AND updated_at >= $1), '[]'::json) AS rows`,
      [sinceMs - DISABLED_OVERLAP_MS],
    );
    const r = rows[0];
    return { rows: r?.rows ?? [], now: r?.now ?? sinceMs };
  }

  async newRefresh(appID: string, UID: string, ttlMs: number): Promise<{ refreshToken: string; refreshExp: number }> {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExp = Date.now() + ttlMs;
    await this.#pg.query(
      'storing a refresh credential',
      `WITH old AS (DELETE FROM refresh_tokens WHERE expires_at < $5)
       INSERT INTO refresh_tokens (hash, app_id, uid, expires_at) VALUES ($1, $2, $3, $4)`,
      [sha256(refreshToken), appID, UID, refreshExp, Date.now()],
    );
    return { refreshToken, refreshExp };
  }

  async refreshOwner(refreshToken: string): Promise<{ appID: string; UID: string; expiresAt: number } | undefined> {
    const rows = await this.#pg.query<{ appID: string; UID: string; expiresAt: number }>(
      'reading a refresh credential',
      `SELECT app_id AS "appID", uid AS "UID", expires_at AS "expiresAt" FROM refresh_tokens
       WHERE hash = $1 AND expires_at > $2`,
      [sha256(refreshToken), Date.now()],
    );
    return rows[0];
  }

  async addCode(appID: string, UID: string, code: string, expiresAt: number): Promise<void> {
    await this.#pg.query(
      'storing a one-time code',
      `WITH old AS (DELETE FROM one_time_codes WHERE expires_at < $5)
       INSERT INTO one_time_codes (hash, app_id, uid, expires_at) VALUES ($1, $2, $3, $4)`,
      [sha256(code), appID, UID, expiresAt, Date.now()],
    );
  }

  async takeCode(appID: string, UID: string, code: string): Promise<boolean> {
    const rows = await this.#pg.query<{ hash: string }>(
      'using a one-time code',
      `DELETE FROM one_time_codes WHERE hash = $1 AND app_id = $2 AND uid = $3 AND expires_at > $4 RETURNING hash`,
      [sha256(code), appID, UID, Date.now()],
    );
    return rows.length === 1;
  }
}
