// Unit tests of the renderer's call store (a Svelte 5 runes class, compiled by Svelte as the app build
// does it): what the user sees through a call, driven by the CRVideo callbacks and the SDK's state model,
// with the API, the session and the room passed in as recording stand-ins.
/// <reference types="svelte" />
import '../../testing/runesHooks.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MeetObj } from '../../../protocol/schemas.js';
import type { CallbackName, CRVideoAPI, CRVideoCallbacks } from '../../../sdk/api.js';
import { type ClientSnapshot, type ClientStateSource, SIGNED_OUT } from '../../../sdk/ClientState.js';
import type { CallsDeps } from './calls.svelte.js';

const { Calls } = await import('./calls.svelte.js');

const meet = (ID: number, creator = 'me'): MeetObj => ({
  ID,
  pswd: '',
  subject: 's',
  pubMeetUrl: '',
  creator,
  memberCount: 0,
  startTime: 0,
});

/** The store with recording stand-ins: every API call, the room's moves, callbacks to fire, a model to push. */
function setup() {
  const sent: Array<{ fn: string; args: unknown[] }> = [];
  const api = new Proxy({} as Record<string, unknown>, {
    get:
      (_t, fn: string) =>
      (...args: unknown[]) => {
        sent.push({ fn, args });
        return fn === 'CRVideo_Call' ? `call-${sent.length}` : undefined;
      },
  }) as unknown as CRVideoAPI;
  const listeners = new Map<string, Set<(...a: never[]) => void>>();
  const on = (<K extends CallbackName>(name: K, fn: (...args: CRVideoCallbacks[K]) => void) => {
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    set.add(fn as (...a: never[]) => void);
    return () => set.delete(fn as (...a: never[]) => void);
  }) as CallsDeps['on'];
  const fire = <K extends CallbackName>(name: K, ...args: CRVideoCallbacks[K]) => {
    for (const fn of listeners.get(name) ?? []) (fn as (...a: CRVideoCallbacks[K]) => void)(...args);
  };
  const signedOut: Array<() => void> = [];
  const session = {
    UID: 'me',
    nickname: 'Me',
    reconnecting: false,
    onSignedIn: (_fn: () => void) => {},
    onSignedOut: (fn: () => void) => void signedOut.push(fn),
  };
  const roomLog: string[] = [];
  let enterDone: ((code: number) => void) | null = null;
  const room = {
    meetObj: null as MeetObj | null,
    phase: 'idle' as 'idle' | 'entering' | 'in' | 'dropped',
    enter(m: MeetObj, peers: string[], done: (code: number) => void) {
      roomLog.push(`enter ${m.ID} ${peers.join(',')}`);
      room.meetObj = m;
      room.phase = 'entering';
      enterDone = done;
    },
    leave() {
      if (room.phase !== 'idle') roomLog.push('leave');
      room.meetObj = null;
      room.phase = 'idle';
    },
    expect: (UID: string) => void roomLog.push(`expect ${UID}`),
    forget: (UID: string) => void roomLog.push(`forget ${UID}`),
  };
  let seq = 0;
  const calls = new Calls({ api: () => api, on, cookie: (tag) => `t:${tag}:${++seq}`, session, room });
  let snapshot: ClientSnapshot = SIGNED_OUT;
  const subs = new Set<(now: ClientSnapshot, before: ClientSnapshot) => void>();
  const model: ClientStateSource & { push(s: Partial<ClientSnapshot>): void } = {
    get snapshot() {
      return snapshot;
    },
    subscribe(l) {
      subs.add(l);
      return () => subs.delete(l);
    },
    push(s) {
      const before = snapshot;
      snapshot = { ...SIGNED_OUT, UID: 'me', presence: 'online', userStatus: 1, ...s };
      for (const l of subs) l(snapshot, before);
    },
  };
  calls.follow(model);
  const last = (fn: string) => sent.filter((s) => s.fn === fn).at(-1);
  return {
    calls,
    sent,
    last,
    fire,
    session,
    room,
    roomLog,
    model,
    enterResult: (code: number) => enterDone?.(code),
    signOut: () => {
      for (const fn of signedOut) fn();
    },
  };
}

test('placing a call: room, ringing with the ringback tone, then in the call and its room', () => {
  const t = setup();
  t.calls.dial('bob', 'hi');
  assert.equal(t.calls.outgoing?.phase, 'creating');
  const create = t.last('CRVideo_CreateMeeting');
  assert.ok(create, 'a room is made first');
  t.fire('CRVideo_CreateMeetingSuccess', meet(7), create.args[1]);
  const call = t.last('CRVideo_Call');
  assert.deepEqual(call?.args.slice(0, 3), ['bob', meet(7), 'hi'], 'then bob is called into it');
  const callID = t.calls.outgoing?.callID;
  assert.ok(callID);
  t.fire('CRVideo_CallSuccess', callID, call?.args[3]);
  assert.equal(t.calls.outgoing?.phase, 'ringing');
  assert.equal(t.calls.tone, 'ringback');
  t.fire('CRVideo_NotifyCallAccepted', callID, meet(7), '');
  assert.equal(t.calls.outgoing, null);
  assert.equal(t.calls.inCall, true);
  assert.deepEqual(t.calls.active, [{ callID, peerUID: 'bob', meetObj: meet(7), direction: 'out' }]);
  assert.deepEqual(t.roomLog, ['enter 7 bob']);
  assert.equal(t.calls.tone, null, 'no tone in the call');
});

