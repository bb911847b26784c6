// One desktop app instance's `electron` module, for running the built out/main/index.js in Node: windows
// are real Chromium pages (windows.ts); app, session, protocol, ipcMain, Menu, Tray, Notification,
// powerMonitor, globalShortcut, safeStorage and screen are recording stand-ins following Electron 41's
// documented behaviour. Every object throws on members it does not implement (strict.ts).
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Frame, Page } from '@playwright/test';
import { Emitter, StandinEvent, strict } from './strict.js';
import { fromPageUrl, toPageUrl } from './urls.js';
import { BrowserWindowStandin, type IpcMessage, type WebContentsStandin } from './windows.js';

const REGISTRY = Symbol.for('crvideo.electronStandin');
type Registry = Map<string, StandinRuntime>;
/** Every runtime by id (electron.mjs looks its instance up here) and single-instance locks by profile. */
export function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry>;
  g[REGISTRY] ??= new Map();
  return g[REGISTRY];
}
const locks = new Map<string, StandinRuntime>();

export interface RuntimeOptions {
  id: string;
  browser: Browser;
  argv: string[];
  userData: string;
  appPath: string;
  locale?: string;
}

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
type Listener = (...args: never[]) => unknown;

interface MenuItemSpec {
  id?: string;
  label?: string;
  type?: string;
  role?: string;
  accelerator?: string;
  checked?: boolean;
  enabled?: boolean;
  visible?: boolean;
  submenu?: MenuItemSpec[] | MenuStandin;
  click?: (item: unknown, win: unknown, event: unknown) => void;
}

/** Roles the stand-in knows, with Electron's default accelerators (Linux / Windows spelling). */
const ROLES: Record<string, string | null> = {
  undo: 'Ctrl+Z',
  redo: 'Ctrl+Shift+Z',
  cut: 'Ctrl+X',
  copy: 'Ctrl+C',
  paste: 'Ctrl+V',
  pasteAndMatchStyle: 'Ctrl+Shift+V',
  delete: null,
  selectAll: 'Ctrl+A',
  reload: 'Ctrl+R',
  forceReload: 'Ctrl+Shift+R',
  toggleDevTools: 'Ctrl+Shift+I',
  resetZoom: 'Ctrl+0',
  zoomIn: 'Ctrl+Plus',
  zoomOut: 'Ctrl+-',
  togglefullscreen: 'F11',
  minimize: 'Ctrl+M',
  close: 'Ctrl+W',
  quit: 'Ctrl+Q',
  about: null,
  hide: null,
  hideOthers: null,
  unhide: null,
  front: null,
  zoom: null,
  editMenu: null,
  viewMenu: null,
  windowMenu: null,
  fileMenu: null,
  appMenu: null,
  services: null,
};

export class MenuItemStandin {
  id: string;
  label: string;
  type: string;
  role: string | null;
  accelerator: string | null;
  checked: boolean;
  enabled: boolean;
  visible: boolean;
  submenu: MenuStandin | null;
  #click: MenuItemSpec['click'];

  constructor(
    spec: MenuItemSpec,
    private readonly rt: StandinRuntime,
  ) {
    if (spec.role !== undefined && !(spec.role in ROLES)) {
      throw new Error(`electron stand-in: menu role ${spec.role} is not implemented`);
    }
    this.id = spec.id ?? '';
    this.label = spec.label ?? '';
    this.type = spec.type ?? (spec.submenu ? 'submenu' : 'normal');
    this.role = spec.role ?? null;
    this.accelerator = spec.accelerator ?? (spec.role ? (ROLES[spec.role] ?? null) : null);
    this.checked = spec.checked ?? false;
    this.enabled = spec.enabled ?? true;
    this.visible = spec.visible ?? true;
    this.submenu = spec.submenu
      ? spec.submenu instanceof MenuStandin
        ? spec.submenu
        : new MenuStandin(rt, spec.submenu)
      : null;
    this.#click = spec.click;
  }

  /** A user's click: checkboxes flip first, then the item's click (or its role) runs. */
  click(): void {
    if (!this.enabled) throw new Error(`menu item ${this.label || this.role} is disabled`);
    if (this.type === 'checkbox') this.checked = !this.checked;
    this.rt.record('menu click', [this.label || this.role]);
    const win = this.rt.focusedWindow();
    if (this.#click) {
      this.#click(this, win?.proxy ?? null, {});
      return;
    }
    if (this.role) this.rt.performRole(this.role, win);
  }
}

