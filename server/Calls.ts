import type { Logger } from 'pino';
import { type CallOutcome, CRVideoError, type LiveCall, type MeetObj, SdkErr } from '../protocol/index.js';
import { contained } from './contain.js';
import { EnhancedEventEmitter } from './EnhancedEventEmitter.js';
import type { Presence } from './Presence.js';
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
  /** The call's room: the caller's, or the one the callee answered with. */
  meet: MeetObj;
  readonly usrExtDat: string;
  state: CallState;
  timer: NodeJS.Timeout | null;
}

/** What Calls tells its listeners: ring-time media follows the call, Presence counts the parties. */
export type CallsEvents = {
  /** The callee's device `by` answered. */
  accepted: [{ callID: string; appID: string; meetID: number; by: Session }];
  /** The call is over (`answered`: it had been accepted). */
  ended: [{ callID: string; appID: string; meetID: number; answered: boolean }];
  /** A user became a party of a live call (its caller or callee, as it starts ringing). */
  partyJoined: [{ appID: string; UID: string; callID: string }];
  /** A user is no longer a party of that call (it ended). */
  partyLeft: [{ appID: string; UID: string; callID: string }];
};

export interface CallsOptions {
  /** No answer within this time: 604 for the caller, the call is missed. */
  callTimeoutMs: number;
  /** Failed calls to one callee with one code within this time share one record (default 10 min). */
  failedCallMergeMs?: number;
}

/** The call state machine: ringing → accepted → ended, or ringing → rejected / missed / cancelled. */
export class Calls extends EnhancedEventEmitter<CallsEvents> {
  readonly #calls = new Map<string, Call>();
  /** Live calls per user key (`appID\0UID`). */
  readonly #byUser = new Map<string, Set<Call>>();
  readonly #store: Store;
  readonly #presence: Presence;
  readonly #rooms: Rooms;
  readonly #opts: CallsOptions;
  readonly #log: Logger;

  /** `presence` is only read here (who is online, on which devices, in DND); Presence follows our events. */
  constructor(store: Store, presence: Presence, rooms: Rooms, opts: CallsOptions, log: Logger) {
    const callsLog = log.child({ mod: 'Calls' });
    super(callsLog);
    this.#store = store;
    this.#presence = presence;
    this.#rooms = rooms;
    this.#opts = opts;
    this.#log = callsLog;
  }

