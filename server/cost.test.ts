// Cost proportional to the asker, against the real server and a real SQLite file: paged history and
// online lists, failed calls that neither fill the disk nor bury the victim's history, presence
// storms coalesced, the WAL kept bounded, and a disk guard that refuses instead of filling the disk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CallRecord, MeetObj, UserStatus } from '../protocol/index.js';
import type { CRVideoClient } from '../sdk/index.js';
import { Store } from './Store.js';
import {
  callAndAccept,
  closeClients,
  collect,
  createRoom,
  login,
  next,
  sleep,
  startTestServer,
  type TestServer,
} from './testing/fixtures.js';

async function records(c: CRVideoClient, page?: { page?: number; limit?: number }) {
  const r = next(c, 'CRVideo_GetCallRecordsRslt');
  c.CRVideo_GetCallRecords('rec', page);
  const [err, list, cookie] = await r;
  assert.equal(cookie, 'rec');
  return { err, list: list as CallRecord[] };
}

async function callFails(a: CRVideoClient, UID: string, meet: MeetObj): Promise<number> {
  const fail = next(a, 'CRVideo_CallFail');
  a.CRVideo_Call(UID, meet);
  return (await fail)[1];
}

async function ringAndCancel(a: CRVideoClient, b: CRVideoClient, bUID: string, meet: MeetObj): Promise<string> {
  const callIn = next(b, 'CRVideo_NotifyCallIn');
  const callID = a.CRVideo_Call(bUID, meet);
  await callIn;
  const gone = next(b, 'CRVideo_NotifyCallHungup');
  a.CRVideo_HungupCall(callID);
  await gone;
  return callID;
}

describe('cost proportional to the asker', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      // The failed-calls test makes 100 failed calls in a row: all within the minute's 120, none held by the 10 s burst.
      limits: { callRecordsMaxDepth: 20, userStatusPageSize: 3, failedCallsBurst: 120 },
    });
  });
  after(() => server.dispose());
  afterEach(closeClients);

  test('call records come in pages, newest first; the (cookie) form gives the newest 50; too deep is 904', async () => {
    const a = await login(server, 'pager');
    const b = await login(server, 'paged');
    const meet = await createRoom(a);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await ringAndCancel(a, b, 'paged', meet));
    const newestFirst = [...ids].reverse();
    assert.deepEqual(
      (await records(a)).list.map((r) => r.callID),
      newestFirst,
      'no page given: all 12, as before',
    );
    const pages = [];
    for (const page of [1, 2, 3, 4]) pages.push((await records(a, { page, limit: 5 })).list.map((r) => r.callID));
    assert.deepEqual(pages, [newestFirst.slice(0, 5), newestFirst.slice(5, 10), newestFirst.slice(10), []]);
    assert.deepEqual(
      (await records(b, { page: 2, limit: 4 })).list.map((r) => r.callID),
      newestFirst.slice(4, 8),
      'the callee pages through the same calls',
    );
    const deep = await records(a, { page: 5, limit: 5 });
    assert.deepEqual(deep, { err: 904, list: [] }, 'past callRecordsMaxDepth (20)');
    const bad = await records(a, { page: 0 });
    assert.equal(bad.err, 5);
  });

  test("failed calls: unknown UIDs are not stored; repeats to one user share one record; the victim's real calls stay in view", async () => {
    const victim = await login(server, 'victim');
    const friend = await login(server, 'friend');
    const real = await callAndAccept(friend, victim, 'victim');
    friend.CRVideo_HungupCall(real.callID);
    const pest = await login(server, 'pest');
    const meet = await createRoom(pest);
    for (let i = 0; i < 60; i++) assert.equal(await callFails(pest, `no-such-user-${i}`, meet), 605);
    assert.deepEqual((await records(pest)).list, [], 'nothing stored for calls to nobody');

    const gone = next(friend, 'CRVideo_NotifyUserStatus', 3000, (s) => s.userID === 'victim' && s.userStatus === 0);
    friend.CRVideo_StartUserStatusNotify();
    await sleep(50);
    victim.CRVideo_Logout();
    await gone;
    for (let i = 0; i < 40; i++) assert.equal(await callFails(pest, 'victim', meet), 603);
    const mine = (await records(pest)).list;
    assert.equal(mine.length, 1, "the caller's history holds one line for the 40 tries");
    assert.equal(mine[0]?.attempts, 40);
    assert.equal(mine[0]?.sdkErr, 603);

    const back = await login(server, 'victim');
    const firstPage = (await records(back, { limit: 3 })).list;
    assert.ok(
      firstPage.some((r) => r.callID === real.callID),
      "the victim's real call is still on the first page of 3",
    );
    await callAndAccept(friend, back, 'victim');
  });

  test('GetUserStatus without a UID: online users only, in pages, with the online count', async () => {
    const s2 = await startTestServer({ limits: { userStatusPageSize: 3 } });
    try {
      const w = await login(s2, 'w0');
      for (let i = 1; i < 7; i++) await login(s2, `w${i}`);
      const leaving = await login(s2, 'leaver');
      leaving.CRVideo_Logout();
      await sleep(100);
      const seen: string[] = [];
      let online = -1;
      for (const page of [1, 2, 3]) {
        const ok = next(w, 'CRVideo_GetUserStatusSuccess');
        w.CRVideo_GetUserStatus('p', { page, limit: 50 });
        const [list] = await ok;
        assert.ok(list.length <= 3, 'the page size is capped by userStatusPageSize');
        seen.push(...list.map((u: UserStatus) => u.userID));
        assert.ok(list.every((u: UserStatus) => u.userStatus !== 0));
      }
      assert.deepEqual(seen.sort(), ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
      const raw = await w.$core.request('getUserStatus', { page: 1 });
      online = (raw as { online?: number }).online ?? -1;
      assert.equal(online, 7);
    } finally {
      closeClients();
      await s2.dispose();
    }
  });

  test('presence storm: a subscriber hears about one user at most once per 100 ms, and the last state', async () => {
    const s2 = await startTestServer({ limits: { dndChangesPerUser: 1000, dndBurstChanges: 1000 } });
    try {
      const watcher = await login(s2, 'watcher');
      const sub = next(watcher, 'CRVideo_StartUserStatusNotifyRslt');
      watcher.CRVideo_StartUserStatusNotify();
      await sub;
      const storm = await login(s2, 'stormy');
      await sleep(150);
      const heard = collect(watcher, 'CRVideo_NotifyUserStatus');
      const t0 = Date.now();
      for (let i = 1; i <= 200; i++) {
        const ok = next(storm, 'CRVideo_SetDNDStatusSuccess');
        storm.CRVideo_SetDNDStatus(i % 2 === 0 ? 0 : 1);
        await ok;
      }
      const elapsed = Date.now() - t0;
      await sleep(250);
      const mine = heard.map(([u]) => u).filter((u) => u.userID === 'stormy');
      assert.ok(mine.length >= 1);
      assert.ok(
        mine.length <= Math.ceil(elapsed / 100) + 2,
        `${mine.length} notifications for 200 changes in ${elapsed} ms`,
      );
      assert.equal(mine.at(-1)?.DNDType, 0, 'the last state wins (200th change: DND off)');
      const a = await login(s2, 'calm-a');
      const b = await login(s2, 'calm-b');
      await callAndAccept(a, b, 'calm-b');
    } finally {
      closeClients();
      await s2.dispose();
    }
  });
});

