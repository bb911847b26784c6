import { SdkErr } from '../../../protocol/errors.js';
import type { MeetObj } from '../../../protocol/schemas.js';
import type { CRVideoAPI } from '../../../sdk/api.js';
import type { ClientSnapshot, ClientStateSource } from '../../../sdk/ClientState.js';
import type { MessageKey } from '../i18n/en.js';
import type { on as onCallback } from '../lib/crvideo.js';
import type { ToneKind } from '../lib/tones.js';
import type { Room } from './room.svelte.js';
import type { Session } from './session.svelte.js';

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

/** What the call store works with, passed in by whoever creates the stores (state/stores.ts, or a test). */
export interface CallsDeps {
  /** The CRVideo API (the globals). */
  api: () => CRVideoAPI;
  /** Subscribes to one CRVideo callback; returns the unsubscribe. */
  on: typeof onCallback;
  /** A fresh cookie, so the store can tell its own results from anyone else's. */
  cookie: (tag: string) => string;
  session: Pick<Session, 'UID' | 'nickname' | 'reconnecting' | 'onSignedIn' | 'onSignedOut'>;
  room: Pick<Room, 'meetObj' | 'phase' | 'enter' | 'leave' | 'expect' | 'forget'>;
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
  readonly #d: CallsDeps;
  #unfollow: (() => void) | null = null;

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

