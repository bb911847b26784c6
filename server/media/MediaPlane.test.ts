// Media plane against REAL mediasoup workers. The clients are mediasoup-client 3.18 with its FakeHandler
// (the whole signaling exchange, no RTP): real browsers and real media are covered by e2e/media.spec.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeMediaStreamTrack } from 'fake-mediastreamtrack';
import { Device, FakeHandler, testFakeParameters, type types } from 'mediasoup-client';
import { CRVideoError, type MediaRequestType, type MediaResponseData, SdkErr } from '../../protocol/index.js';
import type { MediaPeer } from '../MediaHooks.js';
import { MediaPlane } from './MediaPlane.js';

interface Note {
  name: string;
  data: Record<string, unknown>;
}

let seq = 0;

/** One room member as a browser would be: device, send and receive transport, its notifications. */
class FakeMember {
  readonly notes: Note[] = [];
  readonly peer: MediaPeer;
  readonly consumers = new Map<string, types.Consumer>();
  device!: Device;
  send!: types.Transport;
  recv!: types.Transport;
  #waiters: (() => void)[] = [];

  constructor(
    readonly plane: MediaPlane,
    public meetID: number,
    readonly UID: string,
  ) {
    this.peer = {
      peerId: `peer-${UID}-${++seq}`,
      UID,
      notify: (name, data) => {
        this.notes.push({ name, data: data as Record<string, unknown> });
        for (const w of this.#waiters.splice(0)) w();
      },
    };
  }

  req<T extends MediaRequestType>(type: T, payload: unknown = {}): Promise<MediaResponseData<T>> {
    return this.plane.handle(this.meetID, this.peer.peerId, type, payload) as Promise<MediaResponseData<T>>;
  }

  async join(): Promise<this> {
    await this.plane.join(this.meetID, this.peer);
    return this;
  }

  /** What the SDK's engine does after EnterMeeting3: device, transports, ready. */
  async setup(): Promise<MediaResponseData<'media.ready'>> {
    const { rtpCapabilities } = await this.req('media.getRouterRtpCapabilities');
    this.device = await Device.factory({ handlerFactory: FakeHandler.createFactory(testFakeParameters) });
    await this.device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    const s = await this.req('media.createTransport', { direction: 'send' });
    this.send = this.device.createSendTransport(s as types.TransportOptions);
    this.send.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.req('media.connectTransport', { transportId: this.send.id, dtlsParameters }).then(ok, fail);
    });
    this.send.on('produce', ({ kind, rtpParameters }, ok, fail) => {
      this.req('media.produce', { transportId: this.send.id, kind, rtpParameters }).then(ok, fail);
    });
    const r = await this.req('media.createTransport', { direction: 'recv' });
    this.recv = this.device.createRecvTransport(r as types.TransportOptions);
    this.recv.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.req('media.connectTransport', { transportId: this.recv.id, dtlsParameters }).then(ok, fail);
    });
    return this.req('media.ready', { rtpCapabilities: this.device.rtpCapabilities });
  }

  produce(kind: 'audio' | 'video'): Promise<types.Producer> {
    return this.send.produce({ track: new FakeMediaStreamTrack({ kind }) as unknown as MediaStreamTrack });
  }

  /** Consumes (client side) and resumes every announced consumer not yet handled. */
  async consumeAll(): Promise<void> {
    for (const n of this.of('media.newConsumer')) {
      const id = n.data.id as string;
      if (this.consumers.has(id)) continue;
      const c = await this.recv.consume({
        id,
        producerId: n.data.producerId as string,
        kind: n.data.kind as 'audio' | 'video',
        rtpParameters: n.data.rtpParameters as types.RtpParameters,
      });
      this.consumers.set(id, c);
      await this.req('media.resumeConsumer', { consumerId: id });
    }
  }

  of(name: string): Note[] {
    return this.notes.filter((n) => n.name === name);
  }

  async waitFor(name: string, count = 1, timeoutMs = 5000): Promise<Note[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(name).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.UID}: waited ${timeoutMs} ms for ${count}× ${name}, got ${this.of(name).length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.of(name);
  }

  leave(): void {
    this.send?.close();
    this.recv?.close();
    this.plane.leave(this.meetID, this.peer.peerId);
  }
}

