// The SDK against servers that misbehave at the socket level. The Electron main process runs this SDK:
// no socket error may escape as an uncaught exception; the app hears LoginFail with a network code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SdkErr } from '../protocol/index.js';
import { createCRVideo } from './index.js';

/** A raw TCP server whose behaviour per connection is `onSocket`. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: Server; addr: string }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, addr: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Logs in against `addr` and resolves with the LoginFail code (or 0 on success). */
function loginCode(addr: string, requestTimeoutMs = 600): Promise<number> {
  const c = createCRVideo({ serverAddr: addr, requestTimeoutMs, log: () => undefined });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no LoginSuccess / LoginFail')), 10_000);
    c.CRVideo_LoginFail.callback = (sdkErr: number) => {
      clearTimeout(timer);
      resolve(sdkErr);
    };
    c.CRVideo_LoginSuccess.callback = () => {
      clearTimeout(timer);
      resolve(0);
    };
    c.CRVideo_Login('app', 'a'.repeat(32), 'nick', 'uid', '', null);
  });
}

const NETWORK_CODES = new Set<number>([
  SdkErr.SOCKETEXCEPTION,
  SdkErr.SOCKETTIMEOUT,
  SdkErr.CONNECTIONLOST,
  SdkErr.NOSERVER_RSP,
]);

describe('the SDK against a hostile or broken server', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const servers: Server[] = [];
  before(() => {
    process.on('uncaughtException', onUncaught);
  });
  after(() => {
    process.off('uncaughtException', onUncaught);
    for (const s of servers) s.close();
  });

  const cases: [string, (s: Socket) => void, number][] = [
    ['accepts TCP and never answers the handshake', () => undefined, SdkErr.SOCKETTIMEOUT],
    ['closes the connection at once', (s) => s.destroy(), SdkErr.SOCKETEXCEPTION],
    [
      'answers the upgrade with plain HTTP 200',
      (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'),
      SdkErr.SOCKETEXCEPTION,
    ],
    [
      'answers with garbage bytes',
      (s) => s.end(Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a])),
      SdkErr.SOCKETEXCEPTION,
    ],
    [
      'completes a fake handshake with a wrong accept key, then sends junk',
      (s) =>
        s.once('data', () =>
          s.write(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              `Sec-WebSocket-Accept: ${createHash('sha1').update('wrong').digest('base64')}\r\n\r\n\u00ff\u00ff`,
          ),
        ),
      SdkErr.SOCKETEXCEPTION,
    ],
  ];

  for (const [what, behaviour, expected] of cases) {
    test(`a server that ${what}: LoginFail(${expected}), nothing uncaught, the process carries on`, async () => {
      const { server, addr } = await tcpServer(behaviour);
      servers.push(server);
      const code = await loginCode(addr);
      assert.ok(NETWORK_CODES.has(code), `LoginFail with a network code, got ${code}`);
      assert.equal(code, expected);
      // Let any late socket events (the cut handshake's 'error') fire before looking.
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(uncaught.map(String), []);
    });
  }

  test('no server at all: LoginFail(204)', async () => {
    const { server, addr } = await tcpServer(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
    assert.equal(await loginCode(addr), SdkErr.SOCKETEXCEPTION);
    assert.deepEqual(uncaught.map(String), []);
  });
});
