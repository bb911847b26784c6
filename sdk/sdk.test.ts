import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { closeClients, login, newClient, next, startTestServer, type TestServer } from '../server/testing/fixtures.js';
import { CALLBACK_NAMES, createCRVideo, md5Hex, signalingUrl } from './index.js';

describe('SDK core', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    closeClients();
    await server.dispose();
  });

  test('md5Hex matches MD5 for ASCII, UTF-8 and block-boundary lengths', () => {
    for (const s of ['', 'a', 'secret', '密钥🙂', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000)]) {
      assert.equal(md5Hex(s), createHash('md5').update(s, 'utf8').digest('hex'), JSON.stringify(s.slice(0, 10)));
    }
  });

  test('server addresses as CloudRoom writes them, or as URLs', () => {
    assert.equal(signalingUrl('example.com:8080'), 'ws://example.com:8080/ws');
    assert.equal(signalingUrl('http://10.0.0.2:80'), 'ws://10.0.0.2/ws');
    assert.equal(signalingUrl('https://phone.example.com'), 'wss://phone.example.com/ws');
    assert.equal(signalingUrl('wss://phone.example.com:9443/x'), 'wss://phone.example.com:9443/ws');
    assert.throws(() => signalingUrl(''), { code: 5 });
    assert.throws(() => signalingUrl('ftp://x'), { code: 5 });
  });

  test('every function and callback holder of the API is a property', () => {
    const c = createCRVideo({ serverAddr: server.url });
    for (const name of CALLBACK_NAMES) assert.deepEqual(c[name], { callback: null }, name);
    for (const fn of [
      'CRVideo_Login',
      'CRVideo_Call',
      'CRVideo_AcceptCall',
      'CRVideo_HungupCall',
      'CRVideo_HangupCall',
    ]) {
      assert.equal(typeof (c as unknown as Record<string, unknown>)[fn], 'function', fn);
    }
  });

  test("a throwing app callback never breaks the SDK; the seed's `.call` spelling works", async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const got: string[] = [];
    a.CRVideo_CreateMeetingSuccess.callback = () => {
      throw new Error('app bug');
    };
    const created = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting('x');
    const [meet] = await created;
    (b.CRVideo_NotifyCallIn as { call?: unknown }).call = (callID: string) => got.push(callID);
    const ring = next(b, 'CRVideo_NotifyCallIn');
    const callID = a.CRVideo_Call('bob', meet);
    await ring;
    assert.deepEqual(got, [callID]);
    const again = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting('still works');
    assert.equal((await again)[0].subject, 'still works');
  });

  test('a request with no answer fails with 202 through its Fail callback', async () => {
    // A server that accepts the login and then never answers again.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as { id: number; type: string };
        if (f.type === 'login') {
          ws.send(
            JSON.stringify({
              t: 'rsp',
              id: f.id,
              err: 0,
              data: { UID: 'u', sessionToken: 'x'.repeat(32), graceMs: 1000, tokenExp: null },
            }),
          );
        }
      });
    });
    try {
      const port = (wss.address() as AddressInfo).port;
      const c = newClient({ url: `127.0.0.1:${port}` }, { requestTimeoutMs: 300 });
      const ok = next(c, 'CRVideo_LoginSuccess');
      c.CRVideo_Login('a', md5Hex('s'), 'n', 'u');
      await ok;
      const fail = next(c, 'CRVideo_CreateMeetingFail');
      c.CRVideo_CreateMeeting('x', 'cookie');
      assert.deepEqual(await fail, [202, 'cookie']);
      const callFail = next(c, 'CRVideo_CallFail');
      const id = c.CRVideo_Call('v', { ID: 5 }, '', 'cc');
      assert.deepEqual(await callFail, [id, 202, 'cc']);
      c.CRVideo_Logout();
    } finally {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    }
  });

  test('SetServerAddr: without an address login fails with 5; with one it works', async () => {
    const c = createCRVideo({ log: () => undefined });
    const f = next(c, 'CRVideo_LoginFail');
    c.CRVideo_Login('test-app', md5Hex('test-secret-123'), 'n', 'addr-user', '', 'k');
    assert.deepEqual(await f, [5, 'k']);
    c.CRVideo_SetServerAddr(server.url.replace('http://', ''));
    const ok = next(c, 'CRVideo_LoginSuccess');
    c.CRVideo_Login('test-app', md5Hex('test-secret-123'), 'n', 'addr-user', '', 'k2');
    assert.deepEqual(await ok, ['addr-user', 'k2']);
    c.CRVideo_Logout();
  });

  test('several independent clients live in one process; Init / Uninit', async () => {
    const clients = await Promise.all(['u1', 'u2', 'u3'].map((u) => login(server, u)));
    const a = clients[0]!;
    a.CRVideo_Uninit();
    const f = next(a, 'CRVideo_LoginFail');
    a.CRVideo_Login('x', md5Hex('y'), 'n', 'u1');
    assert.equal((await f)[0], 11, 'after Uninit the SDK is not initialised');
    assert.equal(await a.CRVideo_Init({ serverAddr: server.url }), 0, 'Init resolves 0');
    const st = next(clients[1]!, 'CRVideo_GetUserStatusSuccess');
    clients[1]!.CRVideo_GetOneUserStatus('u3');
    assert.equal((await st)[0][0]?.userStatus, 1, 'the other clients are untouched');
  });
});
