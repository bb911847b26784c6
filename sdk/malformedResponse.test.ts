// Responses are checked against protocol/ in the SDK, as requests are on the server: a server (or
// anything posing as one) that answers with data of the wrong shape gets its request failed with sdkErr 5
// and a log line, never a half-filled object handed to the app. The server here is a raw `ws` server
// that speaks the frame format and answers what each test scripts.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { SdkErr } from '../protocol/index.js';
import { createCRVideo } from './index.js';

type Answers = Record<string, unknown>;

/** A WebSocket server answering each request type with `answers[type]` (`{}` when not scripted). */
async function scriptedServer(answers: Answers): Promise<{ wss: WebSocketServer; addr: string; seen: string[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const seen: string[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const req = JSON.parse(String(raw)) as { id: number; type: string };
      seen.push(req.type);
      const data = Object.hasOwn(answers, req.type) ? answers[req.type] : {};
      ws.send(JSON.stringify({ t: 'rsp', id: req.id, err: 0, data }));
    });
  });
  return { wss, addr: `127.0.0.1:${(wss.address() as AddressInfo).port}`, seen };
}

const GOOD_LOGIN = { UID: 'alice', sessionToken: 't'.repeat(32), graceMs: 20_000, tokenExp: null };

function client() {
  const lines: string[] = [];
  const c = createCRVideo({ serverAddr: '', requestTimeoutMs: 2000, log: (msg: string) => lines.push(msg) });
  return { c, lines };
}

/** Logs in at `addr`; resolves with 0 on LoginSuccess, else the LoginFail code. */
function login(c: ReturnType<typeof createCRVideo>, addr: string): Promise<number> {
  c.CRVideo_SetServerAddr(addr);
  return new Promise((resolve) => {
    c.CRVideo_LoginSuccess.callback = () => resolve(0);
    c.CRVideo_LoginFail.callback = (sdkErr: number) => resolve(sdkErr);
    c.CRVideo_Login('app', 'a'.repeat(32), 'alice', 'alice', '', null);
  });
}

describe('a malformed response is rejected by the SDK with sdkErr 5', () => {
  const servers: WebSocketServer[] = [];
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  test('a well-formed login answer from the scripted server signs in (the script speaks the protocol)', async () => {
    const { wss, addr } = await scriptedServer({ login: GOOD_LOGIN });
    servers.push(wss);
    const { c } = client();
    assert.equal(await login(c, addr), 0);
    c.CRVideo_Logout();
  });

  test('a login answer with the wrong types: LoginFail(5), a log line names the response, not signed in', async () => {
    const { wss, addr } = await scriptedServer({ login: { UID: 42, graceMs: 'soon' } });
    servers.push(wss);
    const { c, lines } = client();
    assert.equal(await login(c, addr), SdkErr.MEETPARAM_ERR);
    assert.ok(
      lines.some((l) => l.includes('malformed login response')),
      `a log line about the malformed response, got: ${lines.join(' | ')}`,
    );
    // Not signed in: a request that needs a session is refused locally with 12.
    const code = await new Promise<number>((resolve) => {
      c.CRVideo_CreateMeetingFail.callback = (sdkErr: number) => resolve(sdkErr);
      c.CRVideo_CreateMeetingSuccess.callback = () => resolve(0);
      c.CRVideo_CreateMeeting('x');
    });
    assert.equal(code, SdkErr.NOT_LOGIN);
  });

  test('a createMeeting answer whose meetObj is broken: CreateMeetingFail(5), the app never sees the object', async () => {
    const { wss, addr, seen } = await scriptedServer({
      login: GOOD_LOGIN,
      createMeeting: { meetObj: { ID: 'not-a-number', subject: 'x' } },
    });
    servers.push(wss);
    const { c, lines } = client();
    assert.equal(await login(c, addr), 0);
    const outcome = await new Promise<{ ok: boolean; value: unknown }>((resolve) => {
      c.CRVideo_CreateMeetingSuccess.callback = (meetObj: unknown) => resolve({ ok: true, value: meetObj });
      c.CRVideo_CreateMeetingFail.callback = (sdkErr: number) => resolve({ ok: false, value: sdkErr });
      c.CRVideo_CreateMeeting('standup');
    });
    assert.deepEqual(outcome, { ok: false, value: SdkErr.MEETPARAM_ERR });
    assert.ok(seen.includes('createMeeting'), 'the request reached the server');
    assert.ok(lines.some((l) => l.includes('malformed createMeeting response')));
    c.CRVideo_Logout();
  });
});