async function rejectsWith(p: Promise<unknown>, code: number, what: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CRVideoError, `${what}: expected a CRVideoError, got ${String(err)}`);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    return true;
  });
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('MediaPlane with real mediasoup workers', () => {
  let plane: MediaPlane;
  before(async () => {
    plane = await MediaPlane.create({ numWorkers: 2, rtcMinPort: 41000, rtcMaxPort: 41999 });
  });
  after(async () => {
    await plane.close();
  });

  test('two members send and receive; every object is closed when they leave', async () => {
    const a = await new FakeMember(plane, 111_111_111, 'alice').join();
    const b = await new FakeMember(plane, 111_111_111, 'bob').join();
    await a.setup();
    await a.produce('audio');
    await a.produce('video');
    const ready = await b.setup();
    assert.deepEqual(
      ready.peers.map((p) => p.UID),
      ['alice'],
    );
    // B entered after A produced: the server announces A's two tracks to B once B is ready.
    const toB = await b.waitFor('media.newConsumer', 2);
    assert.deepEqual(toB.map((n) => [n.data.UID, n.data.kind]).sort(), [
      ['alice', 'audio'],
      ['alice', 'video'],
    ]);
    // B starts later: A is told about B's tracks as they appear.
    await b.produce('audio');
    await b.produce('video');
    const toA = await a.waitFor('media.newConsumer', 2);
    assert.ok(toA.every((n) => n.data.UID === 'bob' && n.data.peerId === b.peer.peerId));
    await a.consumeAll();
    await b.consumeAll();

    let s = await plane.stats();
    assert.equal(s.totals.rooms, 1);
    assert.equal(s.totals.routers, 1);
    assert.equal(s.totals.transports, 4);
    assert.equal(s.totals.producers, 4);
    assert.equal(s.totals.consumers, 4);

    // Statuses travel to the others.
    await a.req('media.setStatus', { audio: 3, video: 2 });
    const [status] = await b.waitFor('media.status');
    assert.deepEqual(status?.data, { peerId: a.peer.peerId, UID: 'alice', audio: 3, video: 2 });
    assert.equal(a.of('media.status').length, 0, 'a member is not told its own status');

    // Stats of a member: its two transports, two producers and two consumers (with the sender's UID).
    const st = await a.req('media.getStats');
    assert.deepEqual(st.transports.map((t) => t.direction).sort(), ['recv', 'send']);
    assert.equal(st.producers.length, 2);
    assert.deepEqual(
      st.consumers.map((c) => c.UID),
      ['bob', 'bob'],
    );

    b.leave();
    const closed = await a.waitFor('media.consumerClosed', 2);
    assert.deepEqual(closed.map((n) => n.data.id).sort(), toA.map((n) => n.data.id).sort());
    const [left] = await a.waitFor('media.peerLeft');
    assert.deepEqual(left?.data, { peerId: b.peer.peerId, UID: 'bob' });
    s = await plane.stats();
    assert.equal(s.totals.transports, 2);
    assert.equal(s.totals.producers, 2);
    assert.equal(s.totals.consumers, 0);

    a.leave();
    s = await plane.stats();
    assert.equal(s.totals.rooms, 0);
    assert.equal(s.totals.routers, 0, 'the router closed with the last member');
    assert.ok(s.workers.every((w) => w.routers === 0 && w.transports === 0));
  });

  test('pause and resume of a producer reach the consumers', async () => {
    const a = await new FakeMember(plane, 222_222_222, 'alice').join();
    const b = await new FakeMember(plane, 222_222_222, 'bob').join();
    await a.setup();
    await b.setup();
    const video = await a.produce('video');
    const [nc] = await b.waitFor('media.newConsumer');
    assert.equal(nc?.data.producerPaused, false);
    await a.req('media.pauseProducer', { producerId: video.id });
    const [paused] = await b.waitFor('media.consumerPaused');
    assert.equal(paused?.data.id, nc?.data.id);
    await a.req('media.resumeProducer', { producerId: video.id });
    await b.waitFor('media.consumerResumed');
    await a.req('media.closeProducer', { producerId: video.id });
    await b.waitFor('media.consumerClosed');
    assert.equal((await plane.stats()).totals.producers, 0);
    a.leave();
    b.leave();
    assert.equal((await plane.stats()).totals.routers, 0);
  });

  test('a member only touches its own objects, and only in its own room', async () => {
    const a = await new FakeMember(plane, 333_333_333, 'alice').join();
    const b = await new FakeMember(plane, 333_333_333, 'bob').join();
    const c = await new FakeMember(plane, 444_444_444, 'carol').join();
    await a.setup();
    await b.setup();
    await c.setup();
    const aAudio = await a.produce('audio');
    const [toB] = await b.waitFor('media.newConsumer');
    const bConsumerId = toB?.data.id as string;
    const P = SdkErr.MEETPARAM_ERR;

    await rejectsWith(b.req('media.connectTransport', { transportId: a.send.id, dtlsParameters: {} }), P, 'bad dtls');
    const dtls = { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }], role: 'client' };
    await rejectsWith(b.req('media.connectTransport', { transportId: a.send.id, dtlsParameters: dtls }), P, 'A send');
    await rejectsWith(b.req('media.restartIce', { transportId: a.recv.id }), P, "A's recv transport");
    await rejectsWith(b.req('media.pauseProducer', { producerId: aAudio.id }), P, "A's producer");
    await rejectsWith(b.req('media.closeProducer', { producerId: aAudio.id }), P, "A's producer");
    await rejectsWith(a.req('media.resumeConsumer', { consumerId: bConsumerId }), P, "B's consumer");
    await rejectsWith(b.req('media.resumeConsumer', { consumerId: 'nope' }), P, 'unknown consumer');
    const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }] };
    await rejectsWith(
      b.req('media.produce', { transportId: b.recv.id, kind: 'audio', rtpParameters }),
      P,
      'produce on the receive transport',
    );
    await rejectsWith(
      b.req('media.produce', { transportId: a.send.id, kind: 'audio', rtpParameters }),
      P,
      "produce on A's transport",
    );
    await rejectsWith(b.req('media.produce', { transportId: b.send.id, kind: 'audio' }), P, 'no rtpParameters');
    await rejectsWith(b.req('media.nonsense' as MediaRequestType), P, 'unknown request');
    // Carol (another room) cannot reach into room 333…: the plane says she is no member there.
    await rejectsWith(
      plane.handle(333_333_333, c.peer.peerId, 'media.getRouterRtpCapabilities', {}),
      SdkErr.AUTHERROR,
      'other room',
    );
    await rejectsWith(
      plane.handle(999_999_999, a.peer.peerId, 'media.getRouterRtpCapabilities', {}),
      SdkErr.AUTHERROR,
      'no such room',
    );
    // Nothing of A's was harmed.
    assert.equal((await a.req('media.getStats')).producers.length, 1);
    const s = await plane.stats();
    assert.equal(s.totals.rooms, 2);
    assert.equal(new Set(s.rooms.map((r) => r.worker)).size, 2, 'two rooms are spread over the two workers');
    for (const m of [a, b, c]) m.leave();
    assert.equal((await plane.stats()).totals.routers, 0);
  });

  test('a leave while the join is still opening the room leaves nothing behind', async () => {
    const a = new FakeMember(plane, 555_555_555, 'alice');
    const joining = plane.join(a.meetID, a.peer);
    plane.leave(a.meetID, a.peer.peerId);
    await joining;
    await rejectsWith(a.req('media.getRouterRtpCapabilities'), SdkErr.AUTHERROR, 'left before the join ended');
    const s = await plane.stats();
    assert.equal(s.totals.rooms, 0);
    assert.equal(s.totals.routers, 0);
  });
});