export class MenuStandin {
  items: MenuItemStandin[];
  constructor(rt: StandinRuntime, template: MenuItemSpec[] = []) {
    this.items = template.map((spec) => new MenuItemStandin(spec, rt));
  }
  append(item: MenuItemStandin): void {
    this.items.push(item);
  }
  getMenuItemById(id: string): MenuItemStandin | null {
    for (const item of this.items) {
      if (item.id === id) return item;
      const inner = item.submenu?.getMenuItemById(id);
      if (inner) return inner;
    }
    return null;
  }
  /** Every item, submenus flattened. */
  all(): MenuItemStandin[] {
    return this.items.flatMap((i) => [i, ...(i.submenu?.all() ?? [])]);
  }
}

class NativeImageStandin {
  template = false;
  readonly representations: Array<{ scaleFactor: number; bytes: number }> = [];
  constructor(
    readonly source: string,
    bytes: number,
  ) {
    this.representations.push({ scaleFactor: 1, bytes });
  }
  addRepresentation(o: { scaleFactor: number; buffer?: Buffer }): void {
    this.representations.push({ scaleFactor: o.scaleFactor, bytes: o.buffer?.length ?? 0 });
  }
  setTemplateImage(on: boolean): void {
    this.template = on;
  }
  isTemplateImage(): boolean {
    return this.template;
  }
  isEmpty(): boolean {
    return (this.representations[0]?.bytes ?? 0) === 0;
  }
}

export class TrayStandin extends Emitter {
  image: NativeImageStandin;
  toolTip = '';
  /** Every tooltip the app set, in order. */
  readonly toolTips: string[] = [];
  menu: MenuStandin | null = null;
  destroyed = false;
  constructor(rt: StandinRuntime, image: NativeImageStandin) {
    super(rt.errors);
    this.image = image;
    rt.trays.push(this);
  }
  setImage(image: NativeImageStandin): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.toolTip = text;
    this.toolTips.push(text);
  }
  setContextMenu(menu: MenuStandin | null): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** A user's click on a tray menu item, by its label. */
  clickItem(label: string): void {
    const item = this.menu?.all().find((i) => i.label === label);
    if (!item) throw new Error(`tray menu has no item "${label}" (has: ${this.menu?.all().map((i) => i.label)})`);
    item.click();
  }
  menuItem(label: string): MenuItemStandin | undefined {
    return this.menu?.all().find((i) => i.label === label);
  }
}

export class NotificationStandin extends Emitter {
  shown = false;
  closed = false;
  constructor(
    private readonly rt: StandinRuntime,
    readonly options: Record<string, unknown>,
  ) {
    super(rt.errors);
    rt.notifications.push(this);
  }
  show(): void {
    this.shown = true;
    this.rt.record('notification.show', [this.options.title]);
    this.emit('show', new StandinEvent());
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', new StandinEvent());
  }
  /** The user pressed action button `index` (macOS / Windows toasts). */
  pressAction(index: number): void {
    this.emit('action', new StandinEvent({ actionIndex: index }), index);
  }
}

export class StandinRuntime {
  readonly id: string;
  readonly browser: Browser;
  readonly argv: string[];
  readonly userData: string;
  /** Unknown members the app touched (each one already threw where it was touched). */
  readonly unknown: string[] = [];
  /** Exceptions thrown by the app's listeners and handlers. */
  readonly errors: string[] = [];
  /** What the app asked Electron to do, in order. */
  readonly calls: Array<{ api: string; args: unknown[] }> = [];
  readonly windows = new Set<BrowserWindowStandin>();
  readonly trays: TrayStandin[] = [];
  readonly notifications: NotificationStandin[] = [];
  readonly privilegedSchemes = new Set<string>();
  readonly shortcuts = new Map<string, () => void>();
  /** Constructors that throw, as a broken system would (e.g. 'Tray' without a tray host that works). */
  readonly failures = new Set<string>();
  context: BrowserContext | null = null;
  appMenu: MenuStandin | null | undefined = undefined;
  state: 'starting' | 'ready' | 'quit' = 'starting';
  exitCode: number | null = null;
  readonly electron: Record<string, unknown>;
  readonly app: Emitter;
  readonly powerMonitor: Emitter;

