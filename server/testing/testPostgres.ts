// A real PostgreSQL server in a temp data dir on a free loopback port, for tests and scripts.
// PostgreSQL refuses to run as root: as root every PostgreSQL program runs as the `postgres` user
// (runuser), which owns the temp dir; otherwise they run as the current user. Trust auth on 127.0.0.1.
import { type ExecFileOptions, execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { cleanUpAtExit, freePort, waitUntil } from './processes.js';

const run = promisify(execFile);

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/crvideo` */
  url: string;
  port: number;
  /** Fast shutdown (an outage: sessions are cut, the data stays); safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data dir (the end of a test run). */
  dispose(): Promise<void>;
}

/** The directory of Debian's PostgreSQL programs (the newest installed major), or '' for PATH. */
export function postgresBinDir(): string {
  for (const v of ['17', '16', '15', '14', '13']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return '';
}

const asRoot = process.getuid?.() === 0;

/** The command line that runs PostgreSQL's `program` as the right user. */
function command(program: string, args: string[]): [string, string[]] {
  const bin = postgresBinDir();
  const exe = bin ? join(bin, program) : program;
  return asRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

async function pgRun(program: string, args: string[], opts: ExecFileOptions): Promise<void> {
  const [cmd, argv] = command(program, args);
  try {
    await run(cmd, argv, { timeout: 120_000, ...opts });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${program} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** True once a `SELECT 1` through `pg` succeeds on `url`. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query('SELECT 1 AS one')).rows[0]?.one === 1;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Starts it on `o.port` (default: a free port). */
export async function startPostgres(o: { port?: number } = {}): Promise<TestPostgres> {
  const port = o.port || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const url = `postgres://postgres@127.0.0.1:${port}/crvideo`;
  const opts = { cwd: dir, env: { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' } };
  let running = false;
  let disposed = false;
  const unregister = cleanUpAtExit(() => {
    if (running) {
      const [cmd, argv] = command('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      execFileSync(cmd, argv, { cwd: dir, stdio: 'ignore', timeout: 20_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  // The server settings: loopback only, its socket in the temp dir, durability traded for speed (test data).
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');

  async function start(): Promise<void> {
    if (running || disposed) return;
    await pgRun('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions], opts);
    running = true;
    await waitUntil(`PostgreSQL on ${port}`, () => postgresAnswers(url.replace(/\/crvideo$/, '/postgres')));
  }

  async function stop(): Promise<void> {
    if (!running) return;
    running = false;
    await pgRun('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], opts);
  }

  try {
    await pgRun(
      'initdb',
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale', 'C', '--no-sync', '--no-instructions'],
      opts,
    );
    await start();
    const admin = new pg.Client({ connectionString: url.replace(/\/crvideo$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE crvideo');
    } finally {
      await admin.end();
    }
    await waitUntil('database crvideo', () => postgresAnswers(url));
  } catch (err) {
    await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    unregister();
    throw err;
  }

  return {
    url,
    port,
    start,
    stop,
    async dispose() {
      if (disposed) return;
      await stop();
      disposed = true;
      rmSync(dir, { recursive: true, force: true });
      unregister();
    },
  };
}
