import { app, BrowserWindow } from 'electron';
import type { MainWindowPort } from '../services/ports.js';
import { guardContents, secureWebPreferences } from '../services/WindowSecurity.js';

/** The one main window (the Svelte app), locked down, and the port the services drive it through. */
export function createMainWindow(o: { preload: string; icon?: string }): { win: BrowserWindow; port: MainWindowPort } {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'CRVideo Phone',
    autoHideMenuBar: true,
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
  guardContents(win.webContents);
  let bounce: number | null = null;
  const port: MainWindowPort = {
    isVisible: () => !win.isDestroyed() && win.isVisible() && !win.isMinimized(),
    isFocused: () => !win.isDestroyed() && win.isFocused(),
    show() {
      if (win.isDestroyed()) return;
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    },
    hide() {
      if (!win.isDestroyed()) win.hide();
    },
    attention(on) {
      if (win.isDestroyed()) return;
      if (process.platform === 'darwin') {
        if (on && bounce === null) bounce = app.dock?.bounce('critical') ?? null;
        if (!on && bounce !== null) {
          app.dock?.cancelBounce(bounce);
          bounce = null;
        }
      } else {
        win.flashFrame(on);
      }
    },
  };
  return { win, port };
}