  constructor(deps: CallsDeps) {
    this.#d = deps;
    const { on, session } = deps;
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
      this.#onHungup(callID, sdkErr === SdkErr.CONNECTIONLOST || this.#d.session.reconnecting);
    on('CRVideo_NotifyCallHungup', hungup);
    on('CRVideo_NotifyCallHangup', hungup);
    on('CRVideo_MeetingStopped', () => {
      if (!this.inCall) return;
      this.active = [];
      this.#d.room.leave();
      this.#notify({ key: 'room.stopped' });
    });
    session.onSignedOut(() => this.#reset());
    session.onSignedIn(() => {
      // The kept "interrupted" notice belongs to the user who lost the call, not to another one.
      if (this.notice?.callBack && this.#noticeOwner !== this.#d.session.UID) this.dismissNotice();
    });
  }

  /**
   * Follows the SDK's state model: a call or ring it no longer has is over here too (the SDK keeps it
   * from the server's notices and ends calls lost with the line), so nothing here has to guess.
   */
  follow(state: ClientStateSource): void {
    this.#unfollow?.();
    this.#unfollow = state.subscribe((now) => this.#reconcile(now));
  }

  #reconcile(now: ClientSnapshot): void {
    // Signed out or reconnecting: the session's own callbacks (LineOff, the resumed line) tell.
    if (!now.UID || now.reconnecting || now.UID !== this.#d.session.UID) return;
    const live = new Set(now.calls.map((c) => c.callID));
    if (this.incoming.some((c) => !live.has(c.callID))) {
      this.incoming = this.incoming.filter((c) => live.has(c.callID));
    }
    for (const c of [...this.active]) {
      if (live.has(c.callID)) continue;
      console.warn(`[ui] callID=${c.callID} is over (the SDK no longer has it); ending it here`);
      this.#onHungup(c.callID);
    }
  }

  /** Calls `UID` (from the list, the dialer or history). In a call, invites them into the same room. */
  dial(UID: string, note = ''): void {
    const uid = UID.trim();
    if (!uid || this.#outgoingBusy()) return;
    this.#clearOutgoingTimer();
    this.dismissNotice();
    const invite = this.inCall && this.#d.room.meetObj !== null;
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
    if (invite && this.#d.room.meetObj) {
      this.#placeCall(this.#d.room.meetObj);
    } else {
      this.#createCookie = this.#d.cookie('create');
      console.info(`[ui] creating room to call ${uid}`);
      this.#d
        .api()
        .CRVideo_CreateMeeting(`${this.#d.session.nickname || this.#d.session.UID} → ${uid}`, this.#createCookie);
    }
  }

  /** Cancel while connecting or ringing (CRVideo_HungupCall on a ringing call cancels it). */
  cancel(): void {
    const o = this.outgoing;
    if (!o || !this.#outgoingBusy()) return;
    if (o.callID) this.#d.api().CRVideo_HungupCall(o.callID, '', this.#d.cookie('cancel'));
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
    this.#d.api().CRVideo_AcceptCall(callID, call.meetObj, '', this.#d.cookie('accept'));
  }

  reject(callID: string): void {
    if (!this.incoming.some((c) => c.callID === callID)) return;
    this.incoming = this.incoming.filter((c) => c.callID !== callID);
    console.info(`[ui] rejecting callID=${callID}`);
    this.#d.api().CRVideo_RejectCall(callID, '', this.#d.cookie('reject'));
  }

  /** Ends every accepted call and leaves the room. */
  hangup(): void {
    const api = this.#d.api();
    const calls = this.active;
    this.active = [];
    for (const c of calls) {
      console.info(`[ui] hanging up callID=${c.callID}`);
      api.CRVideo_HungupCall(c.callID, '', this.#d.cookie('hangup'));
    }
    const meetObj = this.#d.room.meetObj;
    this.#d.room.leave();
    if (meetObj && meetObj.creator === this.#d.session.UID) this.#destroyRoom(meetObj);
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
    this.#callCookie = this.#d.cookie('call');
    const callID = this.#d.api().CRVideo_Call(o.calleeUID, meetObj, o.note, this.#callCookie);
    console.info(`[ui] calling ${o.calleeUID} callID=${callID} meetID=${meetObj.ID}`);
    // CallSuccess / CallFail may already have come back synchronously and set it.
    if (this.outgoing && !this.outgoing.callID) this.outgoing = { ...this.outgoing, callID };
  }

  #outgoingFailed(code: number): void {
    const o = this.outgoing;
    if (!o) return;
    this.outgoing = { ...o, phase: 'failed', code };
    if (o.meetObj && !o.invite) this.#destroyRoom(o.meetObj);
    if (o.invite) this.#d.room.forget(o.calleeUID);
  }

  #onAccepted(callID: string, meetObj: MeetObj): void {
    const o = this.outgoing;
    if (!o || o.callID !== callID || o.phase === 'cancelled') return;
    console.info(`[ui] call accepted callID=${callID}`);
    this.outgoing = null;
    const roomObj = o.meetObj ?? meetObj;
    this.active = [...this.active, { callID, peerUID: o.calleeUID, meetObj: roomObj, direction: 'out' }];
    if (o.invite && this.#d.room.phase !== 'idle') {
      this.#d.room.expect(o.calleeUID);
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
    this.#d.room.enter(meetObj, peers, (code) => {
      if (code === SdkErr.NOERR) return;
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
      this.#d.room.forget(call.peerUID);
      return;
    }
    const meetObj = this.#d.room.meetObj;
    this.#d.room.leave();
    if (meetObj && meetObj.creator === this.#d.session.UID) this.#destroyRoom(meetObj);
    if (lostToNetwork) {
      console.warn(`[ui] call interrupted by the network callID=${callID}`);
      this.#notify({ key: 'room.interrupted', callBack: call.peerUID });
    } else this.#notify({ key: 'room.ended' }, 5000);
  }

  #destroyRoom(meetObj: MeetObj): void {
    this.#d.api().CRVideo_DestroyMeeting(meetObj.ID, this.#d.cookie('destroy'));
  }

  #notify(n: CallNotice, autoCloseMs?: number): void {
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
    this.notice = n;
    this.#noticeOwner = this.#d.session.UID;
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
    // Polite while the line still works (user signing out); harmless when it is gone (LineOff).
    if (this.#outgoingBusy()) this.cancel();
    if (this.inCall) this.hangup();
    this.#d.room.leave();
    this.#clearOutgoingTimer();
    this.outgoing = null;
    this.incoming = [];
    this.active = [];
    // A call lost to the network stays told through the line-off and the sign-in that follows.
    if (!this.notice?.callBack) this.dismissNotice();
  }
}
