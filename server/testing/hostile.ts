// Helpers for the hostile-client tests: raw HTTP requests (bytes exactly as an attacker sends them),
// raw WebSockets speaking the wire protocol without the SDK, and a legitimate call cycle through the SDK.
import { connect } from 'node:net';
import WebSocket from 'ws';
import { SdkErr } from '../../protocol/index.js';
import { md5Hex } from '../../sdk/index.js';
import { callAndAccept, login, TEST_APP } from './fixtures.js';

/** Sends `request` verbatim over TCP; resolves with the HTTP status of the answer (0: closed without one). */
export async function rawHttp(port: number, request: string | Buffer, timeoutMs = 5000): Promise<number> {
  return (await rawHttpFull(port, request, timeoutMs)).status;
}

/** Like rawHttp, also with the whole answer (the request should say `Connection: close`). */
export function rawHttpFull(
  port: number,
  request: string | Buffer,
  timeoutMs = 5000,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no HTTP answer in ${timeoutMs} ms to ${JSON.stringify(String(request).slice(0, 80))}`));
    }, timeoutMs);
    sock.on('data', (d) => {
      got += d.toString('latin1');
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0), text: got });
    });
    sock.write(request);
  });
}

export interface Reply {
  t: 'rsp' | 'ntf';
  id?: number | null;
  err?: number;
  msg?: string;
  data?: unknown;
  name?: string;
}

export interface RawClient {
  ws: WebSocket;
  frames: Reply[];
  /** Sends a frame and resolves with the response carrying its id. */
  request(id: number, type: string, payload?: unknown): Promise<Reply>;
  /** Sends text as is; resolves with the next response (any id). */
  sendRaw(text: string): Promise<Reply>;
  closed: Promise<number>;
}

export interface RawOptions {
  headers?: Record<string, string>;
  localAddress?: string;
}

/** Opens a raw signaling WebSocket; rejects with the HTTP status when the upgrade is refused. */
export function rawClient(url: string, o: RawOptions = {}): Promise<RawClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: o.headers, localAddress: o.localAddress });
  const frames: Reply[] = [];
  const waiters: { match: (r: Reply) => boolean; resolve: (r: Reply) => void }[] = [];
  ws.on('message', (d) => {
    const r = JSON.parse(d.toString()) as Reply;
    frames.push(r);
    const i = waiters.findIndex((w) => w.match(r));
    if (i !== -1) waiters.splice(i, 1)[0]?.resolve(r);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const wait = (match: (r: Reply) => boolean) =>
    new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response in 5 s')), 5000);
      waiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  const client: RawClient = {
    ws,
    frames,
    closed,
    request(id, type, payload = {}) {
      const got = wait((r) => r.t === 'rsp' && r.id === id);
      ws.send(JSON.stringify({ id, type, payload }));
      return got;
    },
    sendRaw(text) {
      const got = wait((r) => r.t === 'rsp');
      ws.send(text);
      return got;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

/** A raw client logged in as `UID` with the test app. */
export async function rawLogin(url: string, UID: string, o: RawOptions = {}): Promise<RawClient> {
  const c = await rawClient(url, o);
  const r = await c.request(1, 'login', {
    appID: TEST_APP.appID,
    md5AppSecret: md5Hex(TEST_APP.appSecret),
    UID,
    nickname: UID,
    userAuthCode: '',
  });
  if (r.err !== SdkErr.NOERR) throw new Error(`raw login of ${UID} failed: ${r.err} ${r.msg}`);
  return c;
}

let legitN = 0;

/**
 * What a user would notice: two fresh users log in through the SDK, one calls, the other accepts.
 * Resolves with the time it took; throws if any step fails.
 */
export async function legitimateCall(server: { url: string }): Promise<number> {
  const t0 = performance.now();
  const n = ++legitN;
  const alice = await login(server, `legit-a${n}`);
  const bob = await login(server, `legit-b${n}`);
  await callAndAccept(alice, bob, `legit-b${n}`);
  alice.CRVideo_Logout();
  bob.CRVideo_Logout();
  return performance.now() - t0;
}
