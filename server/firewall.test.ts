// README "Deploying", steps 1 and 5 against the real CLI (`npm run server` as an admin runs it): the dev
// user `npm start` asks for (--dev-user) is printed once and signs in with its password; and the
// firewall list is complete: every socket the server and its mediasoup workers listen on is the
// http(s) port or a media port in --rtc-port … --rtc-port + 999, one UDP and one TCP per worker.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCRVideo, md5Hex, SdkErr } from '../sdk/index.js';
import { closeClients, next } from './testing/fixtures.js';
import { type ServerProcess, spawnServer } from './testing/serverProcess.js';

const hasWorker = existsSync(
  join(import.meta.dirname, '../node_modules/mediasoup/worker/out/Release/mediasoup-worker'),
);

interface Listening {
  proto: 'tcp' | 'udp';
  ip: string;
  port: number;
}

/** The process and all its descendants (the mediasoup workers are children of the server). */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // Field 4 of /proc/PID/stat, after the parenthesised command name.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, ppid] of parent) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree;
}

/** Listening TCP and bound UDP sockets of these processes (Linux /proc). */
function listeningSockets(pids: number[]): Listening[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  const out: Listening[] = [];
  for (const [file, proto] of [
    ['tcp', 'tcp'],
    ['tcp6', 'tcp'],
    ['udp', 'udp'],
    ['udp6', 'udp'],
  ] as const) {
    const lines = readFileSync(`/proc/net/${file}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const [local = '', , state = '', , , , , , inode = ''] = f.slice(1);
      if (!inodes.has(inode)) continue;
      // TCP: LISTEN (0A) only; UDP: every bound socket (07 = unconnected).
      if (proto === 'tcp' && state !== '0A') continue;
      const [hexIp = '', hexPort = ''] = local.split(':');
      const ip =
        hexIp.length === 8
          ? (hexIp.match(/../g) ?? [])
              .reverse()
              .map((b) => Number.parseInt(b, 16))
              .join('.')
          : `v6:${hexIp}`;
      out.push({ proto, ip, port: Number.parseInt(hexPort, 16) });
    }
  }
  return out;
}

/** A first media port whose 1000-port range is likely free (other test servers use 40000–45999). */
async function freeRange(): Promise<number> {
  for (;;) {
    const base = 46000 + Math.floor(Math.random() * 18) * 1000;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(base, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return base;
  }
}

describe('Deploying: the firewall list and the dev user, on the real CLI', {
  skip: hasWorker ? false : 'the mediasoup worker is not built yet (node scripts/setup.mjs)',
}, () => {
  let dir: string;
  let proc: ServerProcess;
  let rtcPort: number;
  const WORKERS = 2;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crvideo-firewall-'));
    rtcPort = await freeRange();
    proc = await spawnServer([
      '--user-auth',
      'accounts',
      '--dev-user',
      '--data',
      join(dir, 'data'),
      '--host',
      '127.0.0.1',
      '--media-listen-ip',
      '127.0.0.1',
      '--announced-address',
      '127.0.0.1',
      '--rtc-port',
      String(rtcPort),
      '--workers',
      String(WORKERS),
    ]);
  });

  after(async () => {
    closeClients();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await new Promise((r) => proc.child.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('only the web port and one UDP + one TCP media port per worker in the --rtc-port range listen', async () => {
    const httpPort = Number(new URL(proc.url).port);
    const pid = proc.child.pid;
    assert.ok(pid);
    // The workers start before the URL is printed; give their sockets a moment to show.
    let sockets: Listening[] = [];
    for (let i = 0; i < 50; i++) {
      sockets = listeningSockets(processTree(pid));
      if (sockets.filter((s) => s.port !== httpPort).length >= 2 * WORKERS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const web = sockets.filter((s) => s.proto === 'tcp' && s.port === httpPort);
    const media = sockets.filter((s) => !(s.proto === 'tcp' && s.port === httpPort));
    assert.deepEqual(web, [{ proto: 'tcp', ip: '127.0.0.1', port: httpPort }], 'the web port, on --host');
    assert.equal(media.filter((s) => s.proto === 'udp').length, WORKERS, 'one UDP port per worker');
    assert.equal(media.filter((s) => s.proto === 'tcp').length, WORKERS, 'one TCP port per worker');
    for (const s of media) {
      assert.equal(s.ip, '127.0.0.1', 'media listens on --media-listen-ip');
      assert.ok(s.port >= rtcPort && s.port <= rtcPort + 999, `${s.proto} ${s.port} outside the README's range`);
    }
  });

  test('the dev user is printed once with a password that signs in; the app secret alone is not enough', async () => {
    const appID = /app ID:\s+(\S+)/.exec(proc.banner)?.[1];
    const secret = /secret:\s+(\S+)/.exec(proc.banner)?.[1];
    const password = /password:\s+(\S+)/.exec(proc.banner)?.[1];
    assert.ok(appID && secret && password, proc.banner);
    assert.match(proc.banner, /dev user: dev\n/);
    const login = async (code: string) => {
      const c = createCRVideo({ serverAddr: proc.url, log: () => undefined });
      const ok = next(c, 'CRVideo_LoginSuccess').then(() => 0);
      const fail = next(c, 'CRVideo_LoginFail').then(([e]) => e);
      c.CRVideo_Login(appID, md5Hex(secret), 'Dev', 'dev', code);
      const err = await Promise.race([ok, fail]);
      c.CRVideo_Logout();
      return err;
    };
    assert.equal(await login(password), 0);
    assert.equal(await login(''), SdkErr.CUSTOMAUTH_NOINFO);
  });
});