  /**
   * The room of call `callID` if it rings and `s` is its caller device or one of the callee's devices
   * (who may prepare media there); otherwise 603 (INVALID_CALLID).
   */
  ringingRoomFor(s: Session, callID: string): number {
    const c = this.#get(s, callID);
    if (c.state !== 'ringing' || (c.callerSession !== s && c.calleeUID !== s.UID)) {
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'call not ringing on this device');
    }
    return c.meet.ID;
  }

  /** Whether `s` is the device that placed call `callID`. */
  isCallerSession(s: Session, callID: string): boolean {
    return this.#calls.get(this.#key(s.appID, callID))?.callerSession === s;
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
    this.safeEmit(on ? 'partyJoined' : 'partyLeft', { appID: c.appID, UID, callID: c.callID });
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
    // A call to a UID that does not exist is nobody's history: logged, never stored. A disk too full
    // for the record (902) does not hide the real reason from the caller.
    if (code !== SdkErr.ERR_USER_NOT_FOUND) {
      try {
        this.#record(s, callID, calleeUID, meetID, usrExtDat, 'failed', code);
      } catch (err) {
        if (CRVideoError.codeOf(err) !== SdkErr.RECORD_NO_DISK) throw err;
      }
    }
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
    const row = {
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
    };
    if (outcome === 'failed') this.#store.insertFailedCall(row, this.#opts.failedCallMergeMs ?? 600_000);
    else this.#store.insertCall(row);
  }

  /** `CRVideo_Call`: rings every device of the callee; resolves once they ring. */
  call(s: Session, callID: string, calleeUID: string, meetID: number, usrExtDat: string): void {
    if (calleeUID === s.UID) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'cannot call yourself');
    if (this.#calls.has(this.#key(s.appID, callID)))
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'callID already used');
    const meet = this.#rooms.meetObjFor(s, meetID);
    const callee = this.#presence.peek(s.appID, calleeUID);
    // Someone online exists (in a cluster they may have signed in on another node only).
    if (!(callee && callee.sessions.size > 0) && !this.#store.getUser(s.appID, calleeUID)) {
      this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_USER_NOT_FOUND, 'no such user');
    }
    if (!callee || callee.sessions.size === 0) {
      this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_OFFLINE, 'callee offline');
    }
    for (const c of this.#userCalls(s.appID, s.UID)) {
      if (c.callerUID === calleeUID || c.calleeUID === calleeUID) {
        this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_CALL_EXIST, 'a call with this user exists');
      }
    }
    if (callee.DND !== 0) this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_BUSY, 'callee in DND');
    // A ringing callee is busy. One in an accepted call is busy too (CloudRoom), unless a device of theirs
    // turned call waiting on: then it rings there.
    const waiting = [...callee.sessions].some((d) => d.callWaiting);
    // In a call that lives on another node of the cluster: busy too, unless call waiting is on.
    if (callee.remoteInCall > 0 && !waiting)
      this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_BUSY, 'callee busy');
    for (const c of this.#userCalls(s.appID, calleeUID)) {
      if (c.state === 'ringing' || !waiting)
        this.#fail(s, callID, calleeUID, meetID, usrExtDat, SdkErr.ERR_BUSY, 'callee busy');
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
    this.#record(s, callID, calleeUID, meetID, usrExtDat, 'ringing', SdkErr.NOERR);
    this.#calls.set(this.#key(s.appID, callID), call);
    this.#link(call, s.UID, true);
    this.#link(call, calleeUID, true);
    call.timer = setTimeout(
      contained(this.#log, { callID: call.callID, timer: 'noAnswer' }, () => this.#noAnswer(call)),
      this.#opts.callTimeoutMs,
    );
    call.timer.unref?.();
    const inCall = this.#userCalls(s.appID, calleeUID).size > 1;
    for (const d of callee.sessions) {
      if (inCall && !d.callWaiting) continue;
      d.notify('callIn', { callID, meetObj: meet, callerID: s.UID, usrExtDat });
    }
    this.#log.info({ callID, caller: s.UID, callee: calleeUID, meetID, devices: callee.sessions.size }, 'call ringing');
  }

  #get(s: Session, callID: string): Call {
    const c = this.#calls.get(this.#key(s.appID, callID));
    if (!c || (c.callerUID !== s.UID && c.calleeUID !== s.UID)) {
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'no such call');
    }
    return c;
  }

  #calleeDevices(c: Call): ReadonlySet<Session> {
    return this.#presence.peek(c.appID, c.calleeUID)?.sessions ?? new Set();
  }

  accept(s: Session, callID: string, usrExtDat: string, calleeMeetID?: number): void {
    const c = this.#get(s, callID);
    if (c.calleeUID !== s.UID || c.state !== 'ringing')
      throw new CRVideoError(SdkErr.INVALID_CALLID, 'call not ringing here');
    if (calleeMeetID !== undefined && calleeMeetID !== c.meet.ID) {
      // The callee answers with its own room: both meet there.
      const meet = this.#rooms.meetObj(s.appID, calleeMeetID);
      if (!this.#rooms.mayEnter(calleeMeetID, s.UID))
        throw new CRVideoError(SdkErr.AUTHERROR, 'callee may not use this room');
      this.#rooms.grant(calleeMeetID, c.callerUID);
      c.meet = meet;
      this.#log.info({ callID, meetID: calleeMeetID }, 'callee answers with its own room');
    }
    c.state = 'accepted';
    c.calleeSession = s;
    this.#clearTimer(c);
    this.#rooms.grant(c.meet.ID, c.calleeUID);
    const now = Date.now();
    this.#store.updateCall(c.appID, callID, { answerAt: now, outcome: 'ongoing' });
    c.callerSession.notify('callAccepted', { callID, meetObj: this.#freshMeet(c), usrExtDat });
    for (const d of this.#calleeDevices(c)) if (d !== s) d.notify('callHungup', { callID, usrExtDat: '' });
    this.#log.info({ callID, caller: c.callerUID, callee: c.calleeUID }, 'call accepted');
    this.safeEmit('accepted', { callID, appID: c.appID, meetID: c.meet.ID, by: s });
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
        this.#end(c, 'cancelled', SdkErr.NOERR, 'cancelled by caller');
        for (const d of this.#calleeDevices(c)) d.notify('callHungup', { callID, usrExtDat });
        return;
      }
      if (c.calleeUID === s.UID) return this.reject(s, callID, usrExtDat);
    } else if (isCaller || c.calleeSession === s) {
      this.#end(c, 'answered', SdkErr.NOERR, isCaller ? 'hung up by caller' : 'hung up by callee');
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

  /**
   * A device's session ended (logout, kicked, grace expired): end what it held. `linkLost`: it ended
   * because its link was lost (grace passed, server closing), told to the others as sdkErr 207.
   */
  sessionEnded(s: Session, linkLost = false): void {
    const lost = linkLost ? { sdkErr: SdkErr.CONNECTIONLOST } : {};
    for (const c of [...this.#userCalls(s.appID, s.UID)]) {
      if (c.callerSession === s) {
        const wasRinging = c.state === 'ringing';
        this.#end(
          c,
          wasRinging ? 'cancelled' : 'answered',
          wasRinging ? SdkErr.CONNECTIONLOST : SdkErr.NOERR,
          'caller went offline',
        );
        if (wasRinging)
          for (const d of this.#calleeDevices(c)) d.notify('callHungup', { callID: c.callID, usrExtDat: '', ...lost });
        else c.calleeSession?.notify('callHungup', { callID: c.callID, usrExtDat: '', ...lost });
      } else if (c.calleeSession === s) {
        this.#end(c, 'answered', SdkErr.NOERR, 'callee went offline');
        c.callerSession.notify('callHungup', { callID: c.callID, usrExtDat: '', ...lost });
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
    const answered = c.state === 'accepted';
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
    this.safeEmit('ended', { callID: c.callID, appID: c.appID, meetID: c.meet.ID, answered });
  }

  /** Ends every live call (server shutdown). */
  closeAll(): void {
    for (const c of [...this.#calls.values()])
      this.#end(c, c.state === 'accepted' ? 'answered' : 'failed', SdkErr.NOERR, 'server closing');
  }

  /** The calls this device takes part in, or that ring for its user (what the SDK may keep after a re-login). */
  liveFor(s: Session): LiveCall[] {
    const out: LiveCall[] = [];
    for (const c of this.#userCalls(s.appID, s.UID)) {
      const state = c.state === 'accepted' ? 'accepted' : 'ringing';
      if (c.callerSession === s) out.push({ callID: c.callID, state, role: 'caller' });
      else if (c.calleeSession === s || (c.state === 'ringing' && c.calleeUID === s.UID))
        out.push({ callID: c.callID, state, role: 'callee' });
    }
    return out;
  }

  liveCount(): number {
    return this.#calls.size;
  }

  /** Live calls (ringing or answered) this user placed. */
  outgoingCount(appID: string, UID: string): number {
    let n = 0;
    for (const c of this.#userCalls(appID, UID)) if (c.callerUID === UID) n++;
    return n;
  }

  /** The caller of a call this session may act on as callee, if any (read before `reject`). */
  callerOf(s: Session, callID: string): string | undefined {
    const c = this.#calls.get(this.#key(s.appID, callID));
    return c && c.calleeUID === s.UID && c.state === 'ringing' ? c.callerUID : undefined;
  }
}
