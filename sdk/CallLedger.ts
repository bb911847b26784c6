import { type MeetObj, SdkErr } from '../protocol/index.js';
import type { CallbackName } from './api.js';

/** A call as the app believes in it, learnt from the callbacks it was given. */
export interface BelievedCall {
  readonly callID: string;
  readonly role: 'caller' | 'callee';
  state: 'ringing' | 'accepted';
  /** The other party: the callee of our call, or the caller of one ringing here ('' when not known). */
  readonly peerUID: string;
  /** The room of the call (the callee may answer with a room of its own: then that one). */
  meetID: number | null;
  /** The room as the server described it, once it did (incoming ring, accepted notice). */
  meetObj: MeetObj | null;
  /** The caller's note given with the ring. */
  readonly usrExtDat: string;
}

/** What the SDK knows of a call it was asked to place, until CallSuccess / CallFail. */
interface Dialed {
  peerUID: string;
  meetID: number;
  usrExtDat: string;
}

/** How one call the server no longer has is ended towards the app. */
export type GhostEnd =
  | { callback: 'CRVideo_NotifyCallRejected'; callID: string }
  | { callback: 'CRVideo_NotifyCallHungup'; callID: string };

/** Ended calls remembered so a late server notice of the same call is not told twice. */
const SETTLED_MEMORY = 1024;
/** Ended calls the state model shows (newest last): enough for every call one update can end. */
const ENDED_MEMORY = 16;

/**
 * How a call ended, named after the callback that ended it towards the app:
 *  - failed: CRVideo_CallFail, it could not be placed (sdkErr says why);
 *  - rejected: CRVideo_NotifyCallRejected, the callee refused, was busy or did not answer, or the line
 *    lost it while it rang;
 *  - peerHungUp: CRVideo_NotifyCallHungup, the other party hung up (or the line lost the call);
 *  - hungUp: CRVideo_HangupCallSuccess, this device hung up or cancelled its own ringing call;
 *  - declined: CRVideo_RejectCallSuccess, this device refused the ring.
 */
