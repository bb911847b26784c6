import { CRVideoError, type MeetObj, type UserStatus } from '../../protocol/index.js';
import type { CallState, ClientSnapshot } from '../../sdk/ClientState.js';
import type { CoreHost } from './CoreHost.js';
import { Emitter } from './Emitter.js';
import { createLog } from './log.js';
import type { IncomingWindowPort, MainWindowPort, NotificationPort, RingtonePort } from './ports.js';
import { type MainStrings, noteOf } from './strings.js';

const log = createLog('IncomingCallNotifier');

export type AlertKind = 'notification' | 'window';

export interface IncomingCallNotifierEvents {
  /** An alert went up for a ringing call while the window was hidden or unfocused. */
  alert: [callID: string, kind: AlertKind];
  /** A ringing call is over for this device (answered, rejected, cancelled, timed out, answered elsewhere). */
  ended: [callID: string, reason: string];
}

export interface IncomingCallNotifierOptions {
  host: CoreHost;
  window: MainWindowPort;
  notifications: NotificationPort;
  incomingWindow: IncomingWindowPort;
  ringtone: RingtonePort;
  /** Fires a callback in the page (to tell it a call main rejected is over). */
  notifyPage: (name: string, args: unknown[]) => void;
  strings: () => MainStrings & { lang: string };
  /** How long to wait for the caller's display name before alerting with the UID. */
  nameLookupMs?: number;
}

interface Ringing {
  callID: string;
  meetObj: MeetObj | { ID: number };
  callerID: string;
  note: string;
  alert: { kind: AlertKind; close(): void } | null;
}

/**
 * Rings for incoming calls from main, so the phone rings with the window closed to the tray: plays the
 * ringtone while a call rings, and when the window is hidden or unfocused puts up a native notification
 * with Answer / Reject (where the OS supports actions) or a small always-on-top incoming window, and
 * flashes the taskbar / bounces the dock. Everything goes away the moment the call stops ringing here.
 * Which calls ring, and which are going on, is the SDK's state model: this class only follows it.
 */
export class IncomingCallNotifier extends Emitter<IncomingCallNotifierEvents> {
  readonly #o: IncomingCallNotifierOptions;
  readonly #ringing = new Map<string, Ringing>();
  /** Rings answered or rejected from an alert: over here, though the model lists them until the server agrees. */
  readonly #handled = new Set<string>();
  readonly #off: Array<() => void> = [];
  #closed = false;

  static create(options: IncomingCallNotifierOptions): IncomingCallNotifier {
    return new IncomingCallNotifier(options);
  }

  private constructor(options: IncomingCallNotifierOptions) {
    super();
    this.#o = options;
    this.#off.push(options.host.state.subscribe((now) => this.#follow(now)));
  }

