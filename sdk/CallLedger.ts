import type { MeetObj } from '../protocol/index.js';
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
  }

  /** Feeds one fired callback (every one the SDK fires passes here). */
  observe(name: CallbackName, args: readonly unknown[]): void {
    const callID = typeof args[0] === 'string' ? args[0] : null;
    switch (name) {
      case 'CRVideo_LoginSuccess':
        this.#calls.clear();
        this.#settled.clear();
        this.#dialed.clear();
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
      case 'CRVideo_CallFail':
        if (callID) this.#dialed.delete(callID);
        if (callID) this.#forget(callID);
        return;
      case 'CRVideo_NotifyCallRejected':
      case 'CRVideo_NotifyCallHungup':
      case 'CRVideo_HangupCallSuccess':
      case 'CRVideo_RejectCallSuccess':
        if (callID) this.#forget(callID);
        return;
      default:
        return;
    }
  }

  #forget(callID: string): void {
    if (!this.#calls.delete(callID)) return;
    this.#settled.add(callID);
    if (this.#settled.size > SETTLED_MEMORY) {
      const oldest = this.#settled.values().next().value;
      if (oldest !== undefined) this.#settled.delete(oldest);
    }
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