export const CALL_END_REASONS = ['failed', 'rejected', 'peerHungUp', 'hungUp', 'declined'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

/** One call that ended, with why. */
export interface EndedCall {
  readonly callID: string;
  readonly role: 'caller' | 'callee';
  readonly peerUID: string;
  readonly meetID: number | null;
  readonly reason: CallEndReason;
  /** The sdkErr the ending callback carried (NOERR for a plain hang-up). */
  readonly sdkErr: number;
}

/**
 * The calls (and rings) the app believes in, kept from the callbacks the SDK fires, so that after a
 * line-off or a re-login the SDK can end — exactly once — every call the server no longer has
 * ("ghost calls"). Reconciliation rules:
 *  - an outgoing call still ringing ends with `CRVideo_NotifyCallRejected(callID, 207, '')`;
 *  - an incoming ring, or an accepted call either way, ends with `CRVideo_NotifyCallHungup(callID, '')`.
 */
export class CallLedger {
  readonly #calls = new Map<string, BelievedCall>();
  readonly #settled = new Set<string>();
  readonly #dialed = new Map<string, Dialed>();
  #ended: EndedCall[] = [];

  /** The app asked to place this call (CRVideo_Call): who and which room, for when CallSuccess comes. */
  dialing(callID: string, peerUID: string, meetID: number, usrExtDat: string): void {
    this.#dialed.set(callID, { peerUID, meetID, usrExtDat });
  }

  /** The callee answers with a room of its own: both meet there. */
  answeringIn(callID: string, meetID: number): void {
    const c = this.#calls.get(callID);
    if (c) c.meetID = meetID;
  }

  /** Signed out: the calls of that session are nobody's concern any more (none is told as ended). */
  reset(): void {
    this.#calls.clear();
    this.#dialed.clear();
    this.#ended = [];
  }

  /** Feeds one fired callback (every one the SDK fires passes here). */
  observe(name: CallbackName, args: readonly unknown[]): void {
    const callID = typeof args[0] === 'string' ? args[0] : null;
    switch (name) {
      case 'CRVideo_LoginSuccess':
        this.#calls.clear();
        this.#settled.clear();
        this.#dialed.clear();
        this.#ended = [];
        return;
      case 'CRVideo_CallSuccess': {
        if (!callID) return;
        const d = this.#dialed.get(callID);
        this.#dialed.delete(callID);
        this.#calls.set(callID, {
          callID,
          role: 'caller',
          state: 'ringing',
          peerUID: d?.peerUID ?? '',
          meetID: d?.meetID ?? null,
          meetObj: null,
          usrExtDat: d?.usrExtDat ?? '',
        });
        return;
      }
      case 'CRVideo_NotifyCallIn': {
        if (!callID) return;
        const meetObj = isMeetObj(args[1]) ? args[1] : null;
        this.#calls.set(callID, {
          callID,
          role: 'callee',
          state: 'ringing',
          peerUID: typeof args[2] === 'string' ? args[2] : '',
          meetID: meetObj?.ID ?? null,
          meetObj,
          usrExtDat: typeof args[3] === 'string' ? args[3] : '',
        });
        return;
      }
      case 'CRVideo_NotifyCallAccepted':
      case 'CRVideo_AcceptCallSuccess': {
        const c = callID ? this.#calls.get(callID) : undefined;
        if (!c) return;
        c.state = 'accepted';
        if (name === 'CRVideo_NotifyCallAccepted' && isMeetObj(args[1])) {
          c.meetObj = args[1];
          c.meetID = args[1].ID;
        }
        return;
      }
      case 'CRVideo_AcceptCallFail':
      case 'CRVideo_RejectCallFail':
        // The app gave this ring up (its answer failed): no longer ringing here. Not "ended": a later
        // notice of it from the server still reaches the app.
        if (callID) this.#calls.delete(callID);
        return;
      case 'CRVideo_CallFail': {
        if (!callID) return;
        const d = this.#dialed.get(callID);
        this.#dialed.delete(callID);
        // A call that failed before CallSuccess was only dialled: it ends as what the app asked for.
        if (d && !this.#calls.has(callID))
          this.#recordEnd({ callID, role: 'caller', peerUID: d.peerUID, meetID: d.meetID }, 'failed', args[1]);
        this.#forget(callID, 'failed', args[1]);
        return;
      }
      case 'CRVideo_NotifyCallRejected':
        if (callID) this.#forget(callID, 'rejected', args[1]);
        return;
      case 'CRVideo_NotifyCallHungup':
        if (callID) this.#forget(callID, 'peerHungUp', args[2]);
        return;
      case 'CRVideo_HangupCallSuccess':
        if (callID) this.#forget(callID, 'hungUp');
        return;
      case 'CRVideo_RejectCallSuccess':
        if (callID) this.#forget(callID, 'declined');
        return;
      default:
        return;
    }
  }

  #forget(callID: string, reason: CallEndReason, sdkErr?: unknown): void {
    const c = this.#calls.get(callID);
    if (!c) return;
    this.#calls.delete(callID);
    this.#recordEnd(c, reason, sdkErr);
    this.#settled.add(callID);
    if (this.#settled.size > SETTLED_MEMORY) {
      const oldest = this.#settled.values().next().value;
      if (oldest !== undefined) this.#settled.delete(oldest);
    }
  }

  #recordEnd(
    c: Pick<BelievedCall, 'callID' | 'role' | 'peerUID' | 'meetID'>,
    reason: CallEndReason,
    sdkErr: unknown,
  ): void {
    const { callID, role, peerUID, meetID } = c;
    const code = typeof sdkErr === 'number' ? sdkErr : SdkErr.NOERR;
    this.#ended = [...this.#ended, { callID, role, peerUID, meetID, reason, sdkErr: code }].slice(-ENDED_MEMORY);
  }

  /** The last calls that ended (newest last), each with why. */
  get ended(): readonly EndedCall[] {
    return this.#ended;
  }

  /** The calls the app believes in. */
  get calls(): readonly BelievedCall[] {
    return [...this.#calls.values()];
  }

  /** True when the app was already told this call ended (a later notice of it is a duplicate). */
  wasEnded(callID: string): boolean {
    return !this.#calls.has(callID) && this.#settled.has(callID);
  }

  /** The calls to end towards the app: every believed call whose callID the server does not list. */
  ghosts(live: ReadonlySet<string>): GhostEnd[] {
    const out: GhostEnd[] = [];
    for (const c of this.#calls.values()) {
      if (live.has(c.callID)) continue;
      out.push({
        callback:
          c.role === 'caller' && c.state === 'ringing' ? 'CRVideo_NotifyCallRejected' : 'CRVideo_NotifyCallHungup',
        callID: c.callID,
      });
    }
    return out;
  }
}

function isMeetObj(v: unknown): v is MeetObj {
  return typeof v === 'object' && v !== null && typeof (v as { ID?: unknown }).ID === 'number';
}
