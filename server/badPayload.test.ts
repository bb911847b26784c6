import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './testing/fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.dispose());

test('a request with a bad field is refused with a message naming the field and the problem', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const reply = new Promise<{ id: number; err: number; msg?: string }>((resolve) =>
    ws.once('message', (d) => resolve(JSON.parse(d.toString()))),
  );
  ws.send(JSON.stringify({ id: 1, type: 'enterMeeting', payload: { meetID: 'room 7' } }));
  assert.deepEqual(await reply, {
    t: 'rsp',
    id: 1,
    err: 5,
    msg: 'bad enterMeeting: meetID: Invalid input: expected number, received string',
  });
  ws.close();
});
