import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Runs in the worker: its own connection to the same database copies the WAL back into the main
// file. PASSIVE never waits for the server's writes, and the server's thread never pays for it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

/**
 * SQLite's automatic WAL checkpoint runs inside whichever write crosses the threshold and fsyncs:
 * a 5–20 ms stall of the signaling thread every few hundred calls. The store turns it off and this
 * background thread checkpoints instead.
 */
export class Checkpointer {
  readonly #worker: Worker;
  #closed: Promise<void> | null = null;

  constructor(file: string, everyMs = 1000) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, everyMs } });
    this.#worker.unref();
    this.#worker.on('error', () => undefined);
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const done = () => resolve();
      this.#worker.once('message', () => void this.#worker.terminate().then(done, done));
      this.#worker.once('exit', done);
      // Unref'd while idle so it never keeps a process alive; while closing it must, or a process whose
      // last handle was the server would exit with close() still pending.
      this.#worker.ref();
      this.#worker.postMessage('close');
      setTimeout(() => void this.#worker.terminate().then(done, done), 2000).unref();
    });
    return this.#closed;
  }
}