  #ready!: () => void;
  readonly #readyPromise: Promise<void>;
  readonly #handlers = new Map<string, Listener>();
  readonly #ipc: Emitter;
  readonly #protocols = new Map<string, ProtocolHandler>();
  #permissionRequest: Listener | null = null;
  #permissionCheck: Listener | null = null;
  #beforeRequest: Listener | null = null;
  #headersReceived: Listener | null = null;
  #paths: Record<string, string>;
  #quitting = false;
  #onQuit: Array<() => void> = [];

  constructor(o: RuntimeOptions) {
    this.id = o.id;
    this.browser = o.browser;
    this.argv = o.argv;
    this.userData = o.userData;
    this.#paths = { userData: o.userData, appData: o.userData, home: o.userData, temp: o.userData, logs: o.userData };
    this.#readyPromise = new Promise((resolve) => {
      this.#ready = resolve;
    });
    this.#ipc = new Emitter(this.errors);
    this.app = this.#createApp(o);
    this.powerMonitor = new Emitter(this.errors);
    this.electron = this.#createModule(o);
    registry().set(o.id, this);
  }

  record(api: string, args: unknown[]): void {
    this.calls.push({ api, args });
  }

  callsTo(api: string): unknown[][] {
    return this.calls.filter((c) => c.api === api).map((c) => c.args);
  }

  /** Becomes ready (the browser context is the default session): `whenReady` resolves, `ready` fires. */
  async becomeReady(): Promise<void> {
    if (this.state !== 'starting') return;
    this.context = await this.browser.newContext({ permissions: ['camera', 'microphone'] });
    await this.context.route('**/*', (route, request) => this.#route(route, request));
    this.state = 'ready';
    this.app.emit('will-finish-launching');
    this.app.emit('ready', new StandinEvent(), {});
    this.#ready();
    // Let the app's whenReady().then(start) run.
    await new Promise((r) => setImmediate(r));
  }

  whenQuit(): Promise<void> {
    if (this.state === 'quit') return Promise.resolve();
    return new Promise((resolve) => this.#onQuit.push(resolve));
  }

  async newPage(): Promise<Page> {
    if (!this.context) throw new Error('electron stand-in: BrowserWindow before app ready');
    return this.context.newPage();
  }

  readPreload(path: string): Promise<string> {
    return readFile(path, 'utf8');
  }

  focusedWindow(): BrowserWindowStandin | null {
    return [...this.windows].find((w) => w.focused) ?? null;
  }

  /** The application menu in effect: the app's, or Electron's default one when the app set none. */
  effectiveMenu(): MenuStandin | null {
    if (this.appMenu !== undefined) return this.appMenu;
    return new MenuStandin(this, [
      { role: 'fileMenu', submenu: [{ role: 'quit' }] },
      {
        role: 'editMenu',
        submenu: [{ role: 'undo' }, { role: 'redo' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }],
      },
      {
        role: 'viewMenu',
        submenu: [
          { role: 'reload' },
          { role: 'forceReload' },
          { role: 'toggleDevTools' },
          { role: 'togglefullscreen' },
        ],
      },
      { role: 'windowMenu', submenu: [{ role: 'minimize' }, { role: 'close' }] },
    ]);
  }

  /**
   * A key combination typed into a focused window: `before-input-event` first (preventable), then the
   * application menu's accelerators (Electron's default menu when the app set none), then the page.
   */
  async pressKey(win: BrowserWindowStandin, accelerator: string): Promise<'prevented' | 'menu' | 'page'> {
    const norm = (a: string) =>
      a
        .replace(/CommandOrControl|CmdOrCtrl|Command|Cmd/gi, 'Ctrl')
        .split('+')
        .map((k) => k.toLowerCase())
        .sort()
        .join('+');
    const parts = accelerator.split('+');
    const key = parts[parts.length - 1] ?? '';
    const input = new StandinEvent({
      type: 'keyDown',
      key: key.length === 1 ? key.toLowerCase() : key,
      control: /ctrl|control/i.test(accelerator),
      shift: /shift/i.test(accelerator),
      alt: /alt/i.test(accelerator),
      meta: false,
    });
    const event = new StandinEvent();
    win.contents.emit('before-input-event', event, input);
    if (event.defaultPrevented) return 'prevented';
    const item = this.effectiveMenu()
      ?.all()
      .find((i) => i.accelerator && i.enabled && norm(i.accelerator) === norm(accelerator));
    if (item) {
      item.click();
      return 'menu';
    }
    await win.page.keyboard.press(accelerator.replace(/CommandOrControl|CmdOrCtrl|Ctrl/gi, 'Control'));
    return 'page';
  }

  performRole(role: string, win: BrowserWindowStandin | null): void {
    this.record('menu role', [role]);
    switch (role) {
      case 'reload':
      case 'forceReload':
        win?.contents.reload();
        return;
      case 'quit':
        this.#quit();
        return;
      case 'close':
        win?.close();
        return;
      case 'minimize':
        win?.minimize();
        return;
      case 'copy':
      case 'paste':
      case 'cut':
      case 'selectAll':
      case 'undo':
      case 'redo':
      case 'toggleDevTools':
      case 'togglefullscreen':
        return;
      default:
        throw new Error(`electron stand-in: role ${role} has no action here`);
    }
  }

  /** The last window closed: Electron emits window-all-closed (not while quitting). */
  allWindowsClosed(): void {
    if (!this.#quitting) this.app.emit('window-all-closed');
  }

  /** A page's IPC: invoke → ipcMain.handle handler, send → ipcMain listeners, with the real sender. */
  async fromPage(wc: WebContentsStandin, frame: Frame, msg: IpcMessage): Promise<unknown> {
    if (!msg || typeof msg !== 'object' || typeof msg.channel !== 'string' || !Array.isArray(msg.args)) {
      return { error: 'malformed IPC message' };
    }
    const senderFrame = wc.frameMain(frame);
    if (msg.kind === 'permission') {
      return { value: await this.#askPermission(wc, frame, msg.args[0] as string[]) };
    }
    const event = strict(
      new StandinEvent({
        sender: wc.proxy,
        senderFrame,
        frameId: 1,
        processId: 1,
        reply: (channel: string, ...args: unknown[]) => wc.send(channel, ...args),
      }),
      'IpcMainEvent',
      this,
    );
    this.record(`ipc ${msg.kind}`, [msg.channel]);
    if (msg.kind === 'send') {
      this.#ipc.emit(msg.channel, event, ...msg.args);
      return undefined;
    }
    const handler = this.#handlers.get(msg.channel);
    if (!handler) return { error: `Error: No handler registered for '${msg.channel}'` };
    try {
      return { value: await (handler as (...a: unknown[]) => unknown)(event, ...msg.args) };
    } catch (err) {
      return { error: String(err) };
    }
  }

  async #askPermission(wc: WebContentsStandin, frame: Frame, mediaTypes: string[]): Promise<boolean> {
    const handler = this.#permissionRequest;
    if (!handler) return true; // Electron grants by default
    const requestingUrl = fromPageUrl(frame.url(), this);
    return new Promise<boolean>((resolve) => {
      (handler as (...a: unknown[]) => void)(wc.proxy, 'media', (ok: boolean) => resolve(ok === true), {
        requestingUrl,
        mediaTypes,
        isMainFrame: frame.parentFrame() === null,
      });
    });
  }

  /** Every request of the app's pages: webRequest.onBeforeRequest, will-navigate, protocol handlers. */
  async #route(route: import('@playwright/test').Route, request: import('@playwright/test').Request): Promise<void> {
    const url = fromPageUrl(request.url(), this);
    try {
      if (this.#beforeRequest) {
        const cancel = await new Promise<boolean>((resolve) =>
          (this.#beforeRequest as (...a: unknown[]) => void)(
            { url, method: request.method(), resourceType: request.resourceType() },
            (r: { cancel?: boolean } = {}) => resolve(r.cancel === true),
          ),
        );
        if (cancel) return await route.abort('blockedbyclient');
      }
      if (request.isNavigationRequest()) {
        const frame = request.frame();
        const wc = [...this.windows].map((w) => w.contents).find((c) => c.page === frame.page());
        if (wc && frame.parentFrame() === null) {
          if (wc.expectNavigation) wc.expectNavigation = false;
          else {
            const ev = new StandinEvent({ url, isMainFrame: true });
            wc.emit('will-navigate', ev);
            if (ev.defaultPrevented) return await route.abort('aborted');
          }
        }
      }
      const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
      const handler = this.#protocols.get(scheme);
      if (!handler) return await route.continue();
      const res = await handler(new Request(url, { method: request.method(), headers: request.headers() }));
      let headers: Record<string, string | string[]> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      if (this.#headersReceived) {
        headers = await new Promise((resolve) =>
          (this.#headersReceived as (...a: unknown[]) => void)(
            { url, statusCode: res.status, responseHeaders: headers },
            (r: { responseHeaders?: Record<string, string | string[]> } = {}) => resolve(r.responseHeaders ?? headers),
          ),
        );
      }
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      await route.fulfill({ status: res.status, headers: flat, body: Buffer.from(await res.arrayBuffer()) });
    } catch (err) {
      this.errors.push(`request ${url}: ${String(err)}`);
      await route.abort('failed').catch(() => {});
    }
  }

  /** app.quit(): before-quit (preventable), windows closed (each preventable), will-quit, quit. */
  #quit(): void {
    if (this.state === 'quit') return;
    const before = new StandinEvent();
    this.#quitting = true;
    this.app.emit('before-quit', before);
    if (before.defaultPrevented) {
      this.#quitting = false;
      return;
    }
    for (const w of [...this.windows]) {
      w.close();
      if (!w.destroyed) {
        this.#quitting = false;
        return;
      }
    }
    const will = new StandinEvent();
    this.app.emit('will-quit', will);
    if (will.defaultPrevented) {
      this.#quitting = false;
      return;
    }
    this.app.emit('quit', new StandinEvent(), 0);
    this.#end(0);
  }

  #end(code: number): void {
    if (this.state === 'quit') return;
    this.state = 'quit';
    this.exitCode = code;
    for (const w of [...this.windows]) w.destroy();
    for (const [path, holder] of locks) if (holder === this) locks.delete(path);
    void this.context?.close().catch(() => {});
    for (const fn of this.#onQuit.splice(0)) fn();
  }

  /** The test harness ends a run that did not quit by itself (like killing the process). */
  kill(): void {
    this.#end(137);
  }

  #createApp(o: RuntimeOptions): Emitter {
    const app = new Emitter(this.errors);
    let name = 'Electron';
    let loginItem = { openAtLogin: false, args: [] as string[] };
    const defaultClients = new Set<string>();
    Object.assign(app, {
      isPackaged: false,
      commandLine: strict(
        {
          switches: new Map<string, string>(),
          appendSwitch(s: string, v = '') {
            this.switches.set(s, v);
          },
          hasSwitch(s: string) {
            return this.switches.has(s);
          },
          getSwitchValue(s: string) {
            return this.switches.get(s) ?? '';
          },
        },
        'app.commandLine',
        this,
      ),
      setName: (n: string) => {
        name = n;
      },
      getName: () => name,
      getVersion: () => '0.1.0',
      getLocale: () => o.locale ?? 'en-US',
      getAppPath: () => o.appPath,
      getPath: (which: string) => {
        const p = this.#paths[which];
        if (!p) throw new Error(`electron stand-in: app.getPath('${which}') is not implemented`);
        return p;
      },
      setPath: (which: string, path: string) => {
        this.#paths[which] = path;
      },
      setAppUserModelId: (id: string) => this.record('app.setAppUserModelId', [id]),
      isReady: () => this.state === 'ready',
      whenReady: () => this.#readyPromise,
      requestSingleInstanceLock: (additionalData?: unknown) => {
        const path = this.#paths.userData ?? '';
        const holder = locks.get(path);
        if (holder && holder !== this && holder.state !== 'quit') {
          this.record('app.requestSingleInstanceLock', [false]);
          const argv = [...this.argv];
          setImmediate(() =>
            holder.app.emit('second-instance', new StandinEvent(), argv, process.cwd(), additionalData),
          );
          return false;
        }
        locks.set(path, this);
        this.record('app.requestSingleInstanceLock', [true]);
        return true;
      },
      hasSingleInstanceLock: () => locks.get(this.#paths.userData ?? '') === this,
      releaseSingleInstanceLock: () => {
        if (locks.get(this.#paths.userData ?? '') === this) locks.delete(this.#paths.userData ?? '');
      },
      setAsDefaultProtocolClient: (protocol: string, path?: string, args?: string[]) => {
        this.record('app.setAsDefaultProtocolClient', [protocol, path, args]);
        defaultClients.add(protocol);
        return true;
      },
      removeAsDefaultProtocolClient: (protocol: string) => defaultClients.delete(protocol),
      isDefaultProtocolClient: (protocol: string) => defaultClients.has(protocol),
      setLoginItemSettings: (settings: { openAtLogin?: boolean; args?: string[] }) => {
        this.record('app.setLoginItemSettings', [settings]);
        loginItem = { openAtLogin: settings.openAtLogin ?? false, args: settings.args ?? [] };
      },
      getLoginItemSettings: () => ({
        ...loginItem,
        openAsHidden: false,
        wasOpenedAtLogin: false,
        wasOpenedAsHidden: false,
      }),
      focus: () => this.record('app.focus', []),
      quit: () => this.#quit(),
      exit: (code = 0) => {
        this.record('app.exit', [code]);
        this.#end(code);
      },
      relaunch: () => this.record('app.relaunch', []),
    });
    return strict(app, 'app', this);
  }

  #createModule(o: RuntimeOptions): Record<string, unknown> {
    const rt = this;
    const ses = strict(
      {
        protocol: strict(
          {
            handle: (scheme: string, handler: ProtocolHandler) => {
              if (rt.state !== 'ready') throw new Error('protocol.handle before app ready');
              rt.#protocols.set(scheme, handler);
            },
            unhandle: (scheme: string) => rt.#protocols.delete(scheme),
            isProtocolHandled: (scheme: string) => rt.#protocols.has(scheme),
          },
          'session.protocol',
          rt,
        ),
        setPermissionRequestHandler: (h: Listener | null) => {
          rt.#permissionRequest = h;
        },
        setPermissionCheckHandler: (h: Listener | null) => {
          rt.#permissionCheck = h;
        },
        webRequest: strict(
          {
            onBeforeRequest: (a: unknown, b?: unknown) => {
              rt.#beforeRequest = (typeof a === 'function' ? a : b) as Listener;
            },
            onHeadersReceived: (a: unknown, b?: unknown) => {
              rt.#headersReceived = (typeof a === 'function' ? a : b) as Listener;
            },
          },
          'session.webRequest',
          rt,
        ),
        /** Test hook: what the app's permission check handler says. */
        checkPermission: (permission: string, origin: string) =>
          (rt.#permissionCheck as ((...a: unknown[]) => boolean) | null)?.(null, permission, origin, {}) ?? true,
      },
      'Session',
      rt,
    );
    const session = strict(
      {
        get defaultSession() {
          if (rt.state !== 'ready') throw new Error('session.defaultSession before app ready');
          return ses;
        },
      },
      'session',
      rt,
    );
    const BrowserWindow = class {
      constructor(options: Record<string, unknown> = {}) {
        // biome-ignore lint/correctness/noConstructorReturn: Electron objects are the strict proxies
        return new BrowserWindowStandin(rt, options).proxy;
      }
      static getAllWindows() {
        return [...rt.windows].map((w) => w.proxy);
      }
      static getFocusedWindow() {
        return rt.focusedWindow()?.proxy ?? null;
      }
    };
    const Menu = class {
      constructor() {
        // biome-ignore lint/correctness/noConstructorReturn: see BrowserWindow
        return strict(new MenuStandin(rt), 'Menu', rt);
      }
      static buildFromTemplate(template: MenuItemSpec[]) {
        return strict(new MenuStandin(rt, template), 'Menu', rt);
      }
      static setApplicationMenu(menu: MenuStandin | null) {
        rt.record('Menu.setApplicationMenu', [menu ? menu.items.map((i) => i.label || i.role) : null]);
        rt.appMenu = menu;
      }
      static getApplicationMenu() {
        return rt.effectiveMenu();
      }
    };
    const MenuItem = class {
      constructor(spec: MenuItemSpec) {
        // biome-ignore lint/correctness/noConstructorReturn: see BrowserWindow
        return strict(new MenuItemStandin(spec, rt), 'MenuItem', rt);
      }
    };
    const image = (source: string, bytes: number) => strict(new NativeImageStandin(source, bytes), 'NativeImage', rt);
    const nativeImage = strict(
      {
        createFromBuffer: (buf: Buffer) => image('buffer', buf.length),
        createFromPath: (path: string) => image(path, path ? 1 : 0),
        createEmpty: () => image('empty', 0),
      },
      'nativeImage',
      rt,
    );
    const Tray = class {
      constructor(img: NativeImageStandin | string) {
        if (rt.failures.has('Tray')) throw new Error('electron stand-in: Tray failed (simulated)');
        const i = typeof img === 'string' ? image(img, 1) : img;
        // biome-ignore lint/correctness/noConstructorReturn: see BrowserWindow
        return strict(new TrayStandin(rt, i), 'Tray', rt);
      }
    };
    const Notification = class {
      constructor(options: Record<string, unknown> = {}) {
        // biome-ignore lint/correctness/noConstructorReturn: see BrowserWindow
        return strict(new NotificationStandin(rt, options), 'Notification', rt);
      }
      static isSupported() {
        return true;
      }
    };
    const ipcMain = strict(
      Object.assign(this.#ipc, {
        handle: (channel: string, fn: Listener) => {
          if (rt.#handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
          rt.#handlers.set(channel, fn);
        },
        handleOnce: (channel: string, fn: Listener) => {
          rt.#handlers.set(channel, (...a: never[]) => {
            rt.#handlers.delete(channel);
            return fn(...a);
          });
        },
        removeHandler: (channel: string) => rt.#handlers.delete(channel),
      }),
      'ipcMain',
      rt,
    );
    const protocol = strict(
      {
        registerSchemesAsPrivileged: (schemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>) => {
          if (rt.state !== 'starting') throw new Error('registerSchemesAsPrivileged must be called before app ready');
          for (const s of schemes)
            if (s.privileges?.standard && s.privileges.secure) rt.privilegedSchemes.add(s.scheme);
          rt.record('protocol.registerSchemesAsPrivileged', [schemes]);
        },
        handle: (scheme: string, handler: ProtocolHandler) =>
          (ses as { protocol: { handle: Listener } }).protocol.handle(scheme as never, handler as never),
      },
      'protocol',
      rt,
    );
    const screen = strict(
      {
        getPrimaryDisplay: () => ({
          id: 1,
          scaleFactor: 1,
          bounds: { x: 0, y: 0, width: 1920, height: 1080 },
          workArea: { x: 0, y: 0, width: 1920, height: 1040 },
        }),
      },
      'screen',
      rt,
    );
    const globalShortcut = strict(
      {
        register: (accelerator: string, fn: () => void) => {
          rt.shortcuts.set(accelerator, fn);
          return true;
        },
        unregister: (accelerator: string) => rt.shortcuts.delete(accelerator),
        unregisterAll: () => rt.shortcuts.clear(),
        isRegistered: (accelerator: string) => rt.shortcuts.has(accelerator),
      },
      'globalShortcut',
      rt,
    );
    const PREFIX = 'standin-safeStorage:';
    const safeStorage = strict(
      {
        isEncryptionAvailable: () => rt.state === 'ready',
        encryptString: (text: string) => Buffer.from(PREFIX + Buffer.from(text, 'utf8').toString('base64')),
        decryptString: (buf: Buffer) => {
          const s = buf.toString('utf8');
          if (!s.startsWith(PREFIX))
            throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
          return Buffer.from(s.slice(PREFIX.length), 'base64').toString('utf8');
        },
        getSelectedStorageBackend: () => 'gnome_libsecret',
      },
      'safeStorage',
      rt,
    );
    const powerMonitor = strict(this.powerMonitor, 'powerMonitor', rt);
    const mod = {
      app: this.app,
      BrowserWindow: strict(BrowserWindow, 'BrowserWindow', rt),
      globalShortcut,
      ipcMain,
      Menu: strict(Menu, 'Menu', rt),
      MenuItem,
      nativeImage,
      Notification: strict(Notification, 'Notification', rt),
      powerMonitor,
      protocol,
      safeStorage,
      screen,
      session,
      Tray,
    };
    void o;
    return mod;
  }
}

export { toPageUrl };
