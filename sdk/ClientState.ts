import type { MeetObj, UserStatus } from '../protocol/index.js';
import type { CallbackName, CRVideoCallbacks } from './api.js';
import type { CallEndReason, CallLedger } from './CallLedger.js';

export type { CallEndReason } from './CallLedger.js';

import type { Roster } from './Roster.js';
import { TypedEmitter } from './TypedEmitter.js';

/** Own presence as a tray or a status badge shows it. */
export type Presence = 'online' | 'busy' | 'dnd' | 'offline';

/** One call this device takes part in, as the server's notifications and answers left it. */
export interface CallState {
  readonly callID: string;
  /** out: we called; in: it rings (or rang) here. */
  readonly direction: 'out' | 'in';
  readonly peerUID: string;
  /** ringing until the callee answers; accepted after. Ended calls leave the list. */
  readonly state: 'ringing' | 'accepted';
  /** The call's room (null only for a caller's call the SDK did not place itself). */
  readonly meetID: number | null;
  /** The room as the server described it (incoming rings and accepted calls). */
  readonly meetObj: MeetObj | null;
  /** The caller's note. */
  readonly usrExtDat: string;
}

/** One call that ended on this device, and why (the model keeps the last few, newest last). */
export interface EndedCallState {
  readonly callID: string;
  readonly direction: 'out' | 'in';
  readonly peerUID: string;
  /** The call's room (the room the caller made for it), null when not known. */
  readonly meetID: number | null;
  readonly reason: CallEndReason;
  /** The sdkErr the end carried (0 for a plain hang-up; e.g. 605 for a call to nobody). */
  readonly sdkErr: number;
}

/** One member of the room we sit in. */
export interface RoomMemberState {
  readonly UID: string;
  readonly nickname: string;
  readonly audioStatus: number;
  readonly videoStatus: number;
}

export interface RoomState {
  readonly meetID: number;
  readonly members: RoomMemberState[];
}

/** Everything the client knows of its own state, in one plain (structured-clone-safe) object. */
export interface ClientSnapshot {
  /** The signed-in UID, '' when signed out. */
  readonly UID: string;
  /** The line dropped and the SDK is reconnecting (the session is kept meanwhile). */
  readonly reconnecting: boolean;
  readonly dnd: boolean;
  /**
   * Own status as the server counts it: 0 offline, 1 online, 2 busy (a call ringing or going on), 3 in a
   * room. From this device's calls and room, and from the server's word when it tells us (another
   * device of ours in a call).
   */
  readonly userStatus: 0 | 1 | 2 | 3;
  readonly presence: Presence;
  readonly calls: CallState[];
  /**
   * The last calls that ended here (at most 16, newest last), each with its reason: a subscriber learns
   * that and how a call ended from the model instead of from the callbacks that end calls.
   */
  readonly ended: EndedCallState[];
  readonly room: RoomState | null;
}

export const SIGNED_OUT: ClientSnapshot = Object.freeze({
  UID: '',
  reconnecting: false,
  dnd: false,
  userStatus: 0,
  presence: 'offline',
  calls: [],
  ended: [],
  room: null,
});

/** A read-only view of the model with a typed subscription: what main, the bridge and the renderer use. */
export interface ClientStateSource {
  readonly snapshot: ClientSnapshot;
  /** Called after every change with the new and the previous snapshot; returns the unsubscribe. */
  subscribe(listener: (now: ClientSnapshot, before: ClientSnapshot) => void): () => void;
}

export interface ClientStateEvents {
  /** Anything of the snapshot changed (energy levels are not part of it). */
  changed: [now: ClientSnapshot, before: ClientSnapshot];
}

/** What the core tells the model that no callback says (room entered / left, sign-out). */
export interface ClientStateInputs {
  readonly ledger: CallLedger;
  readonly roster: Roster;
  /** The room the core sits in, or null. */
  readonly meetID: () => number | null;
  readonly log?: (msg: string, extra?: unknown) => void;
}

/**
 * The client-side state model: own presence and DND, the current calls with their states, the room and
 * its members. The SDK core keeps it from the server's notifications and answers (through the
 * callbacks it fires, which every piece of state follows once: the call ledger, the roster) and calls
 * `update()` after anything that may have changed it; subscribers get one `changed` per change.
 * Nothing here guesses or polls: no timers.
 */
export class ClientState extends TypedEmitter<ClientStateEvents> implements ClientStateSource {
  readonly #in: ClientStateInputs;
  #UID = '';
  #dnd = false;
  /** Grows with every DND change the model hears of, so an answer asked for before one cannot undo it. */
  #dndVersion = 0;
  #reconnecting = false;
  /** The server's last word on our own status, until our own calls or room move it again. */
  #reported: 0 | 1 | 2 | 3 | null = null;
  #derived: 0 | 1 | 2 | 3 = 0;
  #snapshot: ClientSnapshot = SIGNED_OUT;
  #key = JSON.stringify(SIGNED_OUT);
  #updating = false;
  #again = false;

