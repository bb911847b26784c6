// The Electron main process: thin wiring of Electron to the services in main/services (Desktop), which
// hold the logic and are tested in Node with fakes. The SDK core lives here, so the phone rings with the
// window closed to the tray.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, Notification, powerMonitor, safeStorage, session } from 'electron';
import { Channels } from '../sdk/bridge/channelNames.js';
import { createCRVideo } from '../sdk/index.js';
import { setAppMenu } from './electron/appMenu.js';
import { registerAppScheme, serveApp } from './electron/appProtocol.js';
import { createIncomingWindows } from './electron/incomingWindow.js';
import { electronIpc } from './electron/ipc.js';
import { createLoginItem } from './electron/loginItem.js';
import { createMainWindow } from './electron/mainWindow.js';
import { createElectronNotifications } from './electron/notifications.js';
import { createElectronTray } from './electron/tray.js';
import { CredentialVault } from './services/CredentialVault.js';
import { PROTOCOL, parseDeepLink, parseLaunchArgs } from './services/DeepLink.js';
import { Desktop } from './services/Desktop.js';
import { createLog } from './services/log.js';
import { watchPowerEvents } from './services/PowerEvents.js';
import type { RingtonePort } from './services/ports.js';
import { acquireSingleInstance } from './services/SingleInstance.js';
import { pickLang } from './services/strings.js';
import { APP_ORIGIN, guardSession, isAppUrl } from './services/WindowSecurity.js';

const log = createLog('main');
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_DIR = join(OUT, 'renderer');
const PRELOAD = join(OUT, 'preload', 'index.cjs');
const INCOMING_PRELOAD = join(OUT, 'preload', 'incoming.cjs');
const ICON = join(OUT, 'main', 'icon.png');
const PAGE_URL = `${APP_ORIGIN}/index.html`;
const INCOMING_URL = `${APP_ORIGIN}/desktop-incoming.html`;

app.setName('CRVideo Phone');
// Its own profile (tests run two apps side by side with CRVIDEO_USER_DATA); the single-instance lock follows it.
app.setPath('userData', process.env.CRVIDEO_USER_DATA || join(app.getPath('appData'), 'CRVideo Phone'));
if (process.platform === 'win32') app.setAppUserModelId('com.crvideo.phone');
// The ringtone must sound while the window sits hidden in the tray, without a click first.
app.commandLine.appendSwitch('autoplay-policy', 'no-user-gesture-required');
registerAppScheme();

const launch = parseLaunchArgs(process.argv);
/** `--server=ADDR` (npm start passes its local server) or CRVIDEO_SERVER; else the saved or default one. */
const launchServer =
  process.argv.find((a) => a.startsWith('--server='))?.slice('--server='.length) || process.env.CRVIDEO_SERVER || null;

/** `--company-ca=PEM-PATH` (or CRVIDEO_COMPANY_CA): trust a self-signed company CA from now on ('' forgets it). */
const launchCompanyCa =
  process.argv.find((a) => a.startsWith('--company-ca='))?.slice('--company-ca='.length) ??
  process.env.CRVIDEO_COMPANY_CA ??
  null;

let desktop: Desktop | null = null;
let mainWindow: BrowserWindow | null = null;
let quitting = false;
let loggedOut = false;
/** Links that arrive (macOS open-url) before the app is ready. */
const earlyLinks: string[] = [];

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

