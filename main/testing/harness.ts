// A desktop app's main process as the tests run it: the real services (main/services/Desktop.ts) and a
// real SDK core talking to a real server, Electron replaced by the recording fakes, and the page's
// CRVideo_* globals installed over the bridge exactly as the preload + renderer do it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { CALLBACK_NAMES, type CRVideoAPI } from '../../sdk/api.js';
import type { CRVideoBridge } from '../../sdk/bridge/BridgeApi.js';
import {
  Channels,
  type CompanyCaInfo,
  type CompanyCaSetReply,
  type InvokeReply,
  type MediaReply,
  type VaultEntry,
} from '../../sdk/bridge/channels.js';
import { DESKTOP_CALLBACK_NAMES } from '../../sdk/bridge/functions.js';
import type { Ringtone } from '../../sdk/bridge/Ringtone.js';
import { type BridgeGlobals, installBridgeGlobals } from '../../sdk/bridge/rendererGlobals.js';
import { createCRVideo, md5Hex } from '../../sdk/index.js';
import type { MediaEngineFactory } from '../../sdk/media/MediaEngine.js';
import type { ServerOptions } from '../../server/index.js';
import { closeClients, startTestServer, TEST_APP, type TestServer } from '../../server/testing/fixtures.js';
import type { CredentialVault } from '../services/CredentialVault.js';
import { Desktop } from '../services/Desktop.js';
import { setLogSink } from '../services/log.js';
import { isAppUrl } from '../services/WindowSecurity.js';
import {
  FakeIncomingWindows,
  FakeIpc,
  FakeLoginItem,
  FakeNotifications,
  FakePage,
  FakeRingtone,
  FakeTray,
  FakeWindow,
  PAGE_SENDER,
} from './fakes.js';

if (!process.env.CRVIDEO_TEST_LOG) setLogSink(() => {});

export type PageAPI = CRVideoAPI & Record<string, unknown>;

export interface TestDesktop {
  desktop: Desktop;
  ipc: FakeIpc;
  page: FakePage;
  window: FakeWindow;
  tray: FakeTray;
  notifications: FakeNotifications;
  incoming: FakeIncomingWindows;
  ringtone: FakeRingtone;
  loginItem: FakeLoginItem;
  /** The page's CRVideo_* globals (over the bridge). */
  api: PageAPI;
  pageGlobals: BridgeGlobals;
  /** Every callback the page's holders received, in order. */
  pageLog: Array<{ name: string; args: unknown[] }>;
  /** Resolves with the args of the next page callback `name` (optionally matching `where`). */
  pageNext(name: string, where?: (args: unknown[]) => boolean, ms?: number): Promise<unknown[]>;
  /** Signs in from the page, as the UI does. */
  signIn(UID: string, nickname?: string): Promise<void>;
  /** How often the tray's Quit asked the app to quit. */
  quits: { count: number };
  dir: string;
  close(): Promise<void>;
}

export interface TestDesktopOptions {
  platform?: 'darwin' | 'win32' | 'linux';
  /** The notification system's quirks: a Wayland session, or whether buttons show at all. */
  notificationSession?: { wayland?: boolean; actions?: boolean };
  /** The page's media engine (none by default: signaling-only tests). */
  mediaEngine?: MediaEngineFactory;
  requestTimeoutMs?: number;
  /** The desktop settings file as the user left it before this start (e.g. a company CA). */
  settings?: Record<string, unknown>;
  /** "Remember me" in the (stand-in) OS keychain. */
  vault?: CredentialVault;
  /** `--company-ca=PATH` at launch. */
  companyCaFile?: string;
}

/** A bridge for the page over the fake IPC, as preload/index.ts builds it over ipcRenderer. */
export function fakeBridge(ipc: FakeIpc, page: FakePage): CRVideoBridge {
  return {
    invoke: async (req) => (await ipc.invoke(Channels.invoke, req)) as InvokeReply,
    hello: async () => (await ipc.invoke(Channels.hello, undefined)) as { hostRingtone: boolean },
    mediaRequest: async (req) => (await ipc.invoke(Channels.mediaRequest, req)) as MediaReply,
    onCallback: (l) => page.listen(Channels.callback, l),
    onMediaCommand: (l) => page.listen(Channels.mediaCommand, l),
    onRingtone: (l) => page.listen(Channels.ringtone, l),
    vaultLoad: async () => (await ipc.invoke(Channels.vaultLoad, undefined)) as VaultEntry | null,
    vaultSave: async (entry) => (await ipc.invoke(Channels.vaultSave, entry)) as boolean,
    vaultClear: async () => (await ipc.invoke(Channels.vaultClear, undefined)) as boolean,
    companyCaGet: async () => (await ipc.invoke(Channels.companyCaGet, undefined)) as CompanyCaInfo | null,
    companyCaSet: async (pem) => (await ipc.invoke(Channels.companyCaSet, pem)) as CompanyCaSetReply,
    companyCaClear: async () => (await ipc.invoke(Channels.companyCaClear, undefined)) as boolean,
  };
}

