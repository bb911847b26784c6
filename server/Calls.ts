import type { Logger } from 'pino';
import { type CallOutcome, CRVideoError, type MeetObj, SdkErr } from '../protocol/index.js';
import { contained } from './contain.js';
import type { LiveUser, Presence } from './Presence.js';
import type { Rooms } from './Rooms.js';
import type { Session } from './Session.js';
import type { Store } from './Store.js';

type CallState = 'ringing' | 'accepted' | 'ended';

interface Call {
  readonly callID: string;
  readonly appID: string;
  readonly callerUID: string;
  readonly calleeUID: string;
  readonly callerSession: Session;
  /** The callee device that answered (after accept). */
  calleeSession: Session | null;
  readonly meet: MeetObj;
  readonly usrExtDat: string;
  state: CallState;
  timer: NodeJS.Timeout | null;
}

export interface CallsOptions {
  /** No answer within this time: 604 for the caller, the call is missed. */
  callTimeoutMs: number;
}

/** The call state machine: ringing → accepted → ended, or ringing → rejected / missed / cancelled. */
export class Calls {
  readonly #calls = new Map<string, Call>();
  /** Live calls per user key (`appID\0UID`). */
  readonly #byUser = new Map<string, Set<Call>>();
  readonly #store: Store;
  readonly #presence: Presence;
  readonly #rooms: Rooms;
  readonly #opts: CallsOptions;
  readonly #log: Logger;

  constructor(store: Store, presence: Presence, rooms: Rooms, opts: CallsOptions, log: Logger) {
    this.#store = store;
    this.#presence = presence;
    this.#rooms = rooms;
    this.#opts = opts;
    this.#log = log.child({ mod: 'Calls' });
  }

