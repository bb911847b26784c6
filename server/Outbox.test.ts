import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from './Outbox.js';

// The replay outbox of a session: what a client that resumes gets back (server/reconnect.test.ts tests
// the resume itself). These check the ring: order across its wrap, its bounds, and the frames it rebuilds.

describe('replay outbox', () => {
  it('replays the newest notifications in order, as the frames that were sent, after the ring wrapped', () => {
    const box = new Outbox(4, 1 << 20);
    const sent: string[] = [];
    for (let seq = 1; seq <= 10; seq++) {
      const data = JSON.stringify({ userID: `u${seq}`, userStatus: 1 });
      const text = Outbox.frame(seq, 'userStatus', data);
      sent.push(text);
      if (seq % 3 === 0) box.storeText(seq, text);
      else box.store(seq, 'userStatus', data, text.length);
    }
    assert.deepEqual(
      box.since(0).map((f) => f.text),
      sent.slice(6),
    );
    assert.deepEqual(
      box.since(8).map((f) => f.seq),
      [9, 10],
    );
    assert.equal(box.firstSeq, 7);
    assert.equal(
      box.bytes,
      sent.slice(6).reduce((n, t) => n + t.length, 0),
    );
    const frame = JSON.parse(box.since(9)[0]?.text ?? '');
    assert.deepEqual(frame, { t: 'ntf', seq: 10, name: 'userStatus', data: { userID: 'u10', userStatus: 1 } });
  });

  it('keeps at most its byte bound, but always the newest notification', () => {
    const box = new Outbox(512, 100);
    for (let seq = 1; seq <= 50; seq++) box.storeText(seq, 'x'.repeat(30));
    assert.ok(box.bytes <= 100);
    assert.deepEqual(
      box.since(0).map((f) => f.seq),
      [48, 49, 50],
    );
    box.storeText(51, 'y'.repeat(500));
    assert.deepEqual(
      box.since(0).map((f) => f.seq),
      [51],
    );
    box.clear();
    assert.equal(box.firstSeq, undefined);
    assert.equal(box.bytes, 0);
    assert.deepEqual(box.since(0), []);
  });
});
