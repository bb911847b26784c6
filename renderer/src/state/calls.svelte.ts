import type { MeetObj } from '../../../protocol/schemas.js';
import type { MessageKey } from '../i18n/en.js';
import { cookie, crv, on } from '../lib/crvideo.js';
import type { ToneKind } from '../lib/tones.js';
import { presence } from './presence.svelte.js';
import { room } from './room.svelte.js';
import { session } from './session.svelte.js';

/** The call this user is placing. `invite` = calling someone into the room we already sit in. */
export interface Outgoing {
  calleeUID: string;
  note: string;
  invite: boolean;
  phase: 'creating' | 'calling' | 'ringing' | 'failed' | 'cancelled';
  callID: string | null;
  meetObj: MeetObj | null;
  /** Why it failed: a CallFail / NotifyCallRejected code, or a CreateMeetingFail code when `roomFailed`. */
  code: number | null;
  roomFailed: boolean;
}

/** A call ringing at this user. */
export interface Incoming {
  callID: string;
  meetObj: MeetObj;
  callerID: string;
  note: string;
  /** Accept was pressed and AcceptCallSuccess has not arrived yet. */
  accepting: boolean;
}

/** An accepted call (one per other party in the room). */
export interface ActiveCall {
  callID: string;
  peerUID: string;
  meetObj: MeetObj;
  direction: 'in' | 'out';
}

/** A short message for the home / room screen. */
export interface CallNotice {
  key: MessageKey;
  params?: Record<string, string | number>;
  /** sdkErr to put into `{error}` in words. */
  code?: number;
  /** Offer to call this user back (a call lost to a network problem). */
  callBack?: string;
}

/**
 * The call state machine of the UI, on top of the CRVideo call API:
 * caller CreateMeeting → Call → (CallSuccess: ringing) → NotifyCallAccepted → EnterMeeting3;
 * callee NotifyCallIn → AcceptCall → AcceptCallSuccess → EnterMeeting3; HungupCall + ExitMeeting to end.
 */
export class Calls {
  outgoing = $state<Outgoing | null>(null);
  incoming = $state<Incoming[]>([]);
  active = $state<ActiveCall[]>([]);
  notice = $state<CallNotice | null>(null);

  #createCookie = '';
  /** Who was signed in when the current notice was given. */
  #noticeOwner = '';
  #callCookie = '';
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;
  #outgoingTimer: ReturnType<typeof setTimeout> | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  /** Seconds each active call's peer has looked idle or offline in presence. */
  #idleStrikes = new Map<string, number>();