export async function startDesktop(server: { url: string }, options: TestDesktopOptions = {}): Promise<TestDesktop> {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-desktop-'));
  const ipc = new FakeIpc();
  const page = new FakePage();
  const window = new FakeWindow();
  const tray = new FakeTray();
  const notifications = new FakeNotifications(options.platform ?? 'linux', options.notificationSession ?? {});
  const incoming = new FakeIncomingWindows();
  const ringtone = new FakeRingtone();
  const loginItem = new FakeLoginItem();
  const quits = { count: 0 };
  if (options.settings) writeFileSync(join(dir, 'settings.json'), JSON.stringify(options.settings));
  const desktop = Desktop.create({
    createCore: (media, serverAddr, tls) =>
      createCRVideo({ serverAddr, media, tls, log: () => {}, requestTimeoutMs: options.requestTimeoutMs ?? 3000 }),
    ipc,
    page: () => page,
    isTrusted: (s) => s.webContentsId === PAGE_SENDER.webContentsId && isAppUrl(s.frameUrl),
    window,
    tray,
    notifications,
    incomingWindow: incoming,
    ringtone,
    loginItem,
    settingsFile: join(dir, 'settings.json'),
    ...(options.vault ? { vault: options.vault } : {}),
    ...(options.companyCaFile !== undefined ? { companyCaFile: options.companyCaFile } : {}),
    serverAddr: server.url,
    lang: 'en',
    pageOrigin: 'app://crvideo',
    quit: () => {
      quits.count++;
    },
  });

  const api = {} as PageAPI;
  const pageRingtone: Ringtone = { start() {}, stop() {}, playing: false };
  const pageGlobals = installBridgeGlobals(fakeBridge(ipc, page), api as unknown as Record<string, unknown>, {
    ringtone: pageRingtone,
    log: () => {},
    ...(options.mediaEngine ? { mediaEngine: options.mediaEngine } : {}),
  });
  const pageLog: Array<{ name: string; args: unknown[] }> = [];
  const waiters = new Set<{ name: string; where: (a: unknown[]) => boolean; resolve: (a: unknown[]) => void }>();
  for (const name of [...CALLBACK_NAMES, ...DESKTOP_CALLBACK_NAMES]) {
    (api[name as keyof PageAPI] as { callback: unknown }).callback = (...args: unknown[]) => {
      pageLog.push({ name, args });
      for (const w of [...waiters]) {
        if (w.name === name && w.where(args)) {
          waiters.delete(w);
          w.resolve(args);
        }
      }
    };
  }
  const pageNext = (name: string, where: (a: unknown[]) => boolean = () => true, ms = 5000) =>
    new Promise<unknown[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`page did not get ${name} within ${ms} ms`));
      }, ms);
      const w = {
        name,
        where,
        resolve: (a: unknown[]) => {
          clearTimeout(timer);
          resolve(a);
        },
      };
      waiters.add(w);
    });

  return {
    desktop,
    ipc,
    page,
    window,
    tray,
    notifications,
    incoming,
    ringtone,
    loginItem,
    api,
    pageGlobals,
    pageLog,
    pageNext,
    async signIn(UID, nickname = `${UID} nick`) {
      const ok = pageNext('CRVideo_LoginSuccess');
      api.CRVideo_Login(TEST_APP.appID, md5Hex(TEST_APP.appSecret), nickname, UID, '', { signIn: UID });
      await ok;
    },
    quits,
    dir,
    async close() {
      pageGlobals.close();
      await desktop.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true (rejects after `ms` with `what`). */
export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/**
 * The fixtures of one describe block: a real server for the block, a fresh desktop per test, both
 * cleaned up (with every SDK client the test logged in).
 */
export function desktopSuite(serverOptions: ServerOptions = {}): {
  readonly server: TestServer;
  start(options?: TestDesktopOptions): Promise<TestDesktop>;
} {
  let server: TestServer | null = null;
  const started: TestDesktop[] = [];
  before(async () => {
    server = await startTestServer(serverOptions);
  });
  after(() => server?.dispose());
  afterEach(async () => {
    closeClients();
    for (const d of started.splice(0)) await d.close();
  });
  return {
    get server() {
      if (!server) throw new Error('desktopSuite: the server starts in before()');
      return server;
    },
    async start(options) {
      const d = await startDesktop(this.server, options);
      started.push(d);
      return d;
    },
  };
}
