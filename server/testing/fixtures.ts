// Test fixtures shared by the integration tests: a real server on port 0 with a temporary data
// dir, real SDK clients over real WebSockets, and a way to await the next callback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeetObj } from '../../protocol/index.js';
import type { CallbackName, CRVideoCallbacks, SDKParams } from '../../sdk/api.js';
import { type CRVideoClient, createCRVideo, md5Hex } from '../../sdk/index.js';
import { type RunningServer, type ServerOptions, startServer } from '../index.js';

export const TEST_APP = { appID: 'test-app', appSecret: 'test-secret-123' };

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Closes the server and removes its data dir. */
  dispose(): Promise<void>;
}

export async function startTestServer(opts: ServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'crvideo-test-'));
  const server = await startServer({
    port: 0,
    apps: [TEST_APP],
    // The existing suites test signaling, not per-user authentication (server/auth/*.test.ts do).
    userAuth: 'none',
    media: false,
    logLevel: process.env.CRVIDEO_TEST_LOG ?? 'silent',
    ...opts,
    dataDir,
  });
  return Object.assign(server, {
    dataDir,
    async dispose() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

const clients = new Set<CRVideoClient>();

/** A fresh SDK client pointed at the server (closed by `closeClients`). */
export function newClient(server: { url: string }, opts: { requestTimeoutMs?: number } = {}): CRVideoClient {
  const c = createCRVideo({ serverAddr: server.url, log: () => undefined, ...opts });
  clients.add(c);
  return c;
}

export function closeClients(): void {
  for (const c of clients) c.CRVideo_Logout();
  clients.clear();
}

/** Resolves with the arguments of the next `name` callback fired by `c` (rejects after `ms`). */
export function next<K extends CallbackName>(
  c: CRVideoClient,
  name: K,
  ms = 5000,
  where: (...args: CRVideoCallbacks[K]) => boolean = () => true,
): Promise<CRVideoCallbacks[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${name}`));
    }, ms);
    timer.unref();
    const off = c.$core.onEmit((n, args) => {
      if (n !== name || !where(...(args as CRVideoCallbacks[K]))) return;
      clearTimeout(timer);
      off();
      resolve(args as CRVideoCallbacks[K]);
    });
  });
}

/** Collects every `name` callback from now on. */
export function collect<K extends CallbackName>(c: CRVideoClient, name: K): CRVideoCallbacks[K][] {
  const seen: CRVideoCallbacks[K][] = [];
  c.$core.onEmit((n, args) => {
    if (n === name) seen.push(args as CRVideoCallbacks[K]);
  });
  return seen;
}

/** Logs a new client in as `UID` with the test app; resolves once LoginSuccess fired. */
export async function login(
  server: { url: string },
  UID: string,
  app = TEST_APP,
  opts: { requestTimeoutMs?: number; params?: SDKParams } = {},
): Promise<CRVideoClient> {
  const c = newClient(server, opts);
  if (opts.params) c.CRVideo_SetSDKParams(opts.params);
  const outcome = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`login of ${UID} timed out`)), 5000);
    const off = c.$core.onEmit((n, args) => {
      if (n !== 'CRVideo_LoginSuccess' && n !== 'CRVideo_LoginFail') return;
      clearTimeout(timer);
      off();
      if (n === 'CRVideo_LoginSuccess') resolve();
      else reject(new Error(`login of ${UID} failed with ${String(args[0])}`));
    });
  });
  c.CRVideo_Login(app.appID, md5Hex(app.appSecret), `${UID} nick`, UID, '', 'login-cookie');
  await outcome;
  return c;
}

/** Sleeps; used only to give a negative assertion ("nothing arrived") its window. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `CRVideo_CreateMeeting` → the new room. */
export async function createRoom(c: CRVideoClient, subject = 'Room'): Promise<MeetObj> {
  const done = next(c, 'CRVideo_CreateMeetingSuccess');
  c.CRVideo_CreateMeeting(subject, 'create');
  return (await done)[0];
}

/** `caller` calls `calleeUID` into `meet` (a fresh room of the caller's by default); resolves once the callee rings. */
export async function ring(caller: CRVideoClient, callee: CRVideoClient, calleeUID: string, meet?: MeetObj) {
  const room = meet ?? (await createRoom(caller));
  const callIn = next(callee, 'CRVideo_NotifyCallIn');
  const callID = caller.CRVideo_Call(calleeUID, room);
  await callIn;
  return { callID, meet: room };
}

/** Rings and answers: the caller has heard NotifyCallAccepted when this resolves. */
export async function callAndAccept(caller: CRVideoClient, callee: CRVideoClient, calleeUID: string, meet?: MeetObj) {
  const call = await ring(caller, callee, calleeUID, meet);
  const accepted = next(caller, 'CRVideo_NotifyCallAccepted');
  callee.CRVideo_AcceptCall(call.callID, call.meet);
  await accepted;
  return call;
}
