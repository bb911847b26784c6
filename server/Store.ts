import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type CallOutcome, type CallRecord, type MeetObj, SdkErr } from '../protocol/index.js';
import { Checkpointer } from './Checkpointer.js';
import type { DiskGuard } from './limits/DiskGuard.js';
import { Outbox } from './store/Outbox.js';

export interface AppRow {
  appID: string;
  appSecret: string;
}

export interface UserRow {
  appID: string;
  UID: string;
  nickname: string;
}

export interface RoomRow {
  appID: string;
  meet: MeetObj;
}

/** A call record as stored (records are per app). */
export interface CallRow extends CallRecord {
  appID: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS apps (
  appID TEXT PRIMARY KEY,
  appSecret TEXT NOT NULL,
  createdAt INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  appID TEXT NOT NULL,
  UID TEXT NOT NULL,
  nickname TEXT NOT NULL,
  firstLoginAt INTEGER NOT NULL,
  lastLoginAt INTEGER NOT NULL,
  PRIMARY KEY (appID, UID)
);
CREATE TABLE IF NOT EXISTS rooms (
  meetID INTEGER PRIMARY KEY,
  appID TEXT NOT NULL,
  subject TEXT NOT NULL,
  pswd TEXT NOT NULL,
  creator TEXT NOT NULL,
  startTime INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS room_access (
  meetID INTEGER NOT NULL,
  UID TEXT NOT NULL,
  PRIMARY KEY (meetID, UID)
);
CREATE TABLE IF NOT EXISTS call_records (
  callID TEXT NOT NULL,
  appID TEXT NOT NULL,
  callerID TEXT NOT NULL,
  calleeID TEXT NOT NULL,
  meetID INTEGER NOT NULL,
  usrExtDat TEXT NOT NULL,
  ringAt INTEGER NOT NULL,
  answerAt INTEGER,
  endAt INTEGER,
  outcome TEXT NOT NULL,
  sdkErr INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (appID, callID)
);
CREATE INDEX IF NOT EXISTS call_records_caller ON call_records (appID, callerID, ringAt);
CREATE INDEX IF NOT EXISTS call_records_callee ON call_records (appID, calleeID, ringAt);
`;

type Stmt = Database.Statement<unknown[], unknown>;

export interface StoreOptions {
  /** Refuses new rows (902) while the disk is nearly full. */
  guard?: DiskGuard;
  /** `journal_size_limit`: the WAL is cut back to this size after checkpoints (default 64 MiB). */
  walSizeLimitBytes?: number;
  /** How often the background checkpoint runs (default 1000 ms). */
  checkpointEveryMs?: number;
  /**
   * Cluster mode with PostgreSQL: every write other nodes must see (users, rooms, call records) also
   * appends a row to the `outbox` table in the same transaction, for `PgReplicator` to send.
   */
  outbox?: boolean;
}

/** A call record as it goes to PostgreSQL: the whole row. */
export interface SharedCallRow extends CallRow {
  attempts: number;
}

/** A user as it goes to PostgreSQL. */
export interface SharedUserRow extends UserRow {
  firstLoginAt: number;
  lastLoginAt: number;
}

const RECORD_COLUMNS =
  'callID, callerID, calleeID, meetID, usrExtDat, ringAt, answerAt, endAt, outcome, sdkErr, attempts';

/**
 * The server's SQLite store (WAL). Every write is its own transaction, so a `kill -9` loses
 * nothing that was already answered to a client.
 */
export class Store {
  readonly #db: Database.Database;
  readonly #checkpointer: Checkpointer;
  readonly #stmts = new Map<string, Stmt>();
  readonly #guard: DiskGuard | undefined;
  /** The outbox to PostgreSQL (cluster mode), or null. */
  readonly outbox: Outbox | null;
  #closed = false;

  private constructor(
    db: Database.Database,
    checkpointer: Checkpointer,
    guard: DiskGuard | undefined,
    outbox: boolean,
  ) {
    this.#db = db;
    this.#checkpointer = checkpointer;
    this.#guard = guard;
    this.outbox = outbox ? new Outbox(db) : null;
  }

  static open(dataDir: string, opts: StoreOptions = {}): Store {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'crvideo.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Checkpoints happen on a background thread (Checkpointer), never inside a call's write.
    db.pragma('wal_autocheckpoint = 0');
    const walLimit = Math.max(0, Math.floor(opts.walSizeLimitBytes ?? 64 * 1024 * 1024));
    db.pragma(`journal_size_limit = ${walLimit}`);
    db.exec(SCHEMA);
    const columns = db.prepare('PRAGMA table_info(call_records)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'attempts'))
      db.exec('ALTER TABLE call_records ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1');
    const checkpointer = new Checkpointer(file, {
      walLimitBytes: walLimit,
      everyMs: opts.checkpointEveryMs,
      // Without its background checkpoints the WAL would grow without bound: SQLite checkpoints inline
      // again (its default, every 1000 pages), slower writes rather than a full disk.
      onFailure: () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      },
    });
    return new Store(db, checkpointer, opts.guard, opts.outbox === true);
  }

  /** Runs `fn` in one transaction with its outbox rows when the outbox is on; as before otherwise. */
  #shared<T>(fn: () => T): T {
    if (!this.outbox || this.#db.inTransaction) return fn();
    // Prepared BEGIN / COMMIT: a fresh db.transaction() wrapper per write costs more than the write.
    this.#stmt('BEGIN').run();
    try {
      const r = fn();
      this.#stmt('COMMIT').run();
      return r;
    } catch (err) {
      if (this.#db.inTransaction) this.#stmt('ROLLBACK').run();
      throw err;
    }
  }

  #shareUser(appID: string, UID: string): void {
    const row = this.#stmt(
      'SELECT appID, UID, nickname, firstLoginAt, lastLoginAt FROM users WHERE appID = ? AND UID = ?',
    ).get(appID, UID) as SharedUserRow | undefined;
    if (row) this.outbox?.push('user', JSON.stringify(['u', appID, UID]), row);
  }

  #shareCall(appID: string, callID: string): void {
    const row = this.#stmt(`SELECT appID, ${RECORD_COLUMNS} FROM call_records WHERE appID = ? AND callID = ?`).get(
      appID,
      callID,
    ) as SharedCallRow | undefined;
    if (row) this.outbox?.push('call', JSON.stringify(['c', appID, callID]), row);
  }

  #stmt(sql: string): Stmt {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#checkpointer.close();
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // another process holds the file; the WAL stays and is replayed on the next open
    }
    this.#db.close();
  }

  // ---- apps ----
  listApps(): AppRow[] {
    return this.#stmt('SELECT appID, appSecret FROM apps ORDER BY createdAt').all() as AppRow[];
  }

  upsertApp(app: AppRow): void {
    this.#stmt(
      'INSERT INTO apps (appID, appSecret, createdAt) VALUES (?, ?, ?) ON CONFLICT(appID) DO UPDATE SET appSecret = excluded.appSecret',
    ).run(app.appID, app.appSecret, Date.now());
  }

  // ---- users ----
  getUser(appID: string, UID: string): UserRow | undefined {
    return this.#stmt('SELECT appID, UID, nickname FROM users WHERE appID = ? AND UID = ?').get(appID, UID) as
      | UserRow
      | undefined;
  }

  listUsers(appID: string): UserRow[] {
    return this.#stmt('SELECT appID, UID, nickname FROM users WHERE appID = ? ORDER BY UID').all(appID) as UserRow[];
  }

  recordLogin(appID: string, UID: string, nickname: string): void {
    if (!this.outbox) return this.#recordLogin(appID, UID, nickname);
    this.#shared(() => {
      this.#recordLogin(appID, UID, nickname);
      this.#shareUser(appID, UID);
    });
  }

  #recordLogin(appID: string, UID: string, nickname: string): void {
    const now = Date.now();
    if (this.#guard) {
      const known = this.#stmt('UPDATE users SET nickname = ?, lastLoginAt = ? WHERE appID = ? AND UID = ?').run(
        nickname,
        now,
        appID,
        UID,
      ).changes;
      if (known > 0) return;
      this.#guard.assertRoom('a new user');
    }
    this.#stmt(
      `INSERT INTO users (appID, UID, nickname, firstLoginAt, lastLoginAt) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(appID, UID) DO UPDATE SET nickname = excluded.nickname, lastLoginAt = excluded.lastLoginAt`,
    ).run(appID, UID, nickname, now, now);
  }

  /**
   * Cluster mode: a user known from PostgreSQL (signed in on another node only), copied here so the
   * synchronous checks see them. Not a login of this node: nothing goes to the outbox.
   */
  importUser(row: SharedUserRow): void {
    this.#stmt(
      'INSERT OR IGNORE INTO users (appID, UID, nickname, firstLoginAt, lastLoginAt) VALUES (?, ?, ?, ?, ?)',
    ).run(row.appID, row.UID, row.nickname, row.firstLoginAt, row.lastLoginAt);
  }

  // ---- rooms ----
  /**
   * Cluster mode: a room another node made, with who may enter it, copied from PostgreSQL. The room
   * stays that node's: nothing goes to the outbox. A local room of the same ID is kept.
   */
  importRoom(
    row: { appID: string; ID: number; subject: string; pswd: string; creator: string; startTime: number },
    grants: readonly string[],
  ): void {
    this.#db.transaction(() => {
      const added = this.#stmt(
        'INSERT OR IGNORE INTO rooms (meetID, appID, subject, pswd, creator, startTime) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(row.ID, row.appID, row.subject, row.pswd, row.creator, row.startTime).changes;
      if (added === 0) return;
      for (const UID of grants)
        this.#stmt('INSERT OR IGNORE INTO room_access (meetID, UID) VALUES (?, ?)').run(row.ID, UID);
    })();
  }

  insertRoom(appID: string, meet: MeetObj): void {
    this.#guard?.assertRoom('the room');
    this.#shared(() => {
      this.#stmt('INSERT INTO rooms (meetID, appID, subject, pswd, creator, startTime) VALUES (?, ?, ?, ?, ?, ?)').run(
        meet.ID,
        appID,
        meet.subject,
        meet.pswd,
        meet.creator,
        meet.startTime,
      );
      this.outbox?.push('room', null, {
        meetID: meet.ID,
        appID,
        subject: meet.subject,
        pswd: meet.pswd,
        creator: meet.creator,
        startTime: meet.startTime,
      });
      this.grantRoom(meet.ID, meet.creator);
    });
  }

  roomExists(meetID: number): boolean {
    return this.#stmt('SELECT 1 FROM rooms WHERE meetID = ?').get(meetID) !== undefined;
  }

  getRoom(
    meetID: number,
  ): { appID: string; ID: number; subject: string; pswd: string; creator: string; startTime: number } | undefined {
    return this.#stmt('SELECT appID, meetID AS ID, subject, pswd, creator, startTime FROM rooms WHERE meetID = ?').get(
      meetID,
    ) as { appID: string; ID: number; subject: string; pswd: string; creator: string; startTime: number } | undefined;
  }

  deleteRoom(meetID: number): void {
    this.#db.transaction(() => {
      const room = this.outbox ? this.#roomIdentity(meetID) : undefined;
      this.#stmt('DELETE FROM rooms WHERE meetID = ?').run(meetID);
      this.#stmt('DELETE FROM room_access WHERE meetID = ?').run(meetID);
      if (room) this.outbox?.push('roomDelete', null, room);
    })();
  }

  grantRoom(meetID: number, UID: string): void {
    this.#shared(() => {
      const added = this.#stmt('INSERT OR IGNORE INTO room_access (meetID, UID) VALUES (?, ?)').run(
        meetID,
        UID,
      ).changes;
      const room = added > 0 && this.outbox ? this.#roomIdentity(meetID) : undefined;
      if (room) this.outbox?.push('grant', null, { ...room, UID });
    });
  }

  /** What tells this room from another one under the same ID (IDs are drawn at random per node). */
  #roomIdentity(meetID: number): { meetID: number; appID: string; creator: string; startTime: number } | undefined {
    return this.#stmt('SELECT meetID, appID, creator, startTime FROM rooms WHERE meetID = ?').get(meetID) as
      | { meetID: number; appID: string; creator: string; startTime: number }
      | undefined;
  }

  mayEnter(meetID: number, UID: string): boolean {
    return this.#stmt('SELECT 1 FROM room_access WHERE meetID = ? AND UID = ?').get(meetID, UID) !== undefined;
  }

  // ---- call records ----
  insertCall(row: CallRow): void {
    this.#guard?.assertRoom('the call record');
    this.#shared(() => {
      this.#stmt(
        `INSERT INTO call_records (callID, appID, callerID, calleeID, meetID, usrExtDat, ringAt, answerAt, endAt, outcome, sdkErr)
         VALUES (@callID, @appID, @callerID, @calleeID, @meetID, @usrExtDat, @ringAt, @answerAt, @endAt, @outcome, @sdkErr)`,
      ).run(row);
      this.#shareCall(row.appID, row.callID);
    });
  }

  updateCall(
    appID: string,
    callID: string,
    patch: { answerAt?: number; endAt?: number; outcome: CallOutcome; sdkErr?: number },
  ): void {
    const sql = `UPDATE call_records SET answerAt = COALESCE(@answerAt, answerAt), endAt = COALESCE(@endAt, endAt),
       outcome = @outcome, sdkErr = COALESCE(@sdkErr, sdkErr) WHERE appID = @appID AND callID = @callID`;
    const args = {
      appID,
      callID,
      answerAt: patch.answerAt ?? null,
      endAt: patch.endAt ?? null,
      outcome: patch.outcome,
      sdkErr: patch.sdkErr ?? null,
    };
    const outbox = this.outbox;
    if (!outbox) {
      this.#stmt(sql).run(args);
      return;
    }
    this.#shared(() => {
      const row = this.#stmt(`${sql} RETURNING appID, ${RECORD_COLUMNS}`).get(args) as SharedCallRow | undefined;
      if (row) outbox.push('call', JSON.stringify(['c', appID, callID]), row);
    });
  }

  /**
   * A call that failed at once (offline, busy…): when the same caller's last record with this callee
   * failed the same way within `mergeMs`, that record counts one more attempt instead of a new row,
   * so repeated failed calls neither fill the disk nor push anyone's real history out of view.
   */
  insertFailedCall(row: CallRow, mergeMs: number): void {
    this.#shared(() => this.#insertFailedCall(row, mergeMs));
  }

  #insertFailedCall(row: CallRow, mergeMs: number): void {
    const sql = `UPDATE call_records SET attempts = attempts + 1, ringAt = @ringAt, endAt = @ringAt, usrExtDat = @usrExtDat,
       meetID = @meetID WHERE rowid = (SELECT rowid FROM call_records INDEXED BY call_records_caller WHERE appID = @appID
       AND callerID = @callerID AND ringAt >= @since AND calleeID = @calleeID ORDER BY ringAt DESC LIMIT 1)
       AND outcome = 'failed' AND sdkErr = @sdkErr`;
    const args = {
      appID: row.appID,
      callerID: row.callerID,
      calleeID: row.calleeID,
      sdkErr: row.sdkErr,
      ringAt: row.ringAt,
      since: row.ringAt - mergeMs,
      usrExtDat: row.usrExtDat,
      meetID: row.meetID,
    };
    let merged: number;
    if (this.outbox) {
      const rows = this.#stmt(`${sql} RETURNING callID`).all(args) as { callID: string }[];
      for (const r of rows) this.#shareCall(row.appID, r.callID);
      merged = rows.length;
    } else {
      merged = this.#stmt(sql).run(args).changes;
    }
    if (merged === 0) this.insertCall(row);
  }

  /**
   * One page of a user's history, newest first. Each side (as caller, as callee) walks its own
   * (app, user, time) index for at most `offset + limit` rows, so the cost follows the page asked for,
   * not the size of the table or of the user's history.
   */
  callRecordsFor(appID: string, UID: string, page: { limit: number; offset: number } = { limit: 50, offset: 0 }) {
    const n = page.offset + page.limit;
    return this.#stmt(
      `SELECT * FROM (
         SELECT * FROM (SELECT ${RECORD_COLUMNS} FROM call_records INDEXED BY call_records_caller
           WHERE appID = @appID AND callerID = @UID ORDER BY ringAt DESC LIMIT @n)
         UNION ALL
         SELECT * FROM (SELECT ${RECORD_COLUMNS} FROM call_records INDEXED BY call_records_callee
           WHERE appID = @appID AND calleeID = @UID AND callerID <> @UID ORDER BY ringAt DESC LIMIT @n)
       ) ORDER BY ringAt DESC LIMIT @limit OFFSET @offset`,
    ).all({ appID, UID, n, limit: page.limit, offset: page.offset }) as CallRecord[];
  }

  /** After a restart no call is live any more: close the records the last run left open. */
  closeDanglingCalls(now: number): number {
    if (this.outbox) {
      return this.#shared(() => {
        const rows = [
          ...(this.#stmt(
            `UPDATE call_records SET endAt = ?, outcome = 'answered' WHERE outcome = 'ongoing' RETURNING appID, callID`,
          ).all(now) as { appID: string; callID: string }[]),
          ...(this.#stmt(
            `UPDATE call_records SET endAt = ?, outcome = 'failed', sdkErr = ? WHERE outcome = 'ringing' RETURNING appID, callID`,
          ).all(now, SdkErr.SERVER_EXCEPTION) as { appID: string; callID: string }[]),
        ];
        for (const r of rows) this.#shareCall(r.appID, r.callID);
        return rows.length;
      });
    }
    const a = this.#stmt(`UPDATE call_records SET endAt = ?, outcome = 'answered' WHERE outcome = 'ongoing'`).run(
      now,
    ).changes;
    // A call still ringing when the server stopped failed on the server's side (8).
    const b = this.#stmt(
      `UPDATE call_records SET endAt = ?, outcome = 'failed', sdkErr = ? WHERE outcome = 'ringing'`,
    ).run(now, SdkErr.SERVER_EXCEPTION).changes;
    return a + b;
  }
}
