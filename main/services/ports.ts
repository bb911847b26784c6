import type { IncomingInfo } from '../../sdk/bridge/channels.js';
import type { Presence } from '../../sdk/ClientState.js';

/**
 * The small interface between the main-process services and Electron. The app passes adapters over the
 * real Electron objects (main/electron/); tests pass recording fakes (main/testing/).
 */

/** Who sent an IPC message: its webContents, the frame's URL and whether it is the top frame. */
export interface SenderInfo {
  webContentsId: number;
  frameUrl: string;
  isMainFrame: boolean;
}

export interface IpcPort {
  /** Request/response (ipcMain.handle); returns the unregister function. */
  handle(channel: string, handler: (sender: SenderInfo, payload: unknown) => unknown): () => void;
  /** Fire-and-forget messages (ipcMain.on); returns the unsubscribe. */
  on(channel: string, listener: (sender: SenderInfo, payload: unknown) => void): () => void;
}

/** A page main can push events to (webContents.send). */
export interface PagePort {
  send(channel: string, payload: unknown): void;
}

/** The main window as the services see it. */
export interface MainWindowPort {
  isVisible(): boolean;
  isFocused(): boolean;
  /** Shows, restores and focuses the window. */
  show(): void;
  hide(): void;
  /** Taskbar flash (Windows, Linux) or dock bounce (macOS) on, or off again. */
  attention(on: boolean): void;
}

export interface MenuItemSpec {
  id: string;
  type: 'normal' | 'checkbox' | 'separator';
  label?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}

export interface TrayPort {
  setPresence(presence: Presence): void;
  setToolTip(text: string): void;
  setMenu(items: MenuItemSpec[]): void;
  /** A click on the icon itself. */
  onClick(listener: () => void): void;
  destroy(): void;
}

export interface NotificationOptions {
  title: string;
  body: string;
  /** Button labels, in order; the action event reports the index. */
  actions: string[];
}

export interface NotificationHandle {
  show(): void;
  close(): void;
  onAction(listener: (index: number) => void): void;
  onClick(listener: () => void): void;
  onClose(listener: () => void): void;
  /** The system could not show it (Windows toasts report this). */
  onFailed(listener: (error: string) => void): void;
}

export interface NotificationPort {
  /** Whether native notifications exist at all here. */
  isSupported(): boolean;
  /** Whether they can carry Answer / Reject buttons (the installed, signed app on macOS and Windows). */
  supportsActions(): boolean;
  /**
   * Whether a plain notification should go with the incoming-call window: on Wayland the window cannot
   * keep its place or stay on top, so it may open behind other windows.
   */
  alsoWithWindow(): boolean;
  create(options: NotificationOptions): NotificationHandle;
}

/** The small always-on-top incoming-call window, where notifications cannot carry buttons. */
export interface IncomingWindowPort {
  open(info: IncomingInfo, onAction: (action: 'answer' | 'reject') => void): IncomingWindowHandle;
}

export interface IncomingWindowHandle {
  close(): void;
}

export interface RingtonePort {
  start(): void;
  stop(): void;
}

/** Registers the app to start at login (hidden in the tray), or not. */
export interface LoginItemPort {
  set(openAtLogin: boolean): void;
}
