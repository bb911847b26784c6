import { CRVideoError, type MeetObj } from '../../protocol/index.js';
import type { ClientSnapshot } from '../../sdk/ClientState.js';
import { newCallID } from '../../sdk/CRVideoClient.js';
import type { CoreHost } from './CoreHost.js';
import type { CallLink } from './DeepLink.js';
import { Emitter } from './Emitter.js';
import { createLog } from './log.js';

const log = createLog('Dialer');

export interface DialerEvents {
  /** A call was placed for a link (callID, callee, room). */
  placed: [callID: string, UID: string, meetObj: MeetObj];
  failed: [UID: string, sdkErr: number];
  /** The room of a link call that failed or was refused is gone again. */
  roomDestroyed: [meetID: number];
}

export interface DialerOptions {
  host: CoreHost;
  showWindow: () => void;
  /** Fires a callback in the page (CRVideo_NotifyCallOut, so it shows the outgoing call). */
  notifyPage: (name: string, args: unknown[]) => void;
}

/**
 * Places calls for `crvideo://call/UID` links: creates a room, calls the user into it under a fresh
 * callID and tells the page (`CRVideo_NotifyCallOut`), whose CallSuccess / CallFail and the callee's
 * answer then follow as usual. A link that arrives signed out waits for the next sign-in. How the call
 * went (accepted, or ended and why) it reads from the SDK's state model (`host.state`).
 */
export class Dialer extends Emitter<DialerEvents> {
  readonly #o: DialerOptions;
  #pending: CallLink | null = null;
  /** Rooms made for link calls, by callID: destroyed again when the call fails or is refused. */
  readonly #rooms = new Map<string, number>();
  readonly #off: Array<() => void> = [];

  static create(options: DialerOptions): Dialer {
    return new Dialer(options);
  }

  private constructor(options: DialerOptions) {
    super();
    this.#o = options;
    this.#off.push(
      options.host.on('session', (UID) => {
        if (!UID || !this.#pending) return;
        const link = this.#pending;
        this.#pending = null;
        void this.#place(link);
      }),
      // How the call went comes from the SDK's state model: accepted, or ended with a reason.
      options.host.state.subscribe((now) => this.#follow(now)),
    );
  }

  /** A link to dial (shows the window; waits for sign-in if needed). */
  dial(link: CallLink): void {
    this.#o.showWindow();
    if (!this.#o.host.loggedIn) {
      log(`call to ${link.UID} waits for sign-in`);
      this.#pending = link;
      return;
    }
    void this.#place(link);
  }

  get pending(): CallLink | null {
    return this.#pending;
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
    this.#pending = null;
    this.removeAllListeners();
  }

  async #place(link: CallLink): Promise<void> {
    const { host } = this.#o;
    if (link.UID === host.UID) {
      log(`link to call ourselves (${link.UID}) ignored`);
      return;
    }
    try {
      const [meetObj] = (await host.request('CRVideo_CreateMeeting', [`${host.UID} → ${link.UID}`])) as [MeetObj];
      const callID = newCallID();
      this.#rooms.set(callID, meetObj.ID);
      this.#o.notifyPage('CRVideo_NotifyCallOut', [callID, link.UID, meetObj, link.note]);
      log(`calling ${link.UID} callID=${callID} meetID=${meetObj.ID} (link)`);
      const placed = host.request('CRVideo_Call', [link.UID, meetObj, link.note], { forward: true, callID });
      this.safeEmit('placed', callID, link.UID, meetObj);
      await placed;
    } catch (err) {
      const code = CRVideoError.codeOf(err);
      log(`call to ${link.UID} failed: sdkErr ${code}`);
      this.safeEmit('failed', link.UID, code);
    }
  }

  /**
   * A link call that went ahead (accepted, or hung up by us) keeps its room; one that failed or was
   * refused (busy, no answer, offline) has its room destroyed again.
   */
  #follow(now: ClientSnapshot): void {
    if (this.#rooms.size === 0) return;
    for (const c of now.calls) if (c.state === 'accepted') this.#rooms.delete(c.callID);
    for (const e of now.ended) {
      if (!this.#rooms.has(e.callID)) continue;
      if (e.reason === 'failed' || e.reason === 'rejected') this.#dropRoom(e.callID);
      else this.#rooms.delete(e.callID);
    }
  }

  #dropRoom(callID: string): void {
    const meetID = this.#rooms.get(callID);
    if (meetID === undefined) return;
    this.#rooms.delete(callID);
    this.#o.host.request('CRVideo_DestroyMeeting', [meetID]).then(
      () => this.safeEmit('roomDestroyed', meetID),
      (err: unknown) => log(`room ${meetID} not destroyed: sdkErr ${CRVideoError.codeOf(err)}`),
    );
  }
}
