// The attackers of `npm run bench:hostile`, run in their own process (forked by scripts/bench-hostile.ts),
// so attack traffic never shares an event loop with the measured legitimate client. One process per
// attack family: the parent sends { cmd: 'start', family, url }, hears 'started', later sends
// { cmd: 'stop' } and hears { ev: 'stopped', codes } (the response codes the attackers received), then
// this process exits. It also exits when the parent goes away (IPC channel closed). The parent marks
// the process with CRVIDEO_ATTACKER=1, so importing this module (for the family names) starts nothing.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { MeetObj } from '../protocol/index.js';
import { md5Hex } from '../sdk/index.js';

const APP = { appID: 'bench', appSecret: 'bench-secret' };
const MD5 = md5Hex(APP.appSecret);
const WRONG = md5Hex('guess');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Response codes the attackers got in the current phase; `close NNNN`: sockets the server closed, by close code. */
const codes = new Map<number | string, number>();
const count = (code: number | string) => codes.set(code, (codes.get(code) ?? 0) + 1);

class Raw {
  readonly ws: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, (err: number) => void>();
  inFlight = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t: string; id?: number; err?: number };
      if (f.t !== 'rsp' || typeof f.id !== 'number') return;
      this.inFlight--;
      count(f.err ?? -1);
      const done = this.#pending.get(f.id);
      this.#pending.delete(f.id);
      done?.(f.err ?? -1);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (!this.#closing) count(`close ${code}`);
    });
  }

  #closing = false;

  static open(url: string, localAddress: string): Promise<Raw> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Raw(ws)));
      ws.once('error', reject);
    });
  }

  /** Fire and forget (pipelined). */
  send(type: string, payload: unknown = {}): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.inFlight++;
    this.ws.send(JSON.stringify({ id: ++this.#id, type, payload }));
  }

  request(type: string, payload: unknown = {}): Promise<number> {
    return new Promise((resolve) => {
      this.#pending.set(this.#id + 1, resolve);
      this.send(type, payload);
    });
  }

  async login(UID: string): Promise<Raw> {
    const err = await this.request('login', {
      appID: APP.appID,
      md5AppSecret: MD5,
      UID,
      nickname: UID,
      userAuthCode: '',
    });
    if (err !== 0) throw new Error(`attacker login ${UID}: ${err}`);
    return this;
  }

  /** Stops reading: the kernel buffers fill and the server's answers pile up on its side. */
  stopReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  close(): void {
    this.#closing = true;
    this.ws.terminate();
  }
}

export interface Attack {
  name: string;
  /** Starts the attack; resolves with a function that stops it and frees its sockets. */
  start(url: string): Promise<() => Promise<void>>;
}

/** Keeps `depth` requests in flight on each socket until stopped. */
function pump(socks: Raw[], depth: number, next: (r: Raw, i: number) => [string, unknown]): () => void {
  let running = true;
  let i = 0;
  const timer = setInterval(() => {
    if (!running) return;
    for (const r of socks) {
      // A socket the server closed (login deadline 4001, send buffer 4008) stops attacking.
      while (r.ws.readyState === WebSocket.OPEN && r.inFlight < depth) {
        const [type, payload] = next(r, i++);
        r.send(type, payload);
      }
    }
  }, 2);
  return () => {
    running = false;
    clearInterval(timer);
  };
}

let attackerSeq = 0;
async function attackers(url: string, n: number, address: string, prefix: string, login = true): Promise<Raw[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const r = await Raw.open(url, address);
      return login ? r.login(`${prefix}-${++attackerSeq}`) : r;
    }),
  );
}

const closeAll = async (socks: Raw[]) => {
  for (const s of socks) s.close();
  await sleep(200);
};