describe('disk', () => {
  test('steady writes keep the WAL near journal_size_limit instead of growing with them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crvideo-wal-'));
    const limit = 512 * 1024;
    const store = Store.open(dir, { walSizeLimitBytes: limit, checkpointEveryMs: 100 });
    try {
      const wal = join(dir, 'crvideo.sqlite-wal');
      const payload = 'x'.repeat(8 * 1024);
      let written = 0;
      let maxWal = 0;
      // ~10 MB of records, 5 per 5 ms: a steady stream, as a busy server writes.
      for (let i = 0; i < 240; i++) {
        for (let k = 0; k < 5; k++) {
          store.insertCall({
            appID: 'a',
            callID: `c${i}-${k}`,
            callerID: 'u1',
            calleeID: 'u2',
            meetID: 1,
            usrExtDat: payload,
            ringAt: Date.now(),
            answerAt: null,
            endAt: null,
            outcome: 'ringing',
            sdkErr: 0,
          });
          written += payload.length;
        }
        maxWal = Math.max(maxWal, statSync(wal).size);
        await sleep(5);
      }
      // Without the limit the WAL ends about three times the payload written, and stays that size.
      assert.ok(maxWal < 2 * written, `WAL peaked at ${maxWal} bytes for ${written} written`);
      let rest = statSync(wal).size;
      for (let t = 0; t < 30 && rest > limit; t++) {
        await sleep(100);
        rest = statSync(wal).size;
      }
      assert.ok(rest <= limit, `after the writes the WAL is back under its limit (${rest} > ${limit})`);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('below the free-disk floor nothing new is stored (902), known users still sign in and calls say why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crvideo-disk-'));
    try {
      const s1 = await startTestServer({ dataDir });
      const a = await login(s1, 'known-a');
      await login(s1, 'known-b');
      const meet = await createRoom(a);
      closeClients();
      await s1.close();

      const s2 = await startTestServer({ dataDir, limits: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER } });
      try {
        const a2 = await login(s2, 'known-a');
        const b2 = await login(s2, 'known-b');
        const fail = next(a2, 'CRVideo_CreateMeetingFail');
        a2.CRVideo_CreateMeeting('no room for it', 'c');
        assert.deepEqual(await fail, [902, 'c']);
        assert.equal(await callFails(a2, 'known-b', meet), 902, 'a call that cannot be recorded is refused');
        b2.CRVideo_Logout();
        await sleep(100);
        assert.equal(await callFails(a2, 'known-b', meet), 603, 'a failed call still gives its real reason');
        await assert.rejects(login(s2, 'brand-new'), /failed with 902/);
      } finally {
        closeClients();
        await s2.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
