import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CRVideoClient } from '../sdk/index.js';
import {
  callAndAccept,
  closeClients,
  createRoom,
  login,
  next,
  startTestServer,
  TEST_APP,
  type TestServer,
} from './testing/fixtures.js';
import { spawnServer } from './testing/serverProcess.js';

async function enter(c: CRVideoClient, meetID: number): Promise<number> {
  const r = next(c, 'CRVideo_EnterMeetingRslt');
  c.CRVideo_EnterMeeting3(meetID, 'enter');
  return (await r)[0];
}

describe('rooms', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxMembers: 2 });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('a room has a numeric ID that is not sequential, the subject, no password and its creator', async () => {
    const a = await login(server, 'alice');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await createRoom(a, `Room ${i}`);
      assert.equal(m.subject, `Room ${i}`);
      assert.equal(m.creator, 'alice');
      assert.equal(m.pswd, '');
      assert.ok(Number.isInteger(m.ID) && m.ID > 0);
      assert.ok(m.pubMeetUrl.includes(String(m.ID)));
      ids.push(m.ID);
    }
    const steps = ids.slice(1).map((id, i) => id - (ids[i] as number));
    assert.ok(!steps.every((s) => s === 1), 'IDs do not count up by one');
    const two = next(a, 'CRVideo_CreateMeetingSuccess');
    a.CRVideo_CreateMeeting2('c2');
    const [m2, cookie] = await two;
    assert.equal(m2.subject, '');
    assert.equal(cookie, 'c2');
  });

  test('entry: the creator yes, a stranger and an unknown room the same 800, the callee after accepting', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const s = await login(server, 'stranger');
    const meet = await createRoom(a);
    assert.equal(await enter(s, meet.ID), 800, 'not invited looks like no room at all');
    assert.equal(await enter(s, 999_999_999), 800);
    assert.equal(await enter(b, meet.ID), 800, 'bob was not called yet');
    const seen = next(a, 'CRVideo_UserEnterMeeting');
    assert.equal(await enter(a, meet.ID), 0);
    await callAndAccept(a, b, 'bob', meet);
    assert.equal(await enter(b, meet.ID), 0);
    assert.deepEqual(await seen, ['bob']);
  });

  test('a full room answers 802', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const c = await login(server, 'carol');
    const meet = await createRoom(a);
    await enter(a, meet.ID);
    await callAndAccept(a, b, 'bob', meet);
    await callAndAccept(a, c, 'carol', meet);
    assert.equal(await enter(b, meet.ID), 0);
    assert.equal(await enter(c, meet.ID), 802);
  });

  test('only the creator destroys a room; members get MeetingStopped; then it is gone', async () => {
    const a = await login(server, 'alice');
    const b = await login(server, 'bob');
    const meet = await createRoom(a);
    await callAndAccept(a, b, 'bob', meet);
    assert.equal(await enter(b, meet.ID), 0);
    const notMine = next(b, 'CRVideo_DestroyMeetingRslt');
    b.CRVideo_DestroyMeeting(meet.ID, 'x');
    assert.deepEqual(await notMine, [801, 'x']);
    const stopped = next(b, 'CRVideo_MeetingStopped');
    const done = next(a, 'CRVideo_DestroyMeetingRslt');
    a.CRVideo_DestroyMeeting(meet.ID, 'y');
    assert.deepEqual(await done, [0, 'y']);
    await stopped;
    assert.equal(await enter(a, meet.ID), 800);
    const again = next(a, 'CRVideo_DestroyMeetingRslt');
    a.CRVideo_DestroyMeeting(meet.ID, 'z');
    assert.deepEqual(await again, [800, 'z']);
  });
});

describe('persistence', () => {
  test('rooms, access and call records survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-persist-'));
    try {
      let server = await startTestServer({ dataDir });
      const a = await login(server, 'alice');
      const b = await login(server, 'bob');
      const meet = await createRoom(a, 'Kept');
      const { callID } = await callAndAccept(a, b, 'bob', meet);
      const end = next(b, 'CRVideo_NotifyCallHungup');
      a.CRVideo_HungupCall(callID);
      await end;
      closeClients();
      await server.close();

      server = await startTestServer({ dataDir });
      const a2 = await login(server, 'alice');
      const b2 = await login(server, 'bob');
      assert.equal(await enter(b2, meet.ID), 0, 'the room and bob’s access survived');
      const r = next(a2, 'CRVideo_GetCallRecordsRslt');
      a2.CRVideo_GetCallRecords();
      const [, recs] = await r;
      assert.equal(recs[0]?.callID, callID);
      assert.equal(recs[0]?.outcome, 'answered');
      closeClients();
      await server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('kill -9 loses no finished record', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-kill-'));
    const { child, url } = await spawnServer([
      '--data',
      dataDir,
      '--no-media',
      '--app',
      `${TEST_APP.appID}:${TEST_APP.appSecret}`,
    ]);
    try {
      const a = await login({ url }, 'alice');
      const b = await login({ url }, 'bob');
      const meet = await createRoom(a);
      const ring = next(b, 'CRVideo_NotifyCallIn');
      const callID = a.CRVideo_Call('bob', meet);
      await ring;
      const rej = next(a, 'CRVideo_NotifyCallRejected');
      b.CRVideo_RejectCall(callID);
      await rej;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      closeClients();

      const server = await startTestServer({ dataDir });
      const a2 = await login(server, 'alice');
      const r = next(a2, 'CRVideo_GetCallRecordsRslt');
      a2.CRVideo_GetCallRecords();
      const [, recs] = await r;
      assert.equal(recs[0]?.callID, callID);
      assert.equal(recs[0]?.outcome, 'rejected');
      closeClients();
      await server.close();
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
