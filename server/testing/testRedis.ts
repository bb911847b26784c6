// A real redis-server on a free loopback port for tests and scripts, without persistence, so that
// stop() + start() is a Redis restart that loses everything (what the nodes must survive).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { cleanUpAtExit, exited, freePort, killNow, stopChild, waitUntil } from './processes.js';

export interface TestRedis {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Shuts Redis down (SIGTERM, nothing saved); safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it kept nothing). */
  start(): Promise<void>;
}

/** Asks Redis `PING` on a fresh connection with no retries: true once it answers PONG. */
export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } finally {
    r.disconnect();
  }
}

/** Starts it on `o.port` (default: a free port). */
export async function startRedis(o: { port?: number } = {}): Promise<TestRedis> {
  const port = o.port || (await freePort());
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let dir: string | null = null;
  let output = '';
  cleanUpAtExit(() => {
    killNow(child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) return;
    dir = mkdtempSync(join(tmpdir(), 'crvideo-redis-'));
    output = '';
    const c = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', '--logfile', ''],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
    };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    const died = exited(c).then(() => {
      throw new Error(`redis-server exited at start (${c.exitCode ?? c.signalCode}): ${output}`);
    });
    await Promise.race([waitUntil(`redis-server on ${port}`, () => redisAnswers(url)), died]);
    died.catch(() => undefined);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (c) await stopChild(c, 'SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  }

  await start();
  return { url, port, start, stop };
}
