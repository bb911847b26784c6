// The `electron` module as one built app instance sees it (see hooks.mjs): the named exports of the
// stand-in runtime registered under ?app=N. A name the built main imports but the stand-in lacks is a
// link error, so an unexpected Electron API fails the test at once.
const registry = globalThis[Symbol.for('crvideo.electronStandin')];
const id = new URL(import.meta.url).searchParams.get('app');
const electron = registry?.get(id)?.electron;
if (!electron) throw new Error(`electron stand-in: no runtime registered for app ${id}`);

export const {
  app,
  BrowserWindow,
  globalShortcut,
  ipcMain,
  Menu,
  MenuItem,
  nativeImage,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  Tray,
} = electron;
export default electron;
