import pg from 'pg';
import type { Logger } from 'pino';
import { type CallRecord, CRVideoError, SdkErr } from '../../protocol/index.js';
import type { SharedUserRow } from '../Store.js';

/** Creating the schema takes this advisory lock, so nodes starting together do not race on it. */
const SCHEMA_LOCK = 0x43525644; // "CRVD"

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  app_id text NOT NULL,
  uid text NOT NULL,
  nickname text NOT NULL,
  first_login_at bigint NOT NULL,
  last_login_at bigint NOT NULL,
  PRIMARY KEY (app_id, uid)
);
CREATE TABLE IF NOT EXISTS rooms (
  meet_id bigint PRIMARY KEY,
  app_id text NOT NULL,
  subject text NOT NULL,
  pswd text NOT NULL,
  creator text NOT NULL,
  start_time bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS room_access (
  meet_id bigint NOT NULL,
  uid text NOT NULL,
  PRIMARY KEY (meet_id, uid)
);
CREATE TABLE IF NOT EXISTS call_records (
  app_id text NOT NULL,
  call_id text NOT NULL,
  caller_id text NOT NULL,
  callee_id text NOT NULL,
  meet_id bigint NOT NULL,
  usr_ext_dat text NOT NULL,
  ring_at bigint NOT NULL,
  answer_at bigint,
  end_at bigint,
  outcome text NOT NULL,
  sdk_err integer NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  PRIMARY KEY (app_id, call_id)
);
CREATE INDEX IF NOT EXISTS call_records_caller ON call_records (app_id, caller_id, ring_at DESC);
CREATE INDEX IF NOT EXISTS call_records_callee ON call_records (app_id, callee_id, ring_at DESC);
CREATE TABLE IF NOT EXISTS server_keys (
  name text PRIMARY KEY,
  secret bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  app_id text NOT NULL,
  uid text NOT NULL,
  nickname text NOT NULL,
  hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (app_id, uid)
);
CREATE INDEX IF NOT EXISTS accounts_disabled ON accounts (updated_at) WHERE disabled;
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash text PRIMARY KEY,
  app_id text NOT NULL,
  uid text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (app_id, uid);
CREATE TABLE IF NOT EXISTS one_time_codes (
  hash text PRIMARY KEY,
  app_id text NOT NULL,
  uid text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS one_time_codes_user ON one_time_codes (app_id, uid);
`;

const RECORD_COLUMNS = `call_id AS "callID", caller_id AS "callerID", callee_id AS "calleeID", meet_id AS "meetID",
  usr_ext_dat AS "usrExtDat", ring_at AS "ringAt", answer_at AS "answerAt", end_at AS "endAt", outcome,
  sdk_err AS "sdkErr", attempts`;

/** bigint (int8) columns hold epoch milliseconds and meeting IDs: all below 2^53, read as numbers. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
};

export interface PgStoreOptions {
  /** Connections at most (default 4: one for the replicator, the rest for reads). */
  poolSize?: number;
  /** A connection not made within this fails (default 2000 ms). */
  connectTimeoutMs?: number;
  /** A statement running longer is cancelled by PostgreSQL (default 5000 ms). */
  statementTimeoutMs?: number;
}

/** The room as PostgreSQL has it, with who may enter. */
export interface SharedRoom {
  row: { appID: string; ID: number; subject: string; pswd: string; creator: string; startTime: number };
  grants: string[];
}

/** Error codes of a connection that failed or was cut (not the statement's fault). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * Whether `err` says PostgreSQL cannot be reached or is not serving right now (retry later), rather
 * than that it refused what we sent.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof CRVideoError) return err.cause !== undefined && isUnavailable(err.cause);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code)) return true;
    // 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown, cancel),
    // 58 system error, 40 transaction rollback (deadlock, serialization): all pass.
    if (/^(08|53|57|58|40)/.test(code)) return true;
    return false;
  }
  // pg's own: "Connection terminated …", "timeout exceeded when trying to connect", ended pools.
  return err instanceof Error;
}

/**
 * The shared, durable copy in PostgreSQL (cluster mode): schema, and the reads the cluster needs.
 * Writes arrive through `PgReplicator`, never from here.
 */
export class PgStore {
  /** The pool (the replicator takes its connection from here). */
  readonly pool: pg.Pool;
  readonly #log: Logger;
  #schema: Promise<void> | null = null;
  #closed = false;

  private constructor(pool: pg.Pool, log: Logger) {
    this.pool = pool;
    this.#log = log;
  }

  /**
   * A store on `url` (`postgres://…`). Creates the schema when PostgreSQL answers; when it cannot be
   * reached the store still opens (the schema is made on first use) so a node starts during an outage.
   * Refused credentials or a missing database fail here, with the reason.
   */
  static async open(url: string, logger: Logger, opts: PgStoreOptions = {}): Promise<PgStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new Error(`PostgreSQL URL is not a URL: ${url}`, { cause: err });
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
      throw new Error(`PostgreSQL URL must start with postgres:// (got ${parsed.protocol}//)`);
    const log = logger.child({ mod: 'PgStore' });
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 4,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
      idleTimeoutMillis: 10_000,
      statement_timeout: opts.statementTimeoutMs ?? 5000,
      query_timeout: (opts.statementTimeoutMs ?? 5000) + 1000,
      application_name: 'crvideo',
      types,
    });
    // An idle connection cut by the server (restart, network) is reported here; the pool drops it.
    pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
    // A connection cut while checked out between two queries emits on the client itself; the query
    // in flight (if any) fails on its own. Without a listener that event would end the process.
    pool.on('connect', (client) => {
      client.on('error', (err) => log.debug({ err: err.message }, 'PostgreSQL connection lost'));
    });
    const store = new PgStore(pool, log);
    try {
      await store.ready();
    } catch (err) {
      if (!isUnavailable(err)) {
        await pool.end().catch(() => undefined);
        const cause = err instanceof CRVideoError && err.cause !== undefined ? err.cause : err;
        throw new Error(`PostgreSQL refused us: ${reason(cause)}`, { cause: err });
      }
      log.warn({ err: reason(err) }, 'PostgreSQL unreachable at start; the schema is made when it answers');
    }
    return store;
  }

  /** Resolves once the schema exists (made now if needed, under an advisory lock). */
  ready(): Promise<void> {
    this.#schema ??= this.#createSchema().catch((err: unknown) => {
      this.#schema = null;
      throw err;
    });
    return this.#schema;
  }

  async #createSchema(): Promise<void> {
    const client = await this.#connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      client.release(err as Error);
      throw wrap(err, 'creating the schema');
    }
    this.#log.info('PostgreSQL schema ready');
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.#closed) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'the shared store is closed');
    try {
      return await this.pool.connect();
    } catch (err) {
      throw wrap(err, 'connecting');
    }
  }

  async #query<R extends pg.QueryResultRow>(what: string, sql: string, args: unknown[]): Promise<R[]> {
    await this.ready();
    const client = await this.#connect();
    try {
      const r = await client.query<R>(sql, args);
      client.release();
      return r.rows;
    } catch (err) {
      client.release(err as Error);
      throw wrap(err, what);
    }
  }

  /** One statement on the pool (schema made first); a failure is a `CRVideoError` 8 with the cause. */
  query<R extends pg.QueryResultRow>(what: string, sql: string, args: unknown[]): Promise<R[]> {
    return this.#query<R>(what, sql, args);
  }

  async getUser(appID: string, UID: string): Promise<SharedUserRow | undefined> {
    const rows = await this.#query<SharedUserRow>(
      'reading a user',
      `SELECT app_id AS "appID", uid AS "UID", nickname, first_login_at AS "firstLoginAt", last_login_at AS "lastLoginAt"
       FROM users WHERE app_id = $1 AND uid = $2`,
      [appID, UID],
    );
    return rows[0];
  }

  async getRoom(meetID: number): Promise<SharedRoom | undefined> {
    const rows = await this.#query<SharedRoom['row'] & { grants: string[] | null }>(
      'reading a room',
      `SELECT r.app_id AS "appID", r.meet_id AS "ID", r.subject, r.pswd, r.creator, r.start_time AS "startTime",
         (SELECT array_agg(a.uid ORDER BY a.uid) FROM room_access a WHERE a.meet_id = r.meet_id) AS grants
       FROM rooms r WHERE r.meet_id = $1`,
      [meetID],
    );
    const r = rows[0];
    if (!r) return undefined;
    const { grants, ...row } = r;
    return { row, grants: grants ?? [] };
  }

  /** One page of a user's history, newest first: the same rows and order as `Store.callRecordsFor`. */
  async callRecordsFor(
    appID: string,
    UID: string,
    page: { limit: number; offset: number } = { limit: 50, offset: 0 },
  ): Promise<CallRecord[]> {
    const n = page.offset + page.limit;
    return this.#query<CallRecord>(
      'reading call records',
      `SELECT * FROM (
         (SELECT ${RECORD_COLUMNS} FROM call_records WHERE app_id = $1 AND caller_id = $2 ORDER BY ring_at DESC LIMIT $3)
         UNION ALL
         (SELECT ${RECORD_COLUMNS} FROM call_records WHERE app_id = $1 AND callee_id = $2 AND caller_id <> $2
           ORDER BY ring_at DESC LIMIT $3)
       ) r ORDER BY "ringAt" DESC, "callID" LIMIT $4 OFFSET $5`,
      [appID, UID, n, page.limit, page.offset],
    );
  }

  /**
   * The cluster's one secret called `name`: `proposal` when this node is the first to ask, else the one
   * stored (every node then signs and verifies with the same key).
   */
  async sharedKey(name: string, proposal: Uint8Array): Promise<Uint8Array> {
    // Two nodes asking at once: the second's statement may neither insert nor yet see the first's row;
    // asking again sees it.
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows = await this.#query<{ secret: Buffer }>(
        'reading a shared key',
        `WITH ins AS (INSERT INTO server_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING
           RETURNING secret)
         SELECT secret FROM ins UNION ALL SELECT secret FROM server_keys WHERE name = $1 LIMIT 1`,
        [name, Buffer.from(proposal)],
      );
      const secret = rows[0]?.secret;
      if (secret) return new Uint8Array(secret);
    }
    throw new CRVideoError(SdkErr.SERVER_EXCEPTION, `shared key ${name} not stored`);
  }

  /** Ends the pool (waits for connections in use). Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end().catch((err: unknown) => this.#log.warn({ err: reason(err) }, 'closing the pool'));
  }
}

export function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}

/** A PostgreSQL failure as the project's one error type: 8 (server exception), cause kept. */
function wrap(err: unknown, what: string): CRVideoError {
  if (err instanceof CRVideoError) return err;
  const e = new CRVideoError(SdkErr.SERVER_EXCEPTION, `shared store (PostgreSQL) failed ${what}: ${reason(err)}`, {
    cause: err,
  });
  return e;
}
