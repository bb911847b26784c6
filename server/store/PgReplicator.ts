import type pg from 'pg';
import type { Logger } from 'pino';
import type { SharedCallRow, SharedUserRow } from '../Store.js';
import type { Outbox, OutboxRow } from './Outbox.js';
import { isUnavailable, type PgStore, reason } from './PgStore.js';

export interface PgReplicatorOptions {
  /** Rows per PostgreSQL transaction (default 500). */
  batchSize?: number;
  /** Above this many queued rows an error is logged every `boundLogMs`; rows are kept, never dropped (default 100 000). */
  maxQueued?: number;
  /** How often the over-the-bound error repeats (default 60 000 ms). */
  boundLogMs?: number;
  /** First retry after a failure; doubles up to `retryMaxMs` (defaults 250 ms, 10 000 ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Writes are gathered this long before a batch goes out (default 5 ms). */
  lingerMs?: number;
  /** `close()` keeps sending what is queued this long when PostgreSQL answers (default 2000 ms). */
  closeFlushMs?: number;
}

export interface PgReplicatorStats {
  /** Rows in the outbox waiting to be sent. */
  queued: number;
  /** Rows committed to PostgreSQL since start. */
  written: number;
  /** Batches that failed (PostgreSQL unreachable, or a bad row that was then parked). */
  failedBatches: number;
  /** Whether the last attempt reached PostgreSQL. */
  connected: boolean;
  /** Rows PostgreSQL refused as bad data: kept in the outbox with the reason, not resent. */
  parked: number;
}

/** A decoded outbox row ready to be written. */
type Op =
  | { seq: number; kind: 'user'; row: SharedUserRow }
  | { seq: number; kind: 'call'; row: SharedCallRow }
  | { seq: number; kind: 'room'; row: RoomBody }
  | { seq: number; kind: 'roomDelete'; row: RoomIdentity }
  | { seq: number; kind: 'grant'; row: RoomIdentity & { UID: string } };

/** A room's ID with what tells it from another room that drew the same ID on another node. */
interface RoomIdentity {
  meetID: number;
  appID: string;
  creator: string;
  startTime: number;
}

interface RoomBody {
  meetID: number;
  appID: string;
  subject: string;
  pswd: string;
  creator: string;
  startTime: number;
}

/** PostgreSQL text cannot hold U+0000 (SQLite can): it goes over as U+FFFD instead of failing the row. */
const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s);

const UPSERT_USERS = `INSERT INTO users (app_id, uid, nickname, first_login_at, last_login_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
  ON CONFLICT (app_id, uid) DO UPDATE SET
    nickname = CASE WHEN excluded.last_login_at >= users.last_login_at THEN excluded.nickname ELSE users.nickname END,
    first_login_at = LEAST(users.first_login_at, excluded.first_login_at),
    last_login_at = GREATEST(users.last_login_at, excluded.last_login_at)`;

// A finished record is never turned back into a live one (a late copy of an older state loses).
const UPSERT_CALLS = `INSERT INTO call_records (app_id, call_id, caller_id, callee_id, meet_id, usr_ext_dat, ring_at,
    answer_at, end_at, outcome, sdk_err, attempts)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[],
    $8::bigint[], $9::bigint[], $10::text[], $11::int[], $12::int[])
  ON CONFLICT (app_id, call_id) DO UPDATE SET caller_id = excluded.caller_id, callee_id = excluded.callee_id,
    meet_id = excluded.meet_id, usr_ext_dat = excluded.usr_ext_dat, ring_at = excluded.ring_at,
    answer_at = excluded.answer_at, end_at = excluded.end_at, outcome = excluded.outcome,
    sdk_err = excluded.sdk_err, attempts = excluded.attempts
  WHERE call_records.outcome IN ('ringing', 'ongoing') OR excluded.outcome NOT IN ('ringing', 'ongoing')`;

