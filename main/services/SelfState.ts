import { CRVideoError, type UserStatus } from '../../protocol/index.js';
import type { CoreHost } from './CoreHost.js';
import { MainCookie, RendererCookie, requestOf } from './cookies.js';
import { Emitter } from './Emitter.js';
import { createLog } from './log.js';

const log = createLog('SelfState');

/** The presence the tray shows. */
export type Presence = 'online' | 'busy' | 'dnd' | 'offline';

/** Who changed do-not-disturb: main (tray), the page's switch, a server notification, a status refresh. */
export type DndSource = 'main' | 'page' | 'notify' | 'refresh';

export interface SelfSnapshot {
  UID: string;
  /** 0 offline, 1 online-idle, 2 busy (ringing or in a call), 3 in a room. */
  userStatus: number;
  dnd: boolean;
  presence: Presence;
}

export interface SelfStateEvents {
  changed: [snapshot: SelfSnapshot];
  /** Do-not-disturb really changed (the server agreed). */
  dnd: [dnd: boolean, source: DndSource];
}

/** Callbacks after which our own status on the server may have moved. */
const STATUS_MOVERS = new Set<string>([
  'CRVideo_CallSuccess',
  'CRVideo_CallFail',
  'CRVideo_NotifyCallIn',
  'CRVideo_NotifyCallAccepted',
  'CRVideo_AcceptCallSuccess',
  'CRVideo_NotifyCallRejected',
  'CRVideo_RejectCallSuccess',
  'CRVideo_NotifyCallHungup',
  'CRVideo_HangupCallSuccess',
  'CRVideo_EnterMeetingRslt',
  'CRVideo_MeetingDropped',
  'CRVideo_MeetingStopped',
]);
const STATUS_MOVING_CALLS = new Set<string>(['CRVideo_ExitMeeting', 'CRVideo_HungupCall', 'CRVideo_HangupCall']);

/**
 * Our own presence and do-not-disturb as the server sees them, kept from the core's callbacks and a
 * status query after anything that may move them. Main's DND changes (tray) go through `setDND`.
 */
export class SelfState extends Emitter<SelfStateEvents> {
  readonly #host: CoreHost;
  readonly #refreshDelayMs: number;
  #userStatus = 0;
  #dnd = false;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #off: Array<() => void> = [];

  static create(host: CoreHost, options: { refreshDelayMs?: number } = {}): SelfState {
    return new SelfState(host, options.refreshDelayMs ?? 80);
  }

  private constructor(host: CoreHost, refreshDelayMs: number) {
    super();
    this.#host = host;
    this.#refreshDelayMs = refreshDelayMs;
    this.#off.push(
      host.on('session', (UID) => this.#onSession(UID)),
      host.on('callback', (name, args) => this.#onCallback(name, args)),
      host.on('called', (fn) => {
        if (STATUS_MOVING_CALLS.has(fn)) this.#scheduleRefresh();
      }),
    );
  }

  get snapshot(): SelfSnapshot {
    const UID = this.#host.UID;
    const userStatus = UID ? this.#userStatus : 0;
    const dnd = UID !== '' && this.#dnd;
    let presence: Presence = 'offline';
    if (UID) presence = dnd ? 'dnd' : userStatus >= 2 ? 'busy' : 'online';
    return { UID, userStatus, dnd, presence };
  }

  /** Turns do-not-disturb on or off from main (the tray); rejects with a CRVideoError if the server refuses. */
  async setDND(on: boolean): Promise<void> {
    log(`set dnd ${on ? 'on' : 'off'} from main`);
    try {
      await this.#host.request('CRVideo_SetDNDStatus', [on ? 1 : 0]);
    } catch (err) {
      log(`set dnd ${on ? 'on' : 'off'} failed: sdkErr ${CRVideoError.codeOf(err)}`);
      throw err;
    }
    this.#applyDND(on, 'main');
  }

  /** Asks the server for our own status now (also done by itself after calls and room changes). */
  async refresh(): Promise<void> {
    const UID = this.#host.UID;
    if (!UID) return;
    try {
      const [statuses] = await this.#host.request('CRVideo_GetOneUserStatus', [UID]);
      const own = (statuses as UserStatus[] | undefined)?.find((s) => s.userID === UID);
      if (own && this.#host.UID === UID) this.#applyStatus(own, 'refresh');
    } catch (err) {
      log(`status refresh failed: sdkErr ${CRVideoError.codeOf(err)}`);
    }
  }

  close(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
    for (const off of this.#off.splice(0)) off();
    this.removeAllListeners();
  }

  #onSession(UID: string): void {
    this.#userStatus = UID ? 1 : 0;
    this.#dnd = false;
    this.#changed();
    if (UID) this.#scheduleRefresh();
  }

  #onCallback(name: string, args: unknown[]): void {
    if (name === 'CRVideo_SetDNDStatusSuccess') {
      const cookie = args.at(-1);
      const request = requestOf(cookie);
      // Main's own change is applied by setDND once its promise settles.
      if (cookie instanceof RendererCookie && request) this.#applyDND(Number(request.args[0]) !== 0, 'page');
      return;
    }
    if (name === 'CRVideo_NotifyDNDStatus' && typeof args[0] === 'number') {
      this.#applyDND(args[0] !== 0, 'notify');
      return;
    }
    if (name === 'CRVideo_NotifyUserStatus') {
      const status = args[0] as UserStatus | undefined;
      if (status?.userID === this.#host.UID) this.#applyStatus(status, 'notify');
      return;
    }
    if (name === 'CRVideo_GetUserStatusSuccess' && !(args.at(-1) instanceof MainCookie)) {
      const own = (args[0] as UserStatus[] | undefined)?.find((s) => s?.userID === this.#host.UID);
      if (own) this.#applyStatus(own, 'refresh');
      return;
    }
    if (name === 'CRVideo_NotifyCallIn' && this.#userStatus < 2) {
      this.#userStatus = 2;
      this.#changed();
    }
    if (STATUS_MOVERS.has(name)) this.#scheduleRefresh();
  }

  #applyStatus(status: UserStatus, source: DndSource): void {
    const changed = status.userStatus !== this.#userStatus;
    this.#userStatus = status.userStatus;
    if (!this.#applyDND(status.DNDType !== 0, source) && changed) this.#changed();
  }

  /** Returns whether anything changed (and was announced). */
  #applyDND(dnd: boolean, source: DndSource): boolean {
    if (!this.#host.loggedIn || dnd === this.#dnd) return false;
    this.#dnd = dnd;
    log(`dnd ${dnd ? 'on' : 'off'} (${source}) UID=${this.#host.UID}`);
    this.safeEmit('dnd', dnd, source);
    this.#changed();
    return true;
  }

  #scheduleRefresh(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refresh();
    }, this.#refreshDelayMs);
  }

  #changed(): void {
    this.safeEmit('changed', this.snapshot);
  }
}