  /** callIDs ringing here now. */
  get ringing(): string[] {
    return [...this.#ringing.keys()];
  }

  /** Answer from an alert: shows the window and accepts (hanging up a call already going on). */
  answer(callID: string): void {
    const call = this.#ringing.get(callID);
    if (!call) return;
    log(`answer callID=${callID} from the alert`);
    this.#o.window.show();
    for (const other of this.#o.host.state.snapshot.calls) {
      if (other.state !== 'accepted') continue;
      this.#o.host.request('CRVideo_HungupCall', [other.callID, ''], { forward: true }).catch(() => {});
    }
    this.#handled.add(callID);
    this.#end(callID, 'answered');
    this.#o.host.request('CRVideo_AcceptCall', [callID, call.meetObj, ''], { forward: true }).catch((err: unknown) => {
      log(`accept callID=${callID} failed: sdkErr ${CRVideoError.codeOf(err)}`);
    });
  }

  /** Reject from an alert; the page is told the call is over. */
  reject(callID: string): void {
    if (!this.#ringing.has(callID)) return;
    log(`reject callID=${callID} from the alert`);
    this.#handled.add(callID);
    this.#end(callID, 'rejected');
    this.#o.host.request('CRVideo_RejectCall', [callID, ''], { forward: true }).then(
      () => {
        // The page's incoming screen closes on a hang-up notice, as when a call is answered elsewhere.
        this.#o.notifyPage('CRVideo_NotifyCallHungup', [callID, '']);
        this.#o.notifyPage('CRVideo_NotifyCallHangup', [callID, '']);
      },
      (err: unknown) => log(`reject callID=${callID} failed: sdkErr ${CRVideoError.codeOf(err)}`),
    );
  }

  /** The main window came to the front: its own incoming screen takes over from the alerts (the ring goes on). */
  windowFocused(): void {
    for (const call of this.#ringing.values()) {
      if (!call.alert) continue;
      call.alert.close();
      call.alert = null;
    }
    this.#o.window.attention(false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const callID of [...this.#ringing.keys()]) this.#end(callID, 'closing');
    for (const off of this.#off.splice(0)) off();
    this.removeAllListeners();
  }

  /** Rings for every call the model has ringing here, and stops for every one that no longer is. */
  #follow(now: ClientSnapshot): void {
    const ringing = new Map<string, CallState>();
    for (const c of now.calls) if (c.direction === 'in' && c.state === 'ringing') ringing.set(c.callID, c);
    for (const callID of [...this.#handled]) if (!ringing.has(callID)) this.#handled.delete(callID);
    for (const callID of [...this.#ringing.keys()]) {
      if (ringing.has(callID)) continue;
      const call = now.calls.find((c) => c.callID === callID);
      this.#end(callID, !now.UID ? 'signed out' : call?.state === 'accepted' ? 'accepted' : 'over');
    }
    for (const c of ringing.values()) this.#onCallIn(c);
  }

  #onCallIn(c: CallState): void {
    if (this.#ringing.has(c.callID) || this.#handled.has(c.callID) || this.#closed) return;
    const call: Ringing = {
      callID: c.callID,
      meetObj: c.meetObj ?? { ID: c.meetID ?? 0 },
      callerID: c.peerUID,
      note: noteOf(c.usrExtDat),
      alert: null,
    };
    this.#ringing.set(c.callID, call);
    log(`ringing callID=${c.callID} from=${c.peerUID}`);
    if (this.#ringing.size === 1) this.#o.ringtone.start();
    const { window } = this.#o;
    if (window.isVisible() && window.isFocused()) return;
    void this.#alert(call);
  }

  async #alert(call: Ringing): Promise<void> {
    const name = await this.#callerName(call.callerID);
    if (this.#ringing.get(call.callID) !== call || this.#closed) return; // over while we looked the name up
    const s = this.#o.strings();
    const onAction = (action: 'answer' | 'reject') =>
      action === 'answer' ? this.answer(call.callID) : this.reject(call.callID);
    const { notifications } = this.#o;
    const openWindow = (): { kind: AlertKind; close(): void } => {
      const w = this.#o.incomingWindow.open(
        { callID: call.callID, callerName: name, callerID: call.callerID, note: call.note, lang: s.lang },
        onAction,
      );
      // Wayland: the window may open anywhere, behind others; a plain notification says the phone rings.
      const n =
        notifications.isSupported() && notifications.alsoWithWindow()
          ? notifications.create({ title: s.callingYou(name), body: call.note || s.incomingCall, actions: [] })
          : null;
      n?.onClick(() => this.#o.window.show());
      n?.show();
      return {
        kind: 'window',
        close: () => {
          w.close();
          n?.close();
        },
      };
    };
    if (notifications.isSupported() && notifications.supportsActions()) {
      const n = notifications.create({
        title: s.callingYou(name),
        body: call.note || s.incomingCall,
        actions: [s.answer, s.reject],
      });
      n.onAction((index) => onAction(index === 0 ? 'answer' : 'reject'));
      n.onClick(() => this.#o.window.show());
      // A toast the system refused (Windows): the call still needs its Answer / Reject.
      n.onFailed((error) => {
        if (this.#ringing.get(call.callID) !== call || call.alert?.kind !== 'notification') return;
        log(`notification failed (${error}): incoming window instead, callID=${call.callID}`);
        call.alert = openWindow();
      });
      n.show();
      call.alert = { kind: 'notification', close: () => n.close() };
    } else {
      call.alert = openWindow();
    }
    this.#o.window.attention(true);
    log(`alert (${call.alert.kind}) callID=${call.callID}`);
    this.safeEmit('alert', call.callID, call.alert.kind);
  }

  /** The caller's display name (their last nickname), or the UID when it does not come quickly. */
  async #callerName(callerID: string): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const lookup = this.#o.host
      .request('CRVideo_GetOneUserStatus', [callerID])
      .then(([statuses]) => (statuses as UserStatus[]).find((s) => s.userID === callerID)?.nickname || callerID)
      .catch(() => callerID);
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(callerID), this.#o.nameLookupMs ?? 400);
    });
    try {
      return await Promise.race([lookup, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #end(callID: string, reason: string): void {
    const call = this.#ringing.get(callID);
    if (!call) return;
    this.#ringing.delete(callID);
    call.alert?.close();
    if (this.#ringing.size === 0) {
      this.#o.ringtone.stop();
      this.#o.window.attention(false);
    }
    log(`ring over callID=${callID}: ${reason}`);
    this.safeEmit('ended', callID, reason);
  }
}
