import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES } from '../protocol/index.js';
import { md5Hex } from '../sdk/index.js';
import { closeClients, login, next, startTestServer, TEST_APP, type TestServer } from './testing/fixtures.js';

interface Reply {
  t: string;
  id: number | null;
  err: number;
  msg?: string;
}

/** A raw socket that records every frame the server sends. */
async function raw(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const replies: Reply[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    replies.push(JSON.parse(d.toString()) as Reply);
    waiters.shift()?.();
  });
  const reply = async (send: () => void): Promise<Reply> => {
    const n = replies.length;
    const got = new Promise<void>((r) => waiters.push(r));
    send();
    await got;
    return replies[n] as Reply;
  };
  return { ws, reply };
}

describe('malformed frames', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('every kind of bad frame gets an error reply and the line and server stay up', async () => {
    const { ws, reply } = await raw(server.url);
    const cases: Array<[string, string | Buffer, number, number | null]> = [
      ['not JSON', '{oops', 5, null],
      ['JSON but not an object', '42', 5, null],
      ['no id', JSON.stringify({ type: 'ping' }), 5, null],
      ['unknown type', JSON.stringify({ id: 1, type: 'launchRockets', payload: {} }), 5, 1],
      ['wrong fields', JSON.stringify({ id: 2, type: 'login', payload: { appID: 42 } }), 5, 2],
      ['prototype pollution type', JSON.stringify({ id: 3, type: '__proto__', payload: {} }), 5, 3],
      ['too large', JSON.stringify({ id: 4, type: 'ping', payload: { pad: 'x'.repeat(MAX_FRAME_BYTES) } }), 5, null],
      ['binary', Buffer.from([1, 2, 3]), 5, null],
      ['not logged in', JSON.stringify({ id: 5, type: 'createMeeting', payload: { subject: 'x' } }), 12, 5],
      [
        'huge usrExtDat',
        JSON.stringify({
          id: 6,
          type: 'call',
          payload: { callID: 'c', calledUID: 'b', meetID: 1, usrExtDat: 'x'.repeat(9000) },
        }),
        5,
        6,
      ],
      ['negative meetID', JSON.stringify({ id: 7, type: 'enterMeeting', payload: { meetID: -1 } }), 5, 7],
    ];
    for (const [what, frame, code, id] of cases) {
      const r = await reply(() => ws.send(frame, { binary: Buffer.isBuffer(frame) }));
      assert.equal(r.err, code, what);
      assert.equal(r.id, id, what);
      assert.ok(r.msg, `${what} says why`);
    }
    const ok = await reply(() =>
      ws.send(
        JSON.stringify({
          id: 8,
          type: 'login',
          payload: {
            appID: TEST_APP.appID,
            md5AppSecret: md5Hex(TEST_APP.appSecret),
            nickname: 'r',
            UID: 'rawuser',
            userAuthCode: '',
          },
        }),
      ),
    );
    assert.equal(ok.err, 0, 'the same socket still logs in');
    const again = await reply(() =>
      ws.send(JSON.stringify({ id: 9, type: 'call', payload: { callID: 'c', meetID: 'x' } })),
    );
    assert.equal(again.err, 5);
    ws.close();
  });

  test('after a stream of garbage from many sockets the server still serves a normal call', async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => raw(server.url)));
    for (let i = 0; i < 50; i++) {
      for (const { ws } of sockets) {
        ws.send(i % 2 ? '\u0000\u0001garbage' : JSON.stringify({ id: i, type: 'call', payload: { callID: {} } }));
      }
    }
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const created = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting('after garbage');
    const [meet] = await created;
    const ring = next(b, 'CRVideo_NotifyCallIn');
    const callID = a.CRVideo_Call('bob', meet);
    await ring;
    const acc = next(a, 'CRVideo_NotifyCallAccepted');
    b.CRVideo_AcceptCall(callID, meet);
    assert.equal((await acc)[0], callID);
    for (const { ws } of sockets) ws.close();
  });
});
