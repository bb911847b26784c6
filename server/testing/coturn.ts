// Debian's coturn, started by a test on loopback with a temporary config (TURN REST credentials:
// use-auth-secret), UDP only, relaying to loopback peers (the media server listens on 127.0.0.1).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Coturn {
  url: string;
  /** `turns:` (TURN over TLS on TCP) when started with `tls`, else null. */
  tlsUrl: string | null;
  secret: string;
  /** What turnserver printed (allocations show up here). */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startCoturn(
  secret = 'turn-test-secret',
  opts: { tls?: { certFile: string; keyFile: string } } = {},
): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-coturn-'));
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : 0;
  // TURN over TLS (turns:), what clients behind a TLS-only proxy on 443 use; the README's step 4.
  const tlsLines = opts.tls
    ? [`tls-listening-port=${tlsPort}`, `cert=${opts.tls.certFile}`, `pkey=${opts.tls.keyFile}`]
    : ['no-tls'];
  const relayMin = 49152 + Math.floor(Math.random() * 10000);
  writeFileSync(
    join(dir, 'turnserver.conf'),
    [
      `listening-ip=127.0.0.1`,
      `relay-ip=127.0.0.1`,
      `listening-port=${port}`,
      `min-port=${relayMin}`,
      `max-port=${relayMin + 200}`,
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      'realm=crvideo.test',
      `userdb=${join(dir, 'turndb')}`,
      'fingerprint',
      ...tlsLines,
      'no-dtls',
      'no-tcp-relay',
      'no-cli',
      'no-multicast-peers',
      'allow-loopback-peers',
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'simple-log',
      'log-file=stdout',
      'verbose',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('turnserver', ['-c', join(dir, 'turnserver.conf'), '--no-stdout-log=false'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnserver did not start:\n${out}`)), 10_000);
    const check = setInterval(() => {
      if (/Total (General|UDP) servers|IPv4. UDP listener opened/i.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`turnserver exited (${code}):\n${out}`));
    });
  });
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    tlsUrl: opts.tls ? `turns:localhost:${tlsPort}?transport=tcp` : null,
    secret,
    log: () => out,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
