// A throw-away PostgreSQL for the store tests: initdb in a temp dir owned by the `postgres` user
// (PostgreSQL refuses to run as root), trust auth, loopback only, a free port. The cluster harness
// (server/testing/cluster.ts) may replace it.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.CRVIDEO_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:PORT/DB` */
  url(db?: string): string;
  /** A fresh, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** `pg_ctl stop -m fast`: every connection is cut, new ones are refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data dir. */
  dispose(): Promise<void>;
}

/** A loopback port nobody listens on (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root, as ourselves otherwise. */
async function asPostgres(bin: string, args: string[]): Promise<void> {
  const argv = userInfo().uid === 0 ? ['-u', 'postgres', '--', join(BIN, bin), ...args] : args;
  await run(userInfo().uid === 0 ? 'runuser' : join(BIN, bin), argv, { timeout: 60_000 });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-pg-'));
  const data = join(dir, 'data');
  if (userInfo().uid === 0) {
    const pw = await run('id', ['-u', 'postgres']);
    const gid = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
  }
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => asPostgres('pg_ctl', ['start', '-D', data, '-w', '-s', '-l', join(dir, 'log'), '-o', opts]);
  const stop = () => asPostgres('pg_ctl', ['stop', '-D', data, '-w', '-s', '-m', 'fast']);
  await start();
  let running = true;
  let n = 0;
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async dispose() {
      if (running) await stop().catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
