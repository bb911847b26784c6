// A bare WebSocket client speaking the wire protocol directly, the way an attacker would: no SDK,
// no retries, any source address on the loopback network (127.0.0.2, …) so per-address limits can
// be told apart from the legitimate users' 127.0.0.1.
import WebSocket from 'ws';
import type { ResponseFrame } from '../../protocol/index.js';

export interface RawClient {
  ws: WebSocket;
  /** Sends one request and resolves with its response frame. */
  request(type: string, payload?: unknown): Promise<ResponseFrame>;
  close(): void;
}

export async function rawClient(url: string, localAddress = '127.0.0.1'): Promise<RawClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { localAddress });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pending = new Map<number, (f: ResponseFrame) => void>();
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as ResponseFrame | { t: 'ntf' };
    if (f.t === 'rsp' && f.id !== null) pending.get(f.id)?.(f);
  });
  let id = 0;
  return {
    ws,
    request(type, payload = {}) {
      const n = ++id;
      return new Promise((resolve) => {
        pending.set(n, (f) => {
          pending.delete(n);
          resolve(f);
        });
        ws.send(JSON.stringify({ id: n, type, payload }));
      });
    },
    close: () => ws.close(),
  };
}

/** A wire `login` payload for the app-secret login (md5 already applied by the caller). */
export const loginPayload = (appID: string, md5AppSecret: string, UID: string) => ({
  appID,
  md5AppSecret,
  UID,
  nickname: UID,
  userAuthCode: '',
});
