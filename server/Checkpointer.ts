import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Runs in the worker: its own connection to the same database copies the WAL back into the main
// file. PASSIVE never waits for the server's writes, and the server's thread never pays for it.
// Under steady writes a PASSIVE checkpoint rarely catches the last frame, so the WAL is never
// restarted and grows; once it passes the limit, one TRUNCATE checkpoint (it waits for the writer
// between two of its transactions) copies everything back and cuts the file to zero.
const WORKER_SOURCE = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma('journal_size_limit = ' + workerData.walLimitBytes);
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const timer = setInterval(() => {
  try {
    db.pragma(walSize() > workerData.walLimitBytes ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  } catch {}
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface CheckpointerOptions {
  /** How often to checkpoint (default 1000 ms). */
  everyMs?: number;
  /** WAL size past which a truncating checkpoint runs (default 64 MiB). */
  walLimitBytes?: number;
  /** Called once when the worker fails or exits on its own (the WAL then needs another checkpointer). */
  onFailure?: (err: unknown) => void;
}

/**
 * SQLite's automatic WAL checkpoint runs inside whichever write crosses the threshold and fsyncs:
 * a 5–20 ms stall of the signaling thread every few hundred calls. The store turns it off and this
 * background thread checkpoints instead, keeping the WAL under its size limit.
 */
export class Checkpointer {
  readonly #worker: Worker;
  #closed: Promise<void> | null = null;
  /** The worker is gone (it failed to start or threw): closing has nothing to wait for. */
  #exited = false;

  constructor(file: string, opts: CheckpointerOptions = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const workerData = {
      driver,
      file,
      everyMs: opts.everyMs ?? 1000,
      walLimitBytes: opts.walLimitBytes ?? 64 * 1024 * 1024,
    };
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.#worker.unref();
    let failure: unknown = null;
    this.#worker.on('error', (err) => {
      failure ??= err;
    });
    this.#worker.once('exit', (code) => {
      this.#exited = true;
      if (this.#closed === null) opts.onFailure?.(failure ?? new Error(`checkpoint worker exited (${code})`));
    });
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      // A worker that already exited sends nothing and exits no more: waiting for it, with nothing else
      // keeping the process alive, ended a script in `await server.close()` with exit code 13.
      if (this.#exited) return resolve();
      const done = () => resolve();
      this.#worker.once('message', () => void this.#worker.terminate().then(done, done));
      this.#worker.once('exit', done);
      // Unref'd while idle so it never keeps a process alive; while closing it must, or a process whose
      // last handle was the server would exit with close() still pending.
      this.#worker.ref();
      this.#worker.postMessage('close');
      // Not unref'd: at most 2 s, and the close must settle even if the worker never answers.
      const late = setTimeout(() => void this.#worker.terminate().then(done, done), 2000);
      this.#worker.once('exit', () => clearTimeout(late));
    });
    return this.#closed;
  }
}
