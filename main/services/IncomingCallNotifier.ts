import { CRVideoError, type MeetObj, type UserStatus } from '../../protocol/index.js';
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
  meetObj: MeetObj;
  callerID: string;
  note: string;
  alert: { kind: AlertKind; close(): void } | null;
}

/**
 * Rings for incoming calls from main, so the phone rings with the window closed to the tray: plays the
 * ringtone while a call rings, and when the window is hidden or unfocused puts up a native notification
 * with Answer / Reject (where the OS supports actions) or a small always-on-top incoming window, and
 * flashes the taskbar / bounces the dock. Everything goes away the moment the call stops ringing here.
 */
export class IncomingCallNotifier extends Emitter<IncomingCallNotifierEvents> {
  readonly #o: IncomingCallNotifierOptions;
  readonly #ringing = new Map<string, Ringing>();
  /** Accepted calls of this device: answering another call from an alert hangs them up first. */
  readonly #active = new Set<string>();
  readonly #off: Array<() => void> = [];
  #closed = false;

  static create(options: IncomingCallNotifierOptions): IncomingCallNotifier {
    return new IncomingCallNotifier(options);
  }

  private constructor(options: IncomingCallNotifierOptions) {
    super();
    this.#o = options;
    const { host } = options;
    this.#off.push(
      host.on('callback', (name, args) => this.#onCallback(name, args)),
      host.on('called', (fn, args) => {
        if ((fn === 'CRVideo_HungupCall' || fn === 'CRVideo_HangupCall') && typeof args[0] === 'string') {
          this.#active.delete(args[0]);
        }
      }),
      host.on('session', (UID) => {
        if (UID) return;
        this.#active.clear();
        for (const callID of [...this.#ringing.keys()]) this.#end(callID, 'signed out');
      }),
    );
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
    for (const other of [...this.#active]) {
      this.#active.delete(other);
      this.#o.host.request('CRVideo_HungupCall', [other, ''], { forward: true }).catch(() => {});
    }
    this.#end(callID, 'answered');
    this.#o.host.request('CRVideo_AcceptCall', [callID, call.meetObj, ''], { forward: true }).catch((err: unknown) => {
      log(`accept callID=${callID} failed: sdkErr ${CRVideoError.codeOf(err)}`);
    });
  }

  /** Reject from an alert; the page is told the call is over. */
  reject(callID: string): void {
    if (!this.#ringing.has(callID)) return;
    log(`reject callID=${callID} from the alert`);
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

  #onCallback(name: string, args: unknown[]): void {
    const callID = typeof args[0] === 'string' ? args[0] : null;
    if (!callID) return;
    switch (name) {
      case 'CRVideo_NotifyCallIn':
        return this.#onCallIn(callID, args[1] as MeetObj, String(args[2] ?? ''), args[3]);
      case 'CRVideo_NotifyCallHungup':
      case 'CRVideo_NotifyCallHangup':
        this.#active.delete(callID);
        return this.#end(callID, 'hung up');
      case 'CRVideo_AcceptCallSuccess':
        this.#active.add(callID);
        return this.#end(callID, 'accepted');
      case 'CRVideo_NotifyCallAccepted':
        this.#active.add(callID);
        return;
      case 'CRVideo_HangupCallSuccess':
        this.#active.delete(callID);
        return;
      case 'CRVideo_AcceptCallFail':
      case 'CRVideo_RejectCallSuccess':
      case 'CRVideo_RejectCallFail':
        return this.#end(callID, name.slice('CRVideo_'.length));
    }
  }

  #onCallIn(callID: string, meetObj: MeetObj, callerID: string, usrExtDat: unknown): void {
    if (this.#ringing.has(callID) || this.#closed) return;
    const call: Ringing = { callID, meetObj, callerID, note: noteOf(usrExtDat), alert: null };
    this.#ringing.set(callID, call);
    log(`ringing callID=${callID} from=${callerID}`);
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