  constructor(inputs: ClientStateInputs) {
    const log = inputs.log ?? ((msg: string, extra?: unknown) => console.warn(`[CRVideo] ${msg}`, extra ?? ''));
    super((what, err) => log(`client state ${what}`, err));
    this.#in = inputs;
  }

  get snapshot(): ClientSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: (now: ClientSnapshot, before: ClientSnapshot) => void): () => void {
    return this.on('changed', listener);
  }

  /** Signed in as UID, or out (''); DND starts off (the server's default at login). */
  setSession(UID: string): void {
    this.#UID = UID;
    this.#dnd = false;
    this.#reconnecting = false;
    this.#reported = null;
  }

  /** Own DND as the server confirmed it (SetDNDStatus answered, or its dndChanged notice). */
  setDND(DNDStatus: number): void {
    this.#dnd = DNDStatus !== 0;
    this.#dndVersion++;
  }

  /** Changes with every DND change heard of (see `report`'s `dndVersion`). */
  get dndVersion(): number {
    return this.#dndVersion;
  }

  /** Feeds one callback the SDK fired (the server's notices and answers, as the app sees them). */
  observe<K extends CallbackName>(name: K, args: CRVideoCallbacks[K]): void {
    switch (name) {
      case 'CRVideo_NotifyReconnecting':
        this.#reconnecting = (args as CRVideoCallbacks['CRVideo_NotifyReconnecting'])[0];
        return;
      case 'CRVideo_NotifyDNDStatus':
        this.setDND((args as CRVideoCallbacks['CRVideo_NotifyDNDStatus'])[0]);
        return;
      case 'CRVideo_NotifyUserStatus':
        this.report((args as CRVideoCallbacks['CRVideo_NotifyUserStatus'])[0]);
        return;
      case 'CRVideo_GetUserStatusSuccess':
        for (const s of (args as CRVideoCallbacks['CRVideo_GetUserStatusSuccess'])[0]) this.report(s);
        return;
      default:
        return;
    }
  }

  /** Recomputes the snapshot; tells the subscribers once if it changed. Re-entrant calls are folded in. */
  update(): void {
    if (this.#updating) {
      this.#again = true;
      return;
    }
    this.#updating = true;
    try {
      do {
        this.#again = false;
        const next = this.#build();
        const key = JSON.stringify(next);
        if (key === this.#key) continue;
        const before = this.#snapshot;
        this.#snapshot = next;
        this.#key = key;
        this.safeEmit('changed', next, before);
      } while (this.#again);
    } finally {
      this.#updating = false;
    }
  }

  close(): void {
    this.removeAllListeners();
  }

  /** The server's word on a user's status: ours (any device of ours) is taken as it is; others are ignored. */
  report(s: UserStatus, dndVersion?: number): void {
    if (!this.#UID || s?.userID !== this.#UID) return;
    this.#reported = s.userStatus;
    // An answer to a question asked before a DND change is older than that change: its DND is not taken.
    if (dndVersion === undefined || dndVersion === this.#dndVersion) this.setDND(s.DNDType);
  }

  #build(): ClientSnapshot {
    if (!this.#UID) return SIGNED_OUT;
    const meetID = this.#in.meetID();
    const calls: CallState[] = this.#in.ledger.calls.map((c) => ({
      callID: c.callID,
      direction: c.role === 'caller' ? 'out' : 'in',
      peerUID: c.peerUID,
      state: c.state,
      meetID: c.meetID,
      meetObj: c.meetObj,
      usrExtDat: c.usrExtDat,
    }));
    const ended: EndedCallState[] = this.#in.ledger.ended.map((c) => ({
      callID: c.callID,
      direction: c.role === 'caller' ? 'out' : 'in',
      peerUID: c.peerUID,
      meetID: c.meetID,
      reason: c.reason,
      sdkErr: c.sdkErr,
    }));
    const room: RoomState | null =
      meetID === null
        ? null
        : {
            meetID,
            members: this.#in.roster.list().map((m) => ({
              UID: m.UID,
              nickname: m.nickname,
              audioStatus: m.audioStatus,
              videoStatus: m.videoStatus,
            })),
          };
    // As the server counts it (server/Presence.ts): a room wins over a call, a call over being idle.
    const derived = room ? 3 : calls.length > 0 ? 2 : 1;
    if (derived !== this.#derived) {
      this.#derived = derived;
      this.#reported = null; // our own move is newer than what the server said before it
    }
    const userStatus = this.#reported ?? derived;
    const presence: Presence = this.#dnd ? 'dnd' : userStatus >= 2 ? 'busy' : 'online';
    return {
      UID: this.#UID,
      reconnecting: this.#reconnecting,
      dnd: this.#dnd,
      userStatus,
      presence,
      calls,
      ended,
      room,
    };
  }
}
