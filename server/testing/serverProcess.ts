// The server as its own process, the way `npm run server` runs it: for kill -9 tests and benchmarks
// that measure the server's own RSS and CPU.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, null>;
  url: string;
  /** What the server printed up to and including its URL line (the start-up banner). */
  banner: string;
}

const ROOT = join(import.meta.dirname, '..', '..');

export interface SpawnOptions {
  /** Receives everything the server prints after its banner (its pino log lines); without it that is dropped. */
  onOutput?: (text: string) => void;
  /** Node options for the server process (e.g. `--trace-gc`, `--cpu-prof`), placed before its entry. */
  nodeArgs?: string[];
}

/**
 * Starts the server CLI with `args` on a free port and resolves once it printed its URL.
 * `entry: 'dist'` runs the built `dist/server/cli.js` (benchmarks), `'source'` runs server/cli.ts through tsx.
 * A later `--port` or `--user-auth` in `args` wins over the defaults (port 0, no user check).
 */
export async function spawnServer(
  args: string[],
  entry: 'dist' | 'source' = 'source',
  opts: SpawnOptions = {},
): Promise<ServerProcess> {
  const cli = entry === 'dist' ? [join(ROOT, 'dist/server/cli.js')] : ['--import', 'tsx', join(ROOT, 'server/cli.ts')];
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), ...cli, '--port', '0', '--user-auth', 'none', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CRVIDEO_LOG_LEVEL: 'warn' },
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // The banner ends with an empty line after the URL and credentials.
      const m = /server: (https?:\/\/\S+)[\s\S]*?\n\n/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  // Its later output is read and dropped: kept, a chatty server would grow this process (and scanning
  // it slow the reads, so the server's synchronous log writes would wait on a full pipe).
  child.stdout.removeAllListeners('data');
  const { onOutput } = opts;
  if (onOutput) child.stdout.on('data', (d: Buffer) => onOutput(d.toString()));
  child.stdout.resume();
  return { child, url, banner: out };
}