test('a refused call shows why and destroys the room made for it', () => {
  const t = setup();
  t.calls.dial('bob');
  t.fire('CRVideo_CreateMeetingSuccess', meet(8), t.last('CRVideo_CreateMeeting')?.args[1]);
  const callID = t.calls.outgoing?.callID ?? '';
  t.fire('CRVideo_NotifyCallRejected', callID, 602, '');
  assert.equal(t.calls.outgoing?.phase, 'failed');
  assert.equal(t.calls.outgoing?.code, 602);
  assert.deepEqual(t.last('CRVideo_DestroyMeeting')?.args[0], 8);
});

test('incoming calls: the first rings full-screen, a second waits; answering enters the room', () => {
  const t = setup();
  t.fire('CRVideo_NotifyCallIn', 'in-1', meet(3, 'alice'), 'alice', 'lunch?');
  assert.equal(t.calls.ringing?.callID, 'in-1');
  assert.equal(t.calls.tone, 'ringtone');
  t.fire('CRVideo_NotifyCallIn', 'in-2', meet(4, 'carol'), 'carol', '');
  assert.equal(t.calls.ringing?.callID, 'in-1');
  assert.deepEqual(
    t.calls.waiting.map((c) => c.callID),
    ['in-2'],
  );
  t.calls.accept('in-1');
  assert.deepEqual(t.last('CRVideo_AcceptCall')?.args.slice(0, 2), ['in-1', meet(3, 'alice')]);
  t.fire('CRVideo_AcceptCallSuccess', 'in-1', t.last('CRVideo_AcceptCall')?.args[3]);
  assert.deepEqual(t.roomLog, ['enter 3 alice']);
  assert.equal(t.calls.inCall, true);
  assert.equal(t.calls.ringing, null, 'in a call nothing rings full-screen');
  assert.deepEqual(
    t.calls.waiting.map((c) => c.callID),
    ['in-2'],
  );
  assert.equal(t.calls.tone, 'waiting', 'the waiting call gets the call-waiting tone');
});

test('the peer hangs up: home with "ended"; lost to the network (207): "interrupted" with call back', () => {
  const t = setup();
  t.fire('CRVideo_NotifyCallIn', 'in-1', meet(3, 'alice'), 'alice', '');
  t.calls.accept('in-1');
  t.fire('CRVideo_AcceptCallSuccess', 'in-1', null);
  t.fire('CRVideo_NotifyCallHungup', 'in-1', '');
  assert.equal(t.calls.inCall, false);
  assert.deepEqual(t.calls.notice, { key: 'room.ended' });
  assert.deepEqual(t.roomLog, ['enter 3 alice', 'leave']);
  t.calls.dismissNotice();

  t.fire('CRVideo_NotifyCallIn', 'in-2', meet(5, 'alice'), 'alice', '');
  t.calls.accept('in-2');
  t.fire('CRVideo_AcceptCallSuccess', 'in-2', null);
  t.fire('CRVideo_NotifyCallHungup', 'in-2', '', 207);
  assert.deepEqual(t.calls.notice, { key: 'room.interrupted', callBack: 'alice' });
  t.calls.callBack();
  assert.equal(t.calls.outgoing?.calleeUID, 'alice', '"Call back" dials the peer again');
});

test("a call the SDK's model no longer has is over here, at once; none is ended while the line reconnects", () => {
  const t = setup();
  t.fire('CRVideo_NotifyCallIn', 'in-1', meet(3, 'alice'), 'alice', '');
  t.calls.accept('in-1');
  t.fire('CRVideo_AcceptCallSuccess', 'in-1', null);
  const accepted = {
    callID: 'in-1',
    direction: 'in' as const,
    peerUID: 'alice',
    state: 'accepted' as const,
    meetID: 3,
    meetObj: meet(3, 'alice'),
    usrExtDat: '',
  };
  t.model.push({ calls: [accepted], userStatus: 3, presence: 'busy' });
  assert.equal(t.calls.inCall, true, 'listed: the call goes on');

  t.model.push({ calls: [], reconnecting: true });
  assert.equal(t.calls.inCall, true, 'while reconnecting the line decides, not a guess');

  t.model.push({ calls: [] });
  assert.equal(t.calls.inCall, false, 'gone from the model: over here too');
  assert.deepEqual(t.calls.notice, { key: 'room.ended' });
  assert.equal(t.room.phase, 'idle');

  t.fire('CRVideo_NotifyCallIn', 'in-2', meet(4, 'carol'), 'carol', '');
  t.model.push({ calls: [{ ...accepted, callID: 'in-2', peerUID: 'carol', state: 'ringing' }] });
  assert.equal(t.calls.ringing?.callID, 'in-2');
  t.model.push({ calls: [] });
  assert.equal(t.calls.ringing, null, 'a ring the model dropped (answered elsewhere) stops here');
});

test('signing out cancels what is going on and clears the screen', () => {
  const t = setup();
  t.fire('CRVideo_NotifyCallIn', 'in-1', meet(3, 'alice'), 'alice', '');
  t.calls.dial('bob');
  t.signOut();
  assert.equal(t.calls.outgoing, null);
  assert.deepEqual(t.calls.incoming, []);
  assert.deepEqual(t.calls.active, []);
  assert.equal(t.calls.tone, null);
});