/**
 * Sends the store's outbox to PostgreSQL: batches in write order, one transaction each, upserts so a
 * resent row changes nothing, sent rows deleted afterwards. While PostgreSQL is unreachable rows stay
 * in the outbox (on disk) and it retries with back-off; on start it sends what a previous run left.
 */
export class PgReplicator {
  readonly #outbox: Outbox;
  readonly #pg: PgStore;
  readonly #log: Logger;
  readonly #o: Required<PgReplicatorOptions>;
  readonly #unsubscribe: () => void;
  readonly #boundTimer: NodeJS.Timeout;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** A row was appended while a drain was running: go round once more. */
  #dirty = false;
  #retryMs: number;
  #closePromise: Promise<void> | null = null;
  /** close() began: the drain loop stops after the batch in flight. */
  #closing = false;
  #connected = false;
  #written = 0;
  #failedBatches = 0;
  /** Start of the current outage and rows written since it ended (for the "caught up" line). */
  #downSince: number | null = null;
  #writtenSinceBack = 0;
  #catchingUp = false;

  constructor(outbox: Outbox, pgStore: PgStore, logger: Logger, opts: PgReplicatorOptions = {}) {
    this.#outbox = outbox;
    this.#pg = pgStore;
    this.#log = logger.child({ mod: 'PgReplicator' });
    this.#o = {
      batchSize: opts.batchSize ?? 500,
      maxQueued: opts.maxQueued ?? 100_000,
      boundLogMs: opts.boundLogMs ?? 60_000,
      retryMinMs: opts.retryMinMs ?? 250,
      retryMaxMs: opts.retryMaxMs ?? 10_000,
      lingerMs: opts.lingerMs ?? 5,
      closeFlushMs: opts.closeFlushMs ?? 2000,
    };
    this.#retryMs = this.#o.retryMinMs;
    this.#unsubscribe = outbox.onPush(() => this.#wake());
    this.#boundTimer = setInterval(() => this.#checkBound(), this.#o.boundLogMs);
    this.#boundTimer.unref();
    const queued = outbox.queued;
    if (queued > 0) this.#log.info({ queued }, 'sending rows a previous run left in the outbox');
    this.#schedule(0);
  }

  stats(): PgReplicatorStats {
    return {
      queued: this.#outbox.queued,
      written: this.#written,
      failedBatches: this.#failedBatches,
      connected: this.#connected,
      parked: this.#outbox.parked,
    };
  }

  /** Resolves once the outbox is empty (rejects after `ms`). For tests and shutdown. */
  async flushed(ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (this.#outbox.queued > 0) {
      if (Date.now() > until) throw new Error(`outbox not empty after ${ms} ms (${this.#outbox.queued} queued)`);
      this.#wake();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Stops: the batch in flight finishes; what is still queued is sent for up to `closeFlushMs` when
   * PostgreSQL answers, the rest stays in the outbox for the next start. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#unsubscribe();
    clearInterval(this.#boundTimer);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    if (this.#connected && this.#o.closeFlushMs > 0) {
      const until = Date.now() + this.#o.closeFlushMs;
      while (Date.now() < until && this.#outbox.queued > 0) {
        if ((await this.#sendBatch()) === 'down') break;
      }
    }
    const queued = this.#outbox.queued;
    if (queued > 0) this.#log.warn({ queued }, 'stopped with rows still queued; they are sent on the next start');
  }

  #wake(): void {
    if (this.#running) this.#dirty = true;
    else if (this.#downSince === null) this.#schedule(this.#o.lingerMs);
    // During an outage the back-off timer is already set: new rows wait for it.
  }

  #schedule(ms: number): void {
    if (this.#closing || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running ??= this.#drain()
        .catch((err: unknown) => this.#log.error({ err: reason(err) }, 'outbox drain failed'))
        .finally(() => {
          this.#running = null;
        });
    }, ms);
  }

  async #drain(): Promise<void> {
    while (!this.#closing) {
      this.#dirty = false;
      const r = await this.#sendBatch();
      if (r === 'down') {
        const wait = this.#retryMs;
        this.#retryMs = Math.min(this.#retryMs * 2, this.#o.retryMaxMs);
        this.#schedule(wait);
        return;
      }
      this.#retryMs = this.#o.retryMinMs;
      if (r === 'empty' && !this.#dirty) return;
    }
  }

  /** Sends one batch: 'down' when PostgreSQL could not be reached (the rows stay queued). */
  async #sendBatch(): Promise<'sent' | 'empty' | 'down'> {
    const rows = this.#outbox.batch(this.#o.batchSize);
    if (rows.length === 0) {
      // Nothing to send, but not known to be reachable (start, or an outage): look, so `connected` says so.
      if (!this.#connected) {
        try {
          await this.#pg.ready();
          (await this.#pg.pool.connect()).release();
          this.#back();
        } catch (err) {
          this.#down(err);
          return 'down';
        }
      }
      this.#caughtUp();
      return 'empty';
    }
    const ops: Op[] = [];
    for (const r of rows) {
      const op = decode(r);
      if (typeof op === 'string') this.#park(r, op);
      else ops.push(op);
    }
    if (ops.length === 0) return 'sent';
    let client: pg.PoolClient | null = null;
    try {
      await this.#pg.ready();
      client = await this.#pg.pool.connect();
      let bad: Map<number, string> | null = null;
      try {
        await write(client, ops, false);
      } catch (err) {
        if (!isRowFault(err)) throw err;
        // PostgreSQL refused something in the batch: again, row by row, to find and park the culprits.
        this.#failedBatches++;
        bad = await write(client, ops, true);
      }
      client.release();
      client = null;
      for (const [seq, why] of bad ?? []) {
        const r = rows.find((x) => x.seq === seq);
        if (r) this.#park(r, why);
      }
      const sent = ops.filter((o) => !bad?.has(o.seq)).map((o) => o.seq);
      this.#outbox.done(sent);
      this.#written += sent.length;
      this.#back();
      this.#writtenSinceBack += sent.length;
      return 'sent';
    } catch (err) {
      client?.release(err as Error);
      if (!isUnavailable(err)) {
        // Not the data (that is handled above) and not the network: say so, retry later.
        this.#log.error({ err: reason(err) }, 'unexpected failure writing to PostgreSQL');
      }
      this.#failedBatches++;
      this.#down(err);
      return 'down';
    }
  }

  #park(r: OutboxRow, why: string): void {
    this.#outbox.park(r.seq, why);
    this.#log.error(
      { seq: r.seq, kind: r.kind, err: why },
      'PostgreSQL refused an outbox row: parked, the rest goes on',
    );
  }

  #down(err: unknown): void {
    if (this.#downSince === null) {
      this.#downSince = Date.now();
      this.#log.warn(
        { queued: this.#outbox.queued, err: reason(err) },
        'PostgreSQL unreachable: rows queue in the outbox until it is back',
      );
    }
    this.#connected = false;
    this.#writtenSinceBack = 0;
  }

  #back(): void {
    if (!this.#connected && this.#downSince !== null) {
      this.#log.info({ downMs: Date.now() - this.#downSince }, 'PostgreSQL reachable again: sending the queue');
      this.#downSince = null;
      this.#catchingUp = true;
      this.#writtenSinceBack = 0;
    }
    this.#connected = true;
  }

  #caughtUp(): void {
    if (!this.#catchingUp) return;
    this.#catchingUp = false;
    this.#log.info({ written: this.#writtenSinceBack }, 'PostgreSQL caught up: queued rows written');
  }

  #checkBound(): void {
    let queued: number;
    try {
      queued = this.#outbox.queued;
    } catch (err) {
      this.#log.error({ err: reason(err) }, 'outbox unreadable');
      return;
    }
    if (queued > this.#o.maxQueued) {
      this.#log.error(
        { queued, max: this.#o.maxQueued, connected: this.#connected },
        'outbox over its bound: rows are kept (never dropped) until PostgreSQL takes them',
      );
    }
  }
}