const ATTACKS: Attack[] = [
  {
    name: 'non-reading clients',
    async start(url) {
      // 20 logged-in clients that never read, each sending 20 getUserStatus per 10 ms tick.
      const socks = await attackers(url, 20, '127.0.0.2', 'sink');
      for (const s of socks) s.stopReading();
      const timer = setInterval(() => {
        for (const s of socks) for (let k = 0; k < 20; k++) s.send('getUserStatus', {});
      }, 10);
      return async () => {
        clearInterval(timer);
        await closeAll(socks);
      };
    },
  },
  {
    name: 'pipelined expensive requests',
    async start(url) {
      // 10 readers keeping 200 history and user-list pages in flight each.
      const socks = await attackers(url, 10, '127.0.0.3', 'pipe');
      const stop = pump(socks, 200, (_r, i) =>
        i % 2 === 0 ? ['getCallRecords', { limit: 200 }] : ['getUserStatus', { page: 1, limit: 1000 }],
      );
      return async () => {
        stop();
        await closeAll(socks);
      };
    },
  },
  {
    name: 'login brute force',
    async start(url) {
      // 40 sockets over 4 addresses guessing the app secret for a few UIDs, 20 guesses in flight each.
      const socks = (await Promise.all([4, 5, 6, 7].map((a) => attackers(url, 10, `127.0.0.${a}`, 'x', false)))).flat();
      const stop = pump(socks, 20, (_r, i) => [
        'login',
        { appID: APP.appID, md5AppSecret: WRONG, UID: `target-${i % 5}`, nickname: 'x', userAuthCode: '' },
      ]);
      return async () => {
        stop();
        await closeAll(socks);
      };
    },
  },
  {
    name: 'presence storm',
    async start(url) {
      // 300 subscribers; 30 users flipping DND with 50 changes in flight each.
      const subs = await attackers(url, 300, '127.0.0.8', 'watch');
      for (const s of subs) s.send('startUserStatusNotify');
      const flippers = await attackers(url, 30, '127.0.0.9', 'flip');
      const stop = pump(flippers, 50, (_r, i) => ['setDND', { DNDStatus: i % 2 }]);
      return async () => {
        stop();
        await closeAll([...subs, ...flippers]);
      };
    },
  },
  {
    name: 'call flood',
    async start(url) {
      // 20 callers: calls to UIDs that do not exist, to an offline user, and ringing many at once.
      const base = attackerSeq;
      const victims = await attackers(url, 30, '127.0.0.10', 'rung');
      const offline = await attackers(url, 1, '127.0.0.10', 'gone');
      const offlineUID = `gone-${attackerSeq}`;
      offline[0]?.close();
      const callers = await attackers(url, 20, '127.0.0.11', 'flood');
      const rooms = await Promise.all(
        callers.map(
          (c) =>
            new Promise<number>((resolve) => {
              const onMsg = (d: WebSocket.RawData) => {
                const f = JSON.parse(d.toString()) as { data?: { meetObj?: MeetObj } };
                if (f.data?.meetObj) {
                  c.ws.off('message', onMsg);
                  resolve(f.data.meetObj.ID);
                }
              };
              c.ws.on('message', onMsg);
              c.send('createMeeting', { subject: 'flood' });
            }),
        ),
      );
      const stop = pump(callers, 50, (r, i) => {
        const meetID = rooms[callers.indexOf(r)] ?? 1;
        const kind = i % 3;
        const calledUID = kind === 0 ? `nobody-${i}` : kind === 1 ? offlineUID : `rung-${base + 1 + (i % 30)}`;
        return ['call', { callID: `f${i}`, calledUID, meetID, usrExtDat: 'x'.repeat(1024) }];
      });
      return async () => {
        stop();
        await closeAll([...callers, ...victims]);
      };
    },
  },
  {
    name: 'socket flood',
    async start(url) {
      // 1,500 sockets that never log in, from one address, opened as fast as they go.
      const socks: WebSocket[] = [];
      let refused = 0;
      await Promise.all(
        Array.from({ length: 1500 }, async () => {
          const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress: '127.0.0.12' });
          ws.on('error', () => undefined);
          socks.push(ws);
          await new Promise<void>((resolve) => {
            ws.once('open', () => resolve());
            ws.once('close', () => {
              refused++;
              resolve();
            });
            ws.once('error', () => resolve());
          });
        }),
      );
      codes.set(-2, refused);
      return async () => {
        for (const ws of socks) ws.terminate();
        await sleep(300);
      };
    },
  },
];

/** Parent → attacker process. */
export type AttackerCommand = { cmd: 'start'; family: string; url: string } | { cmd: 'stop' };
/** Attacker process → parent. */
export type AttackerEvent =
  | { ev: 'started' }
  | { ev: 'stopped'; codes: Record<string, number> }
  | { ev: 'failed'; error: string };

if (process.send && process.env.CRVIDEO_ATTACKER === '1') {
  let stop: (() => Promise<void>) | null = null;
  const tell = (e: AttackerEvent) => process.send?.(e);
  process.on('message', (m: AttackerCommand) => {
    void (async () => {
      try {
        if (m.cmd === 'start') {
          const attack = ATTACKS.find((a) => a.name === m.family);
          if (!attack) throw new Error(`no attack family ${m.family}`);
          stop = await attack.start(m.url);
          tell({ ev: 'started' });
        } else {
          await stop?.();
          tell({ ev: 'stopped', codes: Object.fromEntries([...codes].map(([c, n]) => [String(c), n])) });
          process.disconnect();
          setTimeout(() => process.exit(0), 100).unref();
        }
      } catch (err) {
        tell({ ev: 'failed', error: String((err as Error)?.stack ?? err) });
        setTimeout(() => process.exit(1), 100).unref();
      }
    })();
  });
  process.on('disconnect', () => setTimeout(() => process.exit(0), 500).unref());
}

/** The attack families, in the order the benchmark runs them. */
export const FAMILIES: readonly string[] = ATTACKS.map((a) => a.name);
