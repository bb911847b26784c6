import type { CallbackName } from './api.js';

/** A call as the app believes in it, learnt from the callbacks it was given. */
export interface BelievedCall {
  readonly callID: string;
  readonly role: 'caller' | 'callee';
  state: 'ringing' | 'accepted';
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

  /** Feeds one fired callback (every one the SDK fires passes here). */
  observe(name: CallbackName, args: readonly unknown[]): void {
    const callID = typeof args[0] === 'string' ? args[0] : null;
    switch (name) {
      case 'CRVideo_LoginSuccess':
        this.#calls.clear();
        this.#settled.clear();
        return;
      case 'CRVideo_CallSuccess':
        if (callID) this.#calls.set(callID, { callID, role: 'caller', state: 'ringing' });
        return;
      case 'CRVideo_NotifyCallIn':
        if (callID) this.#calls.set(callID, { callID, role: 'callee', state: 'ringing' });
        return;
      case 'CRVideo_NotifyCallAccepted':
      case 'CRVideo_AcceptCallSuccess': {
        const c = callID ? this.#calls.get(callID) : undefined;
        if (c) c.state = 'accepted';
        return;
      }
      case 'CRVideo_CallFail':
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
