import { CRVideoError } from '../../protocol/index.js';
import type { ClientStateSource } from '../../sdk/ClientState.js';
import { createLog } from './log.js';
import type { MenuItemSpec, TrayPort } from './ports.js';
import type { Settings } from './Settings.js';
import type { MainStrings } from './strings.js';

const log = createLog('TrayService');

export interface TrayServiceOptions {
  tray: TrayPort;
  /** The SDK's state model: own presence and DND. */
  state: ClientStateSource;
  /** Asks the server to turn DND on or off; rejects with a CRVideoError when it refuses. */
  setDND: (on: boolean) => Promise<void>;
  settings: Settings;
  strings: () => MainStrings;
  showWindow: () => void;
  quit: () => void;
}

/**
 * The tray icon: shows our presence (online, busy, DND, offline) and a menu with a Do-Not-Disturb
 * checkbox (through `CRVideo_SetDNDStatus`, in step with the page's switch both ways; a refused change
 * snaps back), Show window, Open at login and Quit.
 */
export class TrayService {
  readonly #o: TrayServiceOptions;
  readonly #off: Array<() => void> = [];
  /** The DND value asked for and not yet confirmed (the checkbox shows it meanwhile). */
  #pendingDnd: boolean | null = null;
  #closed = false;

  static create(options: TrayServiceOptions): TrayService {
    return new TrayService(options);
  }

  private constructor(options: TrayServiceOptions) {
    this.#o = options;
    this.#off.push(options.state.subscribe(() => this.render()));
    options.tray.onClick(() => options.showWindow());
    this.render();
  }

  /** The DND checkbox was clicked: ask the server for the opposite of what it has now. */
  async toggleDND(): Promise<void> {
    if (this.#pendingDnd !== null) return;
    const snapshot = this.#o.state.snapshot;
    if (!snapshot.UID) return;
    const want = !snapshot.dnd;
    this.#pendingDnd = want;
    this.render();
    try {
      await this.#o.setDND(want);
    } catch (err) {
      log(`dnd ${want ? 'on' : 'off'} refused (sdkErr ${CRVideoError.codeOf(err)}): checkbox reverts`);
    } finally {
      this.#pendingDnd = null;
      this.render();
    }
  }

  /** Redraws icon, tooltip and menu from the current state. */
  render(): void {
    if (this.#closed) return;
    const s = this.#o.strings();
    const { UID, dnd, presence } = this.#o.state.snapshot;
    const { tray, settings } = this.#o;
    tray.setPresence(presence);
    const who = UID ? `${UID} · ${s.presence[presence]}` : s.signedOut;
    tray.setToolTip(`${s.appName} — ${who}`);
    const items: MenuItemSpec[] = [
      { id: 'status', type: 'normal', label: who, enabled: false },
      { id: 'sep-1', type: 'separator' },
      {
        id: 'dnd',
        type: 'checkbox',
        label: s.dnd,
        checked: this.#pendingDnd ?? dnd,
        enabled: UID !== '' && this.#pendingDnd === null,
        click: () => void this.toggleDND(),
      },
      { id: 'show', type: 'normal', label: s.show, click: () => this.#o.showWindow() },
      {
        id: 'open-at-login',
        type: 'checkbox',
        label: s.openAtLogin,
        checked: settings.data.openAtLogin,
        click: () => {
          settings.setOpenAtLogin(!settings.data.openAtLogin);
          this.render();
        },
      },
      { id: 'sep-2', type: 'separator' },
      { id: 'quit', type: 'normal', label: s.quit, click: () => this.#o.quit() },
    ];
    tray.setMenu(items);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    this.#o.tray.destroy();
  }
}