/** The row as an operation, or why it cannot be one. */
function decode(r: OutboxRow): Op | string {
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'body is not an object';
  const b = body as Record<string, unknown>;
  const str = (k: string) => typeof b[k] === 'string';
  const num = (k: string) => typeof b[k] === 'number';
  const numOrNull = (k: string) => b[k] === null || typeof b[k] === 'number';
  switch (r.kind) {
    case 'user':
      if (str('appID') && str('UID') && str('nickname') && num('firstLoginAt') && num('lastLoginAt'))
        return { seq: r.seq, kind: 'user', row: b as unknown as SharedUserRow };
      break;
    case 'call':
      if (
        str('appID') &&
        str('callID') &&
        str('callerID') &&
        str('calleeID') &&
        num('meetID') &&
        str('usrExtDat') &&
        num('ringAt') &&
        numOrNull('answerAt') &&
        numOrNull('endAt') &&
        str('outcome') &&
        num('sdkErr') &&
        num('attempts')
      )
        return { seq: r.seq, kind: 'call', row: b as unknown as SharedCallRow };
      break;
    case 'room':
      if (num('meetID') && str('appID') && str('subject') && str('pswd') && str('creator') && num('startTime'))
        return { seq: r.seq, kind: 'room', row: b as unknown as RoomBody };
      break;
    case 'roomDelete':
      if (num('meetID') && str('appID') && str('creator') && num('startTime'))
        return { seq: r.seq, kind: 'roomDelete', row: b as unknown as RoomIdentity };
      break;
    case 'grant':
      if (num('meetID') && str('appID') && str('creator') && num('startTime') && str('UID'))
        return { seq: r.seq, kind: 'grant', row: b as unknown as RoomIdentity & { UID: string } };
      break;
    default:
      return `unknown kind ${String(r.kind).slice(0, 40)}`;
  }
  return `malformed ${r.kind} row`;
}