  /** True while the user is in (or entering) a call's room. */
  readonly inCall = $derived(this.active.length > 0);
  /** The call shown full-size: only when nothing else is going on. Others become call-waiting banners. */
  readonly ringing = $derived(!this.inCall && !this.#outgoingBusy() ? (this.incoming[0] ?? null) : null);
  readonly waiting = $derived(this.incoming.filter((c) => c.callID !== this.ringing?.callID));

  readonly tone = $derived.by((): ToneKind | null => {
    if (this.ringing && !this.ringing.accepting) return 'ringtone';
    if (this.waiting.some((c) => !c.accepting)) return 'waiting';
    if (this.outgoing?.phase === 'ringing') return 'ringback';
    return null;
  });

  constructor() {
    on('CRVideo_CreateMeetingSuccess', (meetObj, c) => this.#onRoomCreated(meetObj, c));
    on('CRVideo_CreateMeetingFail', (code, c) => {
      const o = this.outgoing;
      if (c !== this.#createCookie || !o || o.phase === 'cancelled') return;
      this.outgoing = { ...o, phase: 'failed', code, roomFailed: true };
    });
    // A call the desktop placed for a crvideo:// link: shown like one placed here; its results carry no cookie.
    on('CRVideo_NotifyCallOut', (callID, calleeUID, meetObj, usrExtDat) => {
      if (this.#outgoingBusy()) return;
      this.dismissNotice();
      this.outgoing = {
        calleeUID,
        note: usrExtDat,
        invite: false,
        phase: 'calling',
        callID,
        meetObj,
        code: null,
        roomFailed: false,
      };
    });
    on('CRVideo_CallSuccess', (callID, c) => {
      const o = this.outgoing;
      if ((c !== this.#callCookie && o?.callID !== callID) || !o || o.phase !== 'calling') return;
      this.outgoing = { ...o, callID, phase: 'ringing' };
    });
    on('CRVideo_CallFail', (callID, code, c) => {
      const o = this.outgoing;
      if ((c !== this.#callCookie && o?.callID !== callID) || !o || o.phase === 'cancelled') return;
      console.info(`[ui] call failed callID=${callID} sdkErr=${code}`);
      this.#outgoingFailed(code);
    });
    on('CRVideo_NotifyCallRejected', (callID, code) => {
      if (this.outgoing?.callID !== callID || this.outgoing.phase === 'cancelled') return;
      console.info(`[ui] call rejected callID=${callID} sdkErr=${code}`);
      this.#outgoingFailed(code);
    });
    on('CRVideo_NotifyCallAccepted', (callID, meetObj) => this.#onAccepted(callID, meetObj));
    on('CRVideo_NotifyCallIn', (callID, meetObj, callerID, usrExtDat) => {
      if (this.incoming.some((c) => c.callID === callID)) return;
      console.info(`[ui] incoming callID=${callID} from=${callerID}`);
      this.incoming = [...this.incoming, { callID, meetObj, callerID, note: usrExtDat, accepting: false }];
    });
    on('CRVideo_AcceptCallSuccess', (callID) => this.#onAcceptSucceeded(callID));
    on('CRVideo_AcceptCallFail', (callID, code) => {
      if (!this.incoming.some((c) => c.callID === callID)) return;
      this.incoming = this.incoming.filter((c) => c.callID !== callID);
      this.#notify({ key: 'in.failed', code });
    });
    // 207: the call ended because a link was lost (ours or the peer's); while reconnecting it is ours.
    const hungup = (callID: string, _usrExtDat: string, sdkErr?: number) =>
      this.#onHungup(callID, sdkErr === 207 || session.reconnecting);
    on('CRVideo_NotifyCallHungup', hungup);
    on('CRVideo_NotifyCallHangup', hungup);
    on('CRVideo_MeetingStopped', () => {
      if (!this.inCall) return;
      this.active = [];
      room.leave();
      this.#notify({ key: 'room.stopped' });
    });
    session.onSignedOut(() => this.#reset());
    session.onSignedIn(() => {
      // The kept "interrupted" notice belongs to the user who lost the call, not to another one.
      if (this.notice?.callBack && this.#noticeOwner !== session.UID) this.dismissNotice();
    });
  }

  /** Calls `UID` (from the list, the dialer or history). In a call, invites them into the same room. */
  dial(UID: string, note = ''): void {
    const uid = UID.trim();
    if (!uid || this.#outgoingBusy()) return;
    this.#clearOutgoingTimer();
    this.dismissNotice();
    const invite = this.inCall && room.meetObj !== null;
    this.outgoing = {
      calleeUID: uid,
      note,
      invite,
      phase: 'creating',
      callID: null,
      meetObj: null,
      code: null,
      roomFailed: false,
    };
    if (invite && room.meetObj) {
      this.#placeCall(room.meetObj);
    } else {
      this.#createCookie = cookie('create');
      console.info(`[ui] creating room to call ${uid}`);
      crv().CRVideo_CreateMeeting(`${session.nickname || session.UID} → ${uid}`, this.#createCookie);
    }
  }

  /** Cancel while connecting or ringing (CRVideo_HungupCall on a ringing call cancels it). */
  cancel(): void {
    const o = this.outgoing;
    if (!o || !this.#outgoingBusy()) return;
    if (o.callID) crv().CRVideo_HungupCall(o.callID, '', cookie('cancel'));
    if (o.meetObj && !o.invite) this.#destroyRoom(o.meetObj);
    console.info(`[ui] call cancelled callID=${o.callID ?? '-'}`);
    this.outgoing = { ...o, phase: 'cancelled' };
    this.#outgoingTimer = setTimeout(() => {
      if (this.outgoing?.phase === 'cancelled') this.outgoing = null;
    }, 4000);
  }

  /** Closes the outcome of a finished outgoing call. */
  dismissOutgoing(): void {
    if (this.outgoing && !this.#outgoingBusy()) this.outgoing = null;
    this.#clearOutgoingTimer();
  }

  dismissNotice(): void {
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
    this.notice = null;
  }

  /** Answers a ringing call; a call already going on (or being placed) is hung up first. */
  accept(callID: string): void {
    const call = this.incoming.find((c) => c.callID === callID);
    if (!call || call.accepting) return;
    if (this.#outgoingBusy()) this.cancel();
    if (this.inCall) this.hangup();
    this.incoming = this.incoming.map((c) => (c.callID === callID ? { ...c, accepting: true } : c));
    console.info(`[ui] accepting callID=${callID}`);
    crv().CRVideo_AcceptCall(callID, call.meetObj, '', cookie('accept'));
  }

  reject(callID: string): void {
    if (!this.incoming.some((c) => c.callID === callID)) return;
    this.incoming = this.incoming.filter((c) => c.callID !== callID);
    console.info(`[ui] rejecting callID=${callID}`);
    crv().CRVideo_RejectCall(callID, '', cookie('reject'));
  }

  /** Ends every accepted call and leaves the room. */
  hangup(): void {
    const api = crv();
    const calls = this.active;
    this.active = [];
    for (const c of calls) {
      console.info(`[ui] hanging up callID=${c.callID}`);
      api.CRVideo_HungupCall(c.callID, '', cookie('hangup'));
    }
    const meetObj = room.meetObj;
    room.leave();
    if (meetObj && meetObj.creator === session.UID) this.#destroyRoom(meetObj);
  }

  #outgoingBusy(): boolean {
    const p = this.outgoing?.phase;
    return p === 'creating' || p === 'calling' || p === 'ringing';
  }

  #onRoomCreated(meetObj: MeetObj, c: unknown): void {
    if (c !== this.#createCookie) return;
    const o = this.outgoing;
    if (o?.phase !== 'creating') {
      // Cancelled while the room was being made: nobody will use it.
      this.#destroyRoom(meetObj);
      return;
    }
    this.#placeCall(meetObj);
  }

  #placeCall(meetObj: MeetObj): void {
    const o = this.outgoing;
    if (!o) return;
    this.outgoing = { ...o, meetObj, phase: 'calling' };
    this.#callCookie = cookie('call');
    const callID = crv().CRVideo_Call(o.calleeUID, meetObj, o.note, this.#callCookie);
    console.info(`[ui] calling ${o.calleeUID} callID=${callID} meetID=${meetObj.ID}`);
    // CallSuccess / CallFail may already have come back synchronously and set it.
    if (this.outgoing && !this.outgoing.callID) this.outgoing = { ...this.outgoing, callID };
  }

  #outgoingFailed(code: number): void {
    const o = this.outgoing;
    if (!o) return;
    this.outgoing = { ...o, phase: 'failed', code };
    if (o.meetObj && !o.invite) this.#destroyRoom(o.meetObj);
    if (o.invite) room.forget(o.calleeUID);
  }

  #onAccepted(callID: string, meetObj: MeetObj): void {
    const o = this.outgoing;
    if (!o || o.callID !== callID || o.phase === 'cancelled') return;
    console.info(`[ui] call accepted callID=${callID}`);
    this.outgoing = null;
    const roomObj = o.meetObj ?? meetObj;
    this.active = [...this.active, { callID, peerUID: o.calleeUID, meetObj: roomObj, direction: 'out' }];
    if (o.invite && room.phase !== 'idle') {
      room.expect(o.calleeUID);
    } else {
      this.#enterRoom(roomObj, [o.calleeUID]);
    }
  }

  #onAcceptSucceeded(callID: string): void {
    const call = this.incoming.find((c) => c.callID === callID);
    if (!call) return;
    this.incoming = this.incoming.filter((c) => c.callID !== callID);
    this.active = [{ callID, peerUID: call.callerID, meetObj: call.meetObj, direction: 'in' }];
    this.#enterRoom(call.meetObj, [call.callerID]);
  }

  #enterRoom(meetObj: MeetObj, peers: string[]): void {
    this.#startWatchdog();
    room.enter(meetObj, peers, (code) => {
      if (code === 0) return;
      this.hangup();
      this.#notify({ key: 'out.enterFailed', code });
    });
  }

  /** "Call back" on the notice of a call lost to a network problem. */
  callBack(): void {
    const uid = this.notice?.callBack;
    if (!uid) return;
    this.dismissNotice();
    this.dial(uid);
  }

  #onHungup(callID: string, lostToNetwork = false): void {
    if (this.incoming.some((c) => c.callID === callID)) {
      // Caller cancelled, the call timed out, or it was answered on another device.
      this.incoming = this.incoming.filter((c) => c.callID !== callID);
      return;
    }
    const call = this.active.find((c) => c.callID === callID);
    if (!call) return;
    console.info(`[ui] peer hung up callID=${callID}`);
    this.active = this.active.filter((c) => c.callID !== callID);
    if (this.active.length > 0) {
      room.forget(call.peerUID);
      return;
    }
    const meetObj = room.meetObj;
    room.leave();
    if (meetObj && meetObj.creator === session.UID) this.#destroyRoom(meetObj);
    if (lostToNetwork) {
      console.warn(`[ui] call interrupted by the network callID=${callID}`);
      this.#notify({ key: 'room.interrupted', callBack: call.peerUID });
    } else this.#notify({ key: 'room.ended' }, 5000);
  }

  /**
   * A call can end without us hearing of it (e.g. the server restarted while we were cut off: the peer
   * was told, we were not). In a call the peer's presence is busy or in a room; if it shows idle or
   * offline for a few seconds, the call is over.
   */
  #startWatchdog(): void {
    if (this.#watchdog) return;
    this.#idleStrikes.clear();
    this.#watchdog = setInterval(() => {
      if (this.active.length === 0) return this.#stopWatchdog();
      if (session.reconnecting) return;
      for (const c of [...this.active]) {
        const status = presence.statusOf(c.peerUID)?.userStatus;
        const idle = status === 0 || status === 1;
        const strikes = idle ? (this.#idleStrikes.get(c.callID) ?? 0) + 1 : 0;
        this.#idleStrikes.set(c.callID, strikes);
        if (strikes >= 5) {
          console.warn(`[ui] peer ${c.peerUID} is no longer in callID=${c.callID}; ending it here`);
          crv().CRVideo_HungupCall(c.callID, '', cookie('hangup-stale'));
          this.#onHungup(c.callID);
        }
      }
    }, 1000);
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
    this.#idleStrikes.clear();
  }

  #destroyRoom(meetObj: MeetObj): void {
    crv().CRVideo_DestroyMeeting(meetObj.ID, cookie('destroy'));
  }

  #notify(n: CallNotice, autoCloseMs?: number): void {
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
    this.notice = n;
    this.#noticeOwner = session.UID;
    if (autoCloseMs) {
      this.#noticeTimer = setTimeout(() => {
        this.#noticeTimer = null;
        this.notice = null;
      }, autoCloseMs);
    }
  }

  #clearOutgoingTimer(): void {
    if (this.#outgoingTimer) clearTimeout(this.#outgoingTimer);
    this.#outgoingTimer = null;
  }

  #reset(): void {
    this.#stopWatchdog();
    // Polite while the line still works (user signing out); harmless when it is gone (LineOff).
    if (this.#outgoingBusy()) this.cancel();
    if (this.inCall) this.hangup();
    room.leave();
    this.#clearOutgoingTimer();
    this.outgoing = null;
    this.incoming = [];
    this.active = [];
    // A call lost to the network stays told through the line-off and the sign-in that follows.
    if (!this.notice?.callBack) this.dismissNotice();
  }
}

export const calls = new Calls();