if (
  !acquireSingleInstance({
    requestLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (listener) => app.on('second-instance', (_event, argv) => listener(argv)),
    focus: showWindow,
    handleArgs: (argv) => desktop?.handleArgs(argv),
  })
) {
  app.quit();
} else {
  // The installed app registers crvideo: (the installers declare it too). A development run would make
  // the bare Electron binary the system's handler, so it leaves the registration alone.
  if (app.isPackaged) app.setAsDefaultProtocolClient(PROTOCOL);
  else log(`development run: ${PROTOCOL}: links are not registered with the system`);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    if (desktop) desktop.handleArgs([url]);
    else earlyLinks.push(url);
  });
  app.on('before-quit', (event) => {
    quitting = true;
    if (!desktop || loggedOut) return;
    // Log out cleanly first (the server hears it at once instead of after the grace period).
    event.preventDefault();
    const d = desktop;
    d.close()
      .catch((err: unknown) => log(`shutdown: ${String(err)}`))
      .finally(() => {
        loggedOut = true;
        app.quit();
      });
  });
  app.on('window-all-closed', () => {
    // The app lives on in the tray; only Quit ends it.
  });
  app.on('activate', showWindow);
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      // Never hold the single-instance lock without a window: a later launch would only focus nothing.
      log(`start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      app.exit(1);
    });
}

/**
 * The first time the window closes to the tray on Linux, say so once: GNOME shows no tray icon without an
 * extension, and the app would look gone while it still rings (launching it again shows the window).
 */
function tellStillRunning(icon: string | undefined): void {
  if (process.platform !== 'linux') return;
  const marker = join(app.getPath('userData'), 'told-still-running');
  if (existsSync(marker) || !Notification.isSupported()) return;
  try {
    writeFileSync(marker, new Date().toISOString());
  } catch {
    return;
  }
  new Notification({
    title: 'CRVideo Phone is still running',
    body: 'It keeps ringing for incoming calls. Open CRVideo Phone again to show the window; Quit is in its tray menu.',
    ...(icon ? { icon } : {}),
  }).show();
}

function start(): void {
  setAppMenu({ dev: !!process.env.ELECTRON_RENDERER_URL, mac: process.platform === 'darwin' });
  const ses = session.defaultSession;
  guardSession(ses);
  serveApp(ses, RENDERER_DIR);
  const icon = existsSync(ICON) ? ICON : undefined;
  const { win, port } = createMainWindow({ preload: PRELOAD, ...(icon ? { icon } : {}) });
  mainWindow = win;
  const page = () => (win.isDestroyed() ? null : win.webContents);
  const ringtone: RingtonePort = {
    start: () => page()?.send(Channels.ringtone, { playing: true }),
    stop: () => page()?.send(Channels.ringtone, { playing: false }),
  };
  desktop = Desktop.create({
    createCore: (media, serverAddr, tls) => createCRVideo({ serverAddr, media, tls }),
    ipc: electronIpc,
    page,
    isTrusted: (s) =>
      !win.isDestroyed() && s.webContentsId === win.webContents.id && s.isMainFrame && isAppUrl(s.frameUrl),
    window: port,
    tray: createElectronTray(join(app.getPath('userData'), 'icons')),
    notifications: createElectronNotifications(icon),
    incomingWindow: createIncomingWindows({
      ipc: electronIpc,
      preload: INCOMING_PRELOAD,
      pageUrl: INCOMING_URL,
      ...(icon ? { icon } : {}),
    }),
    ringtone,
    loginItem: createLoginItem(),
    settingsFile: join(app.getPath('userData'), 'settings.json'),
    vault: new CredentialVault({ file: join(app.getPath('userData'), 'remembered-sign-in.json'), safeStorage }),
    serverAddr: launchServer,
    companyCaFile: launchCompanyCa,
    lang: pickLang(app.getLocale()),
    pageOrigin: APP_ORIGIN,
    quit: () => app.quit(),
  });
  const d = desktop;
  // Playwright's _electron tests reach the services (e.g. the tray, which they cannot click) this way.
  if (process.env.CRVIDEO_E2E === '1') (globalThis as Record<string, unknown>).__crvideoDesktop = d;
  win.on('close', (event) => {
    if (quitting) return;
    // Closing the window keeps the phone running in the tray.
    event.preventDefault();
    win.hide();
    tellStillRunning(icon);
  });
  watchPowerEvents({
    onPower: (name, listener) =>
      name === 'resume' ? powerMonitor.on('resume', listener) : powerMonitor.on('suspend', listener),
    onSessionEnd: (listener) => {
      // Windows: log-off / shutdown / restart; Linux and macOS: powerMonitor 'shutdown'.
      win.on('session-end', () => listener());
      powerMonitor.on('shutdown', () => listener());
    },
    reconnectNow: () => d.reconnectNow(),
    signOutAndQuit: () => app.quit(),
  });
  win.on('focus', () => d.notifier.windowFocused());
  // A crashed page is reloaded: it starts signed out (main drops the old session on its hello).
  win.webContents.on('render-process-gone', (_event, details) => {
    log(`page gone (${details.reason}): reloading`);
    if (details.reason !== 'clean-exit' && !quitting) win.loadURL(PAGE_URL).catch(() => {});
  });
  // macOS login items pass no arguments: started at login means started in the tray there too.
  const hidden = launch.hidden || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  win.once('ready-to-show', () => {
    if (!hidden) showWindow();
  });
  win.loadURL(PAGE_URL).catch((err: unknown) => log(`cannot load ${PAGE_URL}: ${String(err)}`));
  d.handleArgs(process.argv);
  for (const url of earlyLinks.splice(0)) if (parseDeepLink(url)) d.handleArgs([url]);
  log(`started${hidden ? ' hidden in the tray' : ''}`);
}
