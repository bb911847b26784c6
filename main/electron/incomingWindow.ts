import { BrowserWindow, screen } from 'electron';
import { Channels } from '../../sdk/bridge/channelNames.js';
import { IncomingAction } from '../../sdk/bridge/channels.js';
import { createLog } from '../services/log.js';
import type { IncomingWindowPort, IpcPort } from '../services/ports.js';
import { guardContents, secureWebPreferences } from '../services/WindowSecurity.js';

const log = createLog('IncomingWindow');

export interface IncomingWindowsOptions {
  ipc: IpcPort;
  /** Preload of the incoming page (fills it in, sends the button presses). */
  preload: string;
  /** app://crvideo/desktop-incoming.html */
  pageUrl: string;
  icon?: string;
}

/**
 * The small always-on-top incoming-call window (Linux, and wherever notifications cannot carry
 * buttons), in the lower right corner of the screen. Only its own page may send its Answer / Reject.
 */
export function createIncomingWindows(o: IncomingWindowsOptions): IncomingWindowPort {
  const open = new Map<number, { callID: string; onAction: (action: 'answer' | 'reject') => void }>();
  o.ipc.on(Channels.incomingAction, (sender, payload) => {
    const entry = open.get(sender.webContentsId);
    const parsed = IncomingAction.safeParse(payload);
    if (!entry || !sender.isMainFrame || sender.frameUrl !== o.pageUrl || !parsed.success) {
      log(`action from webContents ${sender.webContentsId} (${sender.frameUrl}) dropped`);
      return;
    }
    if (parsed.data.callID !== entry.callID) return;
    entry.onAction(parsed.data.action);
  });

  return {
    open(info, onAction) {
      const width = 360;
      const height = 200;
      const area = screen.getPrimaryDisplay().workArea;
      const win = new BrowserWindow({
        width,
        height,
        x: area.x + area.width - width - 16,
        y: area.y + area.height - height - 16,
        show: false,
        frame: false,
        resizable: false,
        minimizable: false,
        maximizable: false,
        fullscreenable: false,
        alwaysOnTop: true,
        skipTaskbar: false,
        title: info.callerName,
        ...(o.icon ? { icon: o.icon } : {}),
        // Spelled out as well as in secureWebPreferences, so Electronegativity sees them at the constructor.
        webPreferences: {
          ...secureWebPreferences(o.preload),
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          disableBlinkFeatures: 'Auxclick',
        },
      });
      win.setAlwaysOnTop(true, 'pop-up-menu');
      guardContents(win.webContents);
      const id = win.webContents.id;
      open.set(id, { callID: info.callID, onAction });
      win.webContents.once('did-finish-load', () => win.webContents.send(Channels.incomingShow, info));
      // Shown without taking the focus: a key pressed in another app must not answer the call.
      win.once('ready-to-show', () => win.showInactive());
      win.on('closed', () => open.delete(id));
      win.loadURL(o.pageUrl).catch((err: unknown) => log(`cannot load ${o.pageUrl}: ${String(err)}`));
      return {
        close() {
          open.delete(id);
          if (!win.isDestroyed()) win.destroy();
        },
      };
    },
  };
}