  #key(appID: string, x: string): string {
    return `${appID}\u0000${x}`;
  }

  #userCalls(appID: string, UID: string): Set<Call> {
    return this.#byUser.get(this.#key(appID, UID)) ?? new Set();
  }

  #link(c: Call, UID: string, on: boolean): void {
    const k = this.#key(c.appID, UID);
    let set = this.#byUser.get(k);
    if (on) {
      if (!set) {
        set = new Set();
        this.#byUser.set(k, set);
      }
      set.add(c);
    } else if (set) {
      set.delete(c);
      if (set.size === 0) this.#byUser.delete(k);
    }
    const u = this.#presence.user(c.appID, UID);
    u.inCall = Math.max(0, u.inCall + (on ? 1 : -1));
    this.#presence.touch(u);
  }

  #fail(
    s: Session,
    callID: string,
    calleeUID: string,
    meetID: number,
    usrExtDat: string,
    code: number,
    why: string,
  ): never {
    this.#record(s, callID, calleeUID, meetID, usrExtDat, 'failed', code);
    this.#log.info({ callID, caller: s.UID, callee: calleeUID, sdkErr: code }, `call failed: ${why}`);
    throw new CRVideoError(code, why);
  }

  /** Writes the call's record: a ringing call (open) or a call that failed at once (closed). */
  #record(
    s: Session,
    callID: string,
    calleeUID: string,
    meetID: number,
    usrExtDat: string,
    outcome: 'ringing' | 'failed',
    sdkErr: number,
  ): void {
    const now = Date.now();
    this.#store.insertCall({
      appID: s.appID,
      callID,
      callerID: s.UID,
      calleeID: calleeUID,
      meetID,
      usrExtDat,
      ringAt: now,
      answerAt: null,
      endAt: outcome === 'failed' ? now : null,
      outcome,
      sdkErr,
    });
  }

  /** `CRVideo_Call`: rings every device of the callee; resolves once they ring. */
  call(s: Session, callID: string, calleeUID: string, meetID: number, usrExtDat: string): void {
    if (calleeUID === s.UID) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'cannot call yourself');
    if (this.#calls.has(this.#key(s.appID, callID)))
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'callID already used');
    const meet = this.#rooms.meetObj(s.appID, meetID);
    if (!this.#rooms.mayEnter(meetID, s.UID)) throw new CRVideoError(SdkErr.AUTHERROR, 'caller may not use this room');
    if (!this.#store.getUser(s.appID, calleeUID)) {
      this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_USER_NOT_FOUND, 'no such user');
    }
    const callee = this.#presence.peek(s.appID, calleeUID);
    if (!callee || callee.sessions.size === 0) {
      this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_OFFLINE, 'callee offline');
    }
    for (const c of this.#userCalls(s.appID, s.UID)) {
      if (c.callerUID === calleeUID || c.calleeUID === calleeUID) {
        this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_CALL_EXIST, 'a call with this user exists');
      }
    }
    if (callee.DND !== 0) this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_BUSY, 'callee in DND');
    // Call waiting: a callee in an accepted call may get one more call; a ringing one is busy.
    for (const c of this.#userCalls(s.appID, calleeUID)) {
      if (c.state === 'ringing') this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_BUSY, 'callee busy');
    }
    const call: Call = {
      callID,
      appID: s.appID,
      callerUID: s.UID,
      calleeUID,
      callerSession: s,
      calleeSession: null,
      meet,
      usrExtDat,
      state: 'ringing',
      timer: null,
    };
    this.#record(s, callID, calleeUID, meetID, usrExtDat, 'ringing', 0);
    this.#calls.set(this.#key(s.appID, callID), call);
    this.#link(call, s.UID, true);
    this.#link(call, calleeUID, true);
    call.timer = setTimeout(
      contained(this.#log, { callID: call.callID, timer: 'noAnswer' }, () => this.#noAnswer(call)),
      this.#opts.callTimeoutMs,
    );
    call.timer.unref?.();
    for (const d of callee.sessions) d.notify('callIn', { callID, meetObj: meet, callerID: s.UID, usrExtDat });
    this.#log.info({ callID, caller: s.UID, callee: calleeUID, meetID, devices: callee.sessions.size }, 'call ringing');
  }

  #get(s: Session, callID: string): Call {
    const c = this.#calls.get(this.#key(s.appID, callID));
    if (!c || (c.callerUID !== s.UID && c.calleeUID !== s.UID)) {
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'no such call');
    }
    return c;
  }

  #calleeDevices(c: Call): Set<Session> {
    return this.#presence.peek(c.appID, c.calleeUID)?.sessions ?? new Set();
  }

  accept(s: Session, callID: string, usrExtDat: string): void {
    const c = this.#get(s, callID);
    if (c.calleeUID !== s.UID || c.state !== 'ringing')
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'call not ringing here');
    c.state = 'accepted';
    c.calleeSession = s;
    this.#clearTimer(c);
    this.#rooms.grant(c.meet.ID, c.calleeUID);
    const now = Date.now();
    this.#store.updateCall(c.appID, callID, { answerAt: now, outcome: 'ongoing' });
    c.callerSession.notify('callAccepted', { callID, meetObj: this.#freshMeet(c), usrExtDat });
    for (const d of this.#calleeDevices(c)) if (d !== s) d.notify('callHungup', { callID, usrExtDat: '' });
    this.#log.info({ callID, caller: c.callerUID, callee: c.calleeUID }, 'call accepted');
  }

  #freshMeet(c: Call): MeetObj {
    try {
      return this.#rooms.meetObj(c.appID, c.meet.ID);
    } catch {
      return c.meet;
    }
  }

  reject(s: Session, callID: string, usrExtDat: string): void {
    const c = this.#get(s, callID);
    if (c.calleeUID !== s.UID || c.state !== 'ringing')
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'call not ringing here');
    this.#end(c, 'rejected', SdkErr.ERR_REFUSE, 'rejected');
    c.callerSession.notify('callRejected', { callID, sdkErr: SdkErr.ERR_REFUSE, usrExtDat });
    for (const d of this.#calleeDevices(c)) if (d !== s) d.notify('callHungup', { callID, usrExtDat: '' });
  }

  hangup(s: Session, callID: string, usrExtDat: string): void {
    const c = this.#get(s, callID);
    const isCaller = c.callerSession === s;
    if (c.state === 'ringing') {
      if (isCaller) {
        this.#end(c, 'cancelled', 0, 'cancelled by caller');
        for (const d of this.#calleeDevices(c)) d.notify('callHungup', { callID, usrExtDat });
        return;
      }
      if (c.calleeUID === s.UID) return this.reject(s, callID, usrExtDat);
    } else if (isCaller || c.calleeSession === s) {
      this.#end(c, 'answered', 0, isCaller ? 'hung up by caller' : 'hung up by callee');
      (isCaller ? c.calleeSession : c.callerSession)?.notify('callHungup', { callID, usrExtDat });
      return;
    }
    throw new CRVideoError(SdkErr.INVALID_CALLID, 'this device is not in that call');
  }

  #noAnswer(c: Call): void {
    if (c.state !== 'ringing') return;
    this.#end(c, 'missed', SdkErr.ERR_NOANSWER, 'no answer');
    c.callerSession.notify('callRejected', { callID: c.callID, sdkErr: SdkErr.ERR_NOANSWER, usrExtDat: '' });
    for (const d of this.#calleeDevices(c)) d.notify('callHungup', { callID: c.callID, usrExtDat: '' });
  }

  /** A device's session ended (logout, kicked, grace expired): end what it held. */
  sessionEnded(s: Session): void {
    for (const c of [...this.#userCalls(s.appID, s.UID)]) {
      if (c.callerSession === s) {
        const wasRinging = c.state === 'ringing';
        this.#end(
          c,
          wasRinging ? 'cancelled' : 'answered',
          wasRinging ? SdkErr.CONNECTIONLOST : 0,
          'caller went offline',
        );
        if (wasRinging)
          for (const d of this.#calleeDevices(c)) d.notify('callHungup', { callID: c.callID, usrExtDat: '' });
        else c.calleeSession?.notify('callHungup', { callID: c.callID, usrExtDat: '' });
      } else if (c.calleeSession === s) {
        this.#end(c, 'answered', 0, 'callee went offline');
        c.callerSession.notify('callHungup', { callID: c.callID, usrExtDat: '' });
      } else if (c.state === 'ringing' && c.calleeUID === s.UID) {
        const others = [...this.#calleeDevices(c)].filter((d) => d !== s && !d.ended);
        if (others.length > 0) continue;
        this.#end(c, 'failed', SdkErr.ERR_OFFLINE, 'callee went offline while ringing');
        c.callerSession.notify('callRejected', { callID: c.callID, sdkErr: SdkErr.ERR_OFFLINE, usrExtDat: '' });
      }
    }
  }

  #clearTimer(c: Call): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
  }

  #end(c: Call, outcome: CallOutcome, sdkErr: number, why: string): void {
    if (c.state === 'ended') return;
    c.state = 'ended';
    this.#clearTimer(c);
    this.#calls.delete(this.#key(c.appID, c.callID));
    this.#store.updateCall(c.appID, c.callID, { endAt: Date.now(), outcome, sdkErr });
    this.#link(c, c.callerUID, false);
    this.#link(c, c.calleeUID, false);
    this.#log.info(
      { callID: c.callID, caller: c.callerUID, callee: c.calleeUID, outcome, sdkErr },
      `call ended: ${why}`,
    );
  }

  /** Ends every live call (server shutdown). */
  closeAll(): void {
    for (const c of [...this.#calls.values()])
      this.#end(c, c.state === 'accepted' ? 'answered' : 'failed', 0, 'server closing');
  }

  liveCount(): number {
    return this.#calls.size;
  }

  isBusy(u: LiveUser): boolean {
    return this.#userCalls(u.appID, u.UID).size > 0;
  }
}
