import type { Logger } from 'pino';
import { CRVideoError, SdkErr } from '../protocol/index.js';
import type { Calls, CallsEvents } from './Calls.js';
import type { MediaPeer, RoomMediaPlane } from './MediaHooks.js';
import type { Rooms } from './Rooms.js';
import type { Session } from './Session.js';

/** A prepared member left unused this long after its call was accepted is torn down. */
const DEFAULT_UNUSED_MS = 15_000;

interface Prepared {
  readonly session: Session;
  readonly meetID: number;
  readonly role: 'caller' | 'callee';
}

/**
 * Ring-time media preparation (`media.prepare`): while a call rings, its caller device and the callee's
 * devices may set up media in the call's room before the answer, so the first frame after AcceptCall
 * does not wait for router capabilities, transports and DTLS. Only the call's room, only these devices;
 * torn down (with `media.prepareEnded`) when the call is rejected, cancelled or times out, on the
 * callee devices that did not answer, and on a party that does not enter within a while of the answer.
 */
export class RingMedia {
  readonly #calls: Calls;
  readonly #rooms: Rooms;
  readonly #media: RoomMediaPlane;
  readonly #log: Logger;
  readonly #unusedMs: number;
  /** By call key (`appID\0callID`): prepared device sessions by session id. */
  readonly #byCall = new Map<string, Map<string, Prepared>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #offs: (() => void)[];

  constructor(calls: Calls, rooms: Rooms, media: RoomMediaPlane, log: Logger, opts: { unusedMs?: number } = {}) {
    this.#calls = calls;
    this.#rooms = rooms;
    this.#media = media;
    this.#log = log.child({ mod: 'RingMedia' });
    this.#unusedMs = opts.unusedMs ?? DEFAULT_UNUSED_MS;
    this.#offs = [
      calls.on('accepted', (e) => this.#accepted(e)),
      calls.on('ended', (e) =>
        this.#drop(this.#key(e.appID, e.callID), e.answered ? 'call over' : 'call did not go ahead'),
      ),
    ];
  }

  #key(appID: string, callID: string): string {
    return `${appID}\u0000${callID}`;
  }

  /** `media.prepare` from `s`: 603 unless the call rings on this device; 5 when the device is in a room. */
  async prepare(s: Session, callID: string): Promise<{ meetID: number }> {
    if (!this.#media.prepare) throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'this media plane cannot prepare');
    if (this.#rooms.roomOf(s) !== null)
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'already in a room: no preparation');
    const meetID = this.#calls.ringingRoomFor(s, callID);
    const role = this.#calls.isCallerSession(s, callID) ? 'caller' : 'callee';
    const key = this.#key(s.appID, callID);
    let set = this.#byCall.get(key);
    if (!set) {
      set = new Map();
      this.#byCall.set(key, set);
    }
    set.set(s.id, { session: s, meetID, role });
    const peer: MediaPeer = { peerId: s.id, UID: s.UID, notify: (name, data) => s.notify(name, data) };
    await this.#media.prepare(meetID, peer, key);
    // The call may have ended (or this device entered another room) while the router was being made.
    let stillRinging = true;
    try {
      this.#calls.ringingRoomFor(s, callID);
    } catch {
      stillRinging = false;
    }
    if (!stillRinging || s.ended || this.#byCall.get(key)?.get(s.id) === undefined) {
      this.#teardown(s.id, { session: s, meetID, role }, false);
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'the call ended while media was prepared');
    }
    s.log.info({ callID, meetID, role }, 'media prepared while ringing');
    return { meetID };
  }

  #accepted(e: CallsEvents['accepted'][0]): void {
    const key = this.#key(e.appID, e.callID);
    const set = this.#byCall.get(key);
    if (!set) return;
    // The callee's other devices stop ringing: their preparation goes. The two parties have a while to enter.
    for (const [id, p] of set) {
      if (p.role === 'callee' && p.session !== e.by) {
        set.delete(id);
        this.#teardown(id, p, true);
      }
    }
    // The answer is known here first: the two parties' prepared media starts now, while they enter.
    const byRoom = new Map<number, string[]>();
    for (const [id, p] of set) byRoom.set(p.meetID, [...(byRoom.get(p.meetID) ?? []), id]);
    for (const [meetID, ids] of byRoom) if (ids.length > 1) this.#media.answered?.(meetID, ids);
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.#drop(key, 'not entered after the answer');
    }, this.#unusedMs);
    t.unref();
    this.#timers.add(t);
  }

  #drop(key: string, why: string): void {
    const set = this.#byCall.get(key);
    if (!set) return;
    this.#byCall.delete(key);
    let n = 0;
    for (const [id, p] of set) if (this.#teardown(id, p, true)) n++;
    if (n > 0) this.#log.info({ prepared: n }, `ring-time media torn down: ${why}`);
  }

  /** Unprepares one device (a no-op when it entered the room meanwhile); tells it when `tell`. */
  #teardown(peerId: string, p: Prepared, tell: boolean): boolean {
    const had = this.#media.unprepare?.(p.meetID, peerId) ?? false;
    if (had && tell && !p.session.ended) p.session.notify('media.prepareEnded', { meetID: p.meetID });
    return had;
  }

  /** Tears every preparation down (server shutdown). */
  close(): void {
    for (const off of this.#offs) off();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const key of [...this.#byCall.keys()]) this.#drop(key, 'server closing');
  }
}