describe('MediaPlane when a worker dies', () => {
  test('the rooms it carried are reported, the worker is replaced, and entering again works', async () => {
    const plane = await MediaPlane.create({ numWorkers: 1, rtcMinPort: 42000, rtcMaxPort: 42999 });
    try {
      const dropped: { meetID: number; peerIds: string[] }[] = [];
      plane.onRoomDropped((meetID, peerIds) => dropped.push({ meetID, peerIds }));
      const a = await new FakeMember(plane, 666_666_666, 'alice').join();
      const b = await new FakeMember(plane, 666_666_666, 'bob').join();
      await a.setup();
      await b.setup();
      await a.produce('video');
      await b.waitFor('media.newConsumer');
      const pid = plane.workerPidOf(666_666_666);
      assert.ok(pid, 'the room has a worker');

      process.kill(pid, 'SIGKILL');
      await waitUntil('room dropped', () => dropped.length > 0);
      assert.equal(dropped.length, 1);
      assert.equal(dropped[0]?.meetID, 666_666_666);
      assert.deepEqual(dropped[0]?.peerIds.sort(), [a.peer.peerId, b.peer.peerId].sort());
      await rejectsWith(a.req('media.getRouterRtpCapabilities'), SdkErr.AUTHERROR, 'the room is gone');

      // The core removes them from the room; they enter again (on the replacement worker).
      await waitUntil('worker replaced', () => plane.workerPids().length === 1);
      assert.notEqual(plane.workerPids()[0], pid);
      const a2 = await new FakeMember(plane, 666_666_666, 'alice').join();
      const b2 = await new FakeMember(plane, 666_666_666, 'bob').join();
      await a2.setup();
      await b2.setup();
      await a2.produce('audio');
      await a2.produce('video');
      await b2.waitFor('media.newConsumer', 2);
      await b2.consumeAll();
      const s = await plane.stats();
      assert.equal(s.workers[0]?.alive, true);
      assert.equal(s.totals.producers, 2);
      assert.equal(s.totals.consumers, 2);
      a2.leave();
      b2.leave();
      assert.equal((await plane.stats()).totals.routers, 0);
    } finally {
      await plane.close();
    }
  });

  test('a join waiting for the only worker gets the replacement', async () => {
    const plane = await MediaPlane.create({ numWorkers: 1, rtcMinPort: 43000, rtcMaxPort: 43999 });
    try {
      const [pid] = plane.workerPids();
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await waitUntil('worker marked dead', () => plane.workerPids().length === 0 || plane.workerPids()[0] !== pid);
      const a = await new FakeMember(plane, 777_777_777, 'alice').join();
      await a.setup();
      assert.notEqual(plane.workerPidOf(777_777_777), pid);
      a.leave();
    } finally {
      await plane.close();
    }
  });
});
