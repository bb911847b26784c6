import type Database from 'better-sqlite3';

/** What a row of the outbox carries to PostgreSQL (the body is JSON). */
export type OutboxKind = 'user' | 'call' | 'room' | 'roomDelete' | 'grant';

export interface OutboxRow {
  seq: number;
  kind: OutboxKind;
  body: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  -- Rows with a key carry a whole row (a user, a call record): a newer one replaces an unsent older one.
  key TEXT,
  body TEXT NOT NULL,
  at INTEGER NOT NULL,
  -- Set when PostgreSQL refused the row itself (bad data): kept for a person to look at, never resent.
  parkedAt INTEGER,
  error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_parked ON outbox (parkedAt) WHERE parkedAt IS NOT NULL;
`;

type Stmt = Database.Statement<unknown[], unknown>;

/**
 * The durable outbox of the SQLite store: every write that PostgreSQL must see appends a row here in
 * the same SQLite transaction as the write itself, so a crash can lose neither without the other.
 * `PgReplicator` drains it. Lives in the store's database file.
 */
export class Outbox {
  readonly #drop: Stmt;
  readonly #insert: Stmt;
  readonly #batch: Stmt;
  readonly #done: Stmt;
  readonly #park: Stmt;
  readonly #queued: Stmt;
  readonly #parked: Stmt;
  readonly #listeners = new Set<() => void>();

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.#drop = db.prepare('DELETE FROM outbox WHERE key = ? AND parkedAt IS NULL');
    this.#insert = db.prepare('INSERT INTO outbox (kind, key, body, at) VALUES (?, ?, ?, ?)');
    this.#batch = db.prepare('SELECT seq, kind, body FROM outbox WHERE parkedAt IS NULL ORDER BY seq LIMIT ?');
    this.#done = db.prepare('DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))');
    this.#park = db.prepare('UPDATE outbox SET parkedAt = ?, error = ? WHERE seq = ?');
    this.#queued = db.prepare('SELECT count(*) AS n FROM outbox WHERE parkedAt IS NULL');
    this.#parked = db.prepare('SELECT count(*) AS n FROM outbox WHERE parkedAt IS NOT NULL');
  }

  /** Appends a row (call inside the write's transaction). A keyed row replaces the unsent one of its key. */
  push(kind: OutboxKind, key: string | null, body: unknown): void {
    if (key !== null) this.#drop.run(key);
    this.#insert.run(kind, key, JSON.stringify(body), Date.now());
    for (const l of this.#listeners) l();
  }

  /** The oldest rows not yet sent (parked rows excluded), in write order. */
  batch(limit: number): OutboxRow[] {
    return this.#batch.all(limit) as OutboxRow[];
  }

  /** Removes rows PostgreSQL has committed. */
  done(seqs: readonly number[]): void {
    if (seqs.length > 0) this.#done.run(JSON.stringify(seqs));
  }

  /** Sets a row PostgreSQL refused aside, with the reason. */
  park(seq: number, error: string): void {
    this.#park.run(Date.now(), error.slice(0, 1000), seq);
  }

  /** Rows waiting to be sent. */
  get queued(): number {
    return (this.#queued.get() as { n: number }).n;
  }

  /** Rows set aside as bad data. */
  get parked(): number {
    return (this.#parked.get() as { n: number }).n;
  }

  /** Calls `listener` after every append; returns the unsubscribe. */
  onPush(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