/**
 * Writes `ops` in one transaction. Users and call records go as one multi-row upsert each (order does
 * not matter: each is a whole row per key); rooms and grants one by one in write order. With
 * `isolate`, each row runs under its own savepoint and the rows PostgreSQL refuses are returned instead
 * of failing the batch.
 */
async function write(client: pg.PoolClient, ops: Op[], isolate: boolean): Promise<Map<number, string>> {
  const bad = new Map<number, string>();
  /** `mustHit`: the statement must return a row, or the row is refused (a meetID taken by another room). */
  const steps: { seqs: number[]; sql: string; args: unknown[]; mustHit?: string }[] = [];
  const users = new Map<string, { seq: number; row: SharedUserRow }>();
  const calls = new Map<string, { seq: number; row: SharedCallRow }>();
  for (const op of ops) {
    // A later row of the same key wins (one statement cannot upsert one key twice).
    if (op.kind === 'user') users.set(JSON.stringify([op.row.appID, op.row.UID]), op);
    else if (op.kind === 'call') calls.set(JSON.stringify([op.row.appID, op.row.callID]), op);
  }
  const userGroups = isolate ? [...users.values()].map((u) => [u]) : [[...users.values()]];
  for (const g of userGroups) {
    if (g.length === 0) continue;
    // Sorted by key so two nodes upserting the same users take their row locks in one order.
    g.sort((a, b) => cmp(a.row.appID + a.row.UID, b.row.appID + b.row.UID));
    steps.push({
      seqs: g.map((u) => u.seq),
      sql: UPSERT_USERS,
      args: [
        g.map((u) => pgText(u.row.appID)),
        g.map((u) => pgText(u.row.UID)),
        g.map((u) => pgText(u.row.nickname)),
        g.map((u) => u.row.firstLoginAt),
        g.map((u) => u.row.lastLoginAt),
      ],
    });
  }
  const callGroups = isolate ? [...calls.values()].map((c) => [c]) : [[...calls.values()]];
  for (const g of callGroups) {
    if (g.length === 0) continue;
    g.sort((a, b) => cmp(a.row.appID + a.row.callID, b.row.appID + b.row.callID));
    const col = <K extends keyof SharedCallRow>(k: K) => g.map((c) => c.row[k]);
    const txt = <K extends keyof SharedCallRow>(k: K) => g.map((c) => pgText(String(c.row[k])));
    steps.push({
      seqs: g.map((c) => c.seq),
      sql: UPSERT_CALLS,
      args: [
        txt('appID'),
        txt('callID'),
        txt('callerID'),
        txt('calleeID'),
        col('meetID'),
        txt('usrExtDat'),
        col('ringAt'),
        col('answerAt'),
        col('endAt'),
        txt('outcome'),
        col('sdkErr'),
        col('attempts'),
      ],
    });
  }
  for (const op of ops) {
    if (op.kind === 'room') {
      const r = op.row;
      steps.push({
        seqs: [op.seq],
        // A resent row finds itself and changes nothing; another room under the same ID is never overwritten.
        sql: `INSERT INTO rooms (meet_id, app_id, subject, pswd, creator, start_time) VALUES ($1, $2, $3, $4, $5, $6)
              ON CONFLICT (meet_id) DO UPDATE SET subject = excluded.subject, pswd = excluded.pswd
              WHERE rooms.app_id = excluded.app_id AND rooms.creator = excluded.creator
                AND rooms.start_time = excluded.start_time
              RETURNING 1`,
        args: [r.meetID, pgText(r.appID), pgText(r.subject), pgText(r.pswd), pgText(r.creator), r.startTime],
        mustHit: `meetID ${r.meetID} belongs to another room`,
      });
    } else if (op.kind === 'grant') {
      // Only into the room this node made (its row came first): never into another room of the same ID.
      const r = op.row;
      steps.push({
        seqs: [op.seq],
        sql: `WITH room AS (SELECT meet_id FROM rooms WHERE meet_id = $1 AND app_id = $2 AND creator = $3
                AND start_time = $4),
              ins AS (INSERT INTO room_access (meet_id, uid) SELECT meet_id, $5 FROM room ON CONFLICT DO NOTHING)
              SELECT 1 FROM room`,
        args: [r.meetID, pgText(r.appID), pgText(r.creator), r.startTime, pgText(r.UID)],
        mustHit: `no room ${r.meetID} of ${r.creator} to grant entry to`,
      });
    } else if (op.kind === 'roomDelete') {
      const r = op.row;
      steps.push({
        seqs: [op.seq],
        sql: `WITH d AS (DELETE FROM rooms WHERE meet_id = $1 AND app_id = $2 AND creator = $3 AND start_time = $4
                RETURNING meet_id)
              DELETE FROM room_access WHERE meet_id IN (SELECT meet_id FROM d)`,
        args: [r.meetID, pgText(r.appID), pgText(r.creator), r.startTime],
      });
    }
  }
  const run = async (s: (typeof steps)[number]) => {
    const r = await client.query(s.sql, s.args);
    // 23505 (unique violation): what PostgreSQL itself would say, so the row is treated as refused.
    if (s.mustHit && r.rows.length === 0) throw Object.assign(new Error(s.mustHit), { code: '23505' });
  };
  await client.query('BEGIN');
  try {
    for (const s of steps) {
      if (!isolate) {
        await run(s);
        continue;
      }
      await client.query('SAVEPOINT row');
      try {
        await run(s);
        await client.query('RELEASE SAVEPOINT row');
      } catch (err) {
        if (!isRowFault(err)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT row');
        for (const seq of s.seqs) bad.set(seq, reason(err));
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  // Rows superseded inside the batch by a later row of their key were written through that row.
  return bad;
}

/** PostgreSQL refused the data itself (22 data exception, 23 integrity): the row, not the server, is at fault. */
function isRowFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
