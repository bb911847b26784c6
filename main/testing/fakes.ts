// Recording fakes of the Electron side of the main-process services (main/services/ports.ts). Only the
// OS / Electron boundary is faked: the services under test talk to the real server through a real SDK core.
import type { IncomingInfo } from '../../sdk/bridge/channels.js';
import type { Presence } from '../../sdk/ClientState.js';
import type { SafeStoragePort } from '../services/CredentialVault.js';
import type {
  IncomingWindowHandle,
  IncomingWindowPort,
  IpcPort,
  LoginItemPort,
  MainWindowPort,
  MenuItemSpec,
  NotificationHandle,
  NotificationOptions,
  NotificationPort,
  PagePort,
  RingtonePort,
  SenderInfo,
  TrayPort,
} from '../services/ports.js';

export const PAGE_SENDER: SenderInfo = { webContentsId: 1, frameUrl: 'app://crvideo/index.html', isMainFrame: true };

/** ipcMain: handlers by channel; `invoke` / `send` play the renderer's side (payloads structured-cloned). */
export class FakeIpc implements IpcPort {
  readonly handlers = new Map<string, (sender: SenderInfo, payload: unknown) => unknown>();
  readonly listeners = new Map<string, Set<(sender: SenderInfo, payload: unknown) => void>>();

  handle(channel: string, handler: (sender: SenderInfo, payload: unknown) => unknown): () => void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
    return () => this.handlers.delete(channel);
  }

  on(channel: string, listener: (sender: SenderInfo, payload: unknown) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  async invoke(channel: string, payload: unknown, sender: SenderInfo = PAGE_SENDER): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler(sender, structuredClone(payload)));
  }

  send(channel: string, payload: unknown, sender: SenderInfo): void {
    for (const l of this.listeners.get(channel) ?? []) l(sender, structuredClone(payload));
  }
}

/** A webContents main sends events to; `listen` plays ipcRenderer.on. */
export class FakePage implements PagePort {
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();

  send(channel: string, payload: unknown): void {
    const copy = structuredClone(payload);
    this.sent.push({ channel, payload: copy });
    for (const l of this.#listeners.get(channel) ?? []) l(structuredClone(copy));
  }

  listen(channel: string, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

export class FakeWindow implements MainWindowPort {
  visible = true;
  focused = true;
  shows = 0;
  attentionOn = false;
  readonly attentionLog: boolean[] = [];

  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  show(): void {
    this.shows++;
    this.visible = true;
    this.focused = true;
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  attention(on: boolean): void {
    this.attentionOn = on;
    this.attentionLog.push(on);
  }
}

export class FakeTray implements TrayPort {
  presence: Presence | null = null;
  toolTip = '';
  menu: MenuItemSpec[] = [];
  destroyed = false;
  #onClick: (() => void) | null = null;

  setPresence(presence: Presence): void {
    this.presence = presence;
  }
  setToolTip(text: string): void {
    this.toolTip = text;
  }
  setMenu(items: MenuItemSpec[]): void {
    this.menu = items;
  }
  onClick(listener: () => void): void {
    this.#onClick = listener;
  }
  destroy(): void {
    this.destroyed = true;
  }

  item(id: string): MenuItemSpec {
    const item = this.menu.find((i) => i.id === id);
    if (!item) throw new Error(`no menu item ${id}`);
    return item;
  }
  /** Clicks a menu item as Electron would (a checkbox flips its own check mark first). */
  click(id: string): void {
    const item = this.item(id);
    if (item.enabled === false) throw new Error(`menu item ${id} is disabled`);
    if (item.type === 'checkbox') item.checked = !item.checked;
    item.click?.();
  }
  clickIcon(): void {
    this.#onClick?.();
  }
}

export class FakeNotification implements NotificationHandle {
  shown = false;
  closed = false;
  readonly #action = new Set<(i: number) => void>();
  readonly #click = new Set<() => void>();
  readonly #close = new Set<() => void>();
  readonly #failed = new Set<(error: string) => void>();

  constructor(readonly options: NotificationOptions) {}

  show(): void {
    this.shown = true;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.#close) l();
  }
  onAction(listener: (index: number) => void): void {
    this.#action.add(listener);
  }
  onClick(listener: () => void): void {
    this.#click.add(listener);
  }
  onClose(listener: () => void): void {
    this.#close.add(listener);
  }
  onFailed(listener: (error: string) => void): void {
    this.#failed.add(listener);
  }
  /** The system refused to show it (a Windows toast without its shortcut, say). */
  fail(error: string): void {
    for (const l of this.#failed) l(error);
  }
  /** The user pressed button `index`. */
  act(index: number): void {
    for (const l of this.#action) l(index);
  }
  clickBody(): void {
    for (const l of this.#click) l();
  }
}

/** Notifications as a platform has them: buttons on darwin (and installed win32), none on linux. */
export class FakeNotifications implements NotificationPort {
  readonly created: FakeNotification[] = [];
  /** `wayland`: a Linux Wayland session (a plain notification goes with the incoming window). */
  constructor(
    readonly platform: 'darwin' | 'win32' | 'linux',
    readonly session: { wayland?: boolean; actions?: boolean } = {},
  ) {}

  isSupported(): boolean {
    return true;
  }
  supportsActions(): boolean {
    return this.session.actions ?? this.platform !== 'linux';
  }
  alsoWithWindow(): boolean {
    return this.platform === 'linux' && this.session.wayland === true;
  }
  create(options: NotificationOptions): FakeNotification {
    const n = new FakeNotification(options);
    this.created.push(n);
    return n;
  }
  /** Notifications shown and not closed. */
  get open(): FakeNotification[] {
    return this.created.filter((n) => n.shown && !n.closed);
  }
}

export class FakeIncomingWindow implements IncomingWindowHandle {
  closed = false;
  constructor(
    readonly info: IncomingInfo,
    readonly press: (action: 'answer' | 'reject') => void,
  ) {}
  close(): void {
    this.closed = true;
  }
}

export class FakeIncomingWindows implements IncomingWindowPort {
  readonly opened: FakeIncomingWindow[] = [];
  open(info: IncomingInfo, onAction: (action: 'answer' | 'reject') => void): FakeIncomingWindow {
    const w = new FakeIncomingWindow(structuredClone(info), onAction);
    this.opened.push(w);
    return w;
  }
  get openWindows(): FakeIncomingWindow[] {
    return this.opened.filter((w) => !w.closed);
  }
}

export class FakeRingtone implements RingtonePort {
  playing = false;
  starts = 0;
  start(): void {
    this.playing = true;
    this.starts++;
  }
  stop(): void {
    this.playing = false;
  }
}

export class FakeLoginItem implements LoginItemPort {
  readonly calls: boolean[] = [];
  set(openAtLogin: boolean): void {
    this.calls.push(openAtLogin);
  }
}

/** Stand-in for Electron's safeStorage: a reversible scramble plus a marker, and a switch for "no keychain". */
export class FakeSafeStorage implements SafeStoragePort {
  available = true;
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  encryptString(plain: string): Buffer {
    return Buffer.concat([Buffer.from('SEALED:'), Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]);
  }
  decryptString(encrypted: Buffer): string {
    if (!encrypted.subarray(0, 7).equals(Buffer.from('SEALED:'))) throw new Error('not sealed by this keychain');
    return Buffer.from(encrypted.subarray(7).map((b) => b ^ 0x5a)).toString('utf8');
  }
}
