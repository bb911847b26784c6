// BrowserWindow / webContents / WebFrameMain of the stand-in: each window is a real Chromium page
// (Playwright) in the app's browser context. The page's URL is the mapped https origin of the app's
// scheme (see urls.ts); everything main sees (getURL, senderFrame.url, navigation events) is the app URL.
import type { Frame, Page } from '@playwright/test';
import type { StandinRuntime } from './runtime.js';
import { Emitter, StandinEvent, strict } from './strict.js';
import { fromPageUrl, toPageUrl } from './urls.js';

let nextWebContentsId = 1;
let nextWindowId = 1;

/** The page-side IPC and preload runner, injected before any script of the page (preload first). */
function pageScript(preloadSource: string | null): string {
  return `(() => {
  if (window !== window.top || window.__electronStandinDeliver) return;
  const send = window.__electronStandinIpc;
  const listeners = new Map();
  const ipcRenderer = {
    invoke(channel, ...args) {
      return send({ kind: 'invoke', channel, args }).then((r) => {
        if (r && r.error !== undefined) throw new Error("Error invoking remote method '" + channel + "': " + r.error);
        return r ? r.value : undefined;
      });
    },
    send(channel, ...args) { send({ kind: 'send', channel, args }); },
    on(channel, fn) { if (!listeners.has(channel)) listeners.set(channel, []); listeners.get(channel).push(fn); return ipcRenderer; },
    once(channel, fn) { const w = (...a) => { ipcRenderer.removeListener(channel, w); fn(...a); }; return ipcRenderer.on(channel, w); },
    removeListener(channel, fn) { const l = listeners.get(channel) || []; const i = l.indexOf(fn); if (i >= 0) l.splice(i, 1); return ipcRenderer; },
    off(channel, fn) { return ipcRenderer.removeListener(channel, fn); },
    removeAllListeners(channel) { listeners.delete(channel); return ipcRenderer; },
  };
  Object.defineProperty(window, '__electronStandinDeliver', {
    value: (channel, args) => {
      for (const fn of [...(listeners.get(channel) || [])]) {
        try { fn({ sender: ipcRenderer, ports: [] }, ...args); } catch (e) { console.error(e); }
      }
    },
  });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      if (key in window) throw new Error('Cannot bind an API on top of an existing property on the window object');
      Object.defineProperty(window, key, { value: Object.freeze({ ...api }), enumerable: true });
    },
  };
  const require = (name) => {
    if (name === 'electron') return { ipcRenderer, contextBridge };
    throw new Error("module not found: " + name + " (a sandboxed preload can only require 'electron')");
  };
  const module = { exports: {} };
  ${preloadSource === null ? '' : `(function (require, module, exports) {\n${preloadSource}\n})(require, module, module.exports);`}
})();`;
}

export interface IpcMessage {
  kind: 'invoke' | 'send' | 'permission';
  channel: string;
  args: unknown[];
}

/** One WebFrameMain per Playwright frame, so `senderFrame === sender.mainFrame` holds as in Electron. */
class FrameMain {
  constructor(
    private readonly frame: Frame,
    private readonly wc: WebContentsStandin,
  ) {}
  get url(): string {
    return fromPageUrl(this.frame.url(), this.wc.rt);
  }
  get name(): string {
    return this.frame.name();
  }
  get parent(): unknown {
    const p = this.frame.parentFrame();
    return p ? this.wc.frameMain(p) : null;
  }
  get top(): unknown {
    return this.wc.mainFrame;
  }
  get detached(): boolean {
    return this.frame.isDetached();
  }
}

export class WebContentsStandin extends Emitter {
  readonly id = nextWebContentsId++;
  page: Page | null = null;
  destroyed = false;
  readonly frames = new WeakMap<Frame, unknown>();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  /** Set while main itself navigates (loadURL, reload): no will-navigate for those, as in Electron. */
  expectNavigation = false;
  #sendChain: Promise<unknown> = Promise.resolve();
  #proxy: WebContentsStandin;

  constructor(readonly rt: StandinRuntime) {
    super(rt.errors);
    this.#proxy = strict(this, 'webContents', rt);
  }

  get proxy(): WebContentsStandin {
    return this.#proxy;
  }

  frameMain(frame: Frame): unknown {
    let f = this.frames.get(frame);
    if (!f) {
      f = strict(new FrameMain(frame, this), 'WebFrameMain', this.rt);
      this.frames.set(frame, f);
    }
    return f;
  }

  get mainFrame(): unknown {
    return this.page ? this.frameMain(this.page.mainFrame()) : null;
  }

  getURL(): string {
    return this.page ? fromPageUrl(this.page.url(), this.rt) : '';
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  isLoading(): boolean {
    return false;
  }

  /** Main → page message; ordered, dropped when no page (or no preload) listens, as in Electron. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const page = this.page;
    if (!page) return;
    this.rt.record('webContents.send', [this.id, channel, ...args]);
    this.#sendChain = this.#sendChain
      .then(() =>
        page.evaluate(
          ([c, a]) =>
            (
              window as unknown as { __electronStandinDeliver?: (c: string, a: unknown[]) => void }
            ).__electronStandinDeliver?.(c as string, a as unknown[]),
          [channel, args] as const,
        ),
      )
      .catch(() => {});
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  reload(): void {
    const page = this.page;
    if (!page) return;
    this.expectNavigation = true;
    page.reload().catch((err: unknown) => this.rt.errors.push(`reload failed: ${String(err)}`));
  }

  focus(): void {
    this.page?.bringToFront().catch(() => {});
  }

  /** Attaches the Chromium page: IPC binding, preload, load / crash / popup events. */
  async attach(page: Page, preload: string | null): Promise<void> {
    this.page = page;
    await page.exposeBinding('__electronStandinIpc', ({ frame }, msg: IpcMessage) =>
      this.rt.fromPage(this, frame, msg),
    );
    const source = preload ? await this.rt.readPreload(preload) : null;
    await page.addInitScript({ content: pageScript(source) });
    // getUserMedia asks main's permission request handler first (Chromium's own prompt is faked).
    await page.addInitScript({
      content: `(() => {
        const md = navigator.mediaDevices; if (!md || window !== window.top) return;
        const gum = md.getUserMedia.bind(md);
        const ask = window.__electronStandinIpc;
        md.getUserMedia = async (c = {}) => {
          const mediaTypes = [c.audio ? 'audio' : null, c.video ? 'video' : null].filter(Boolean);
          const ok = await ask({ kind: 'permission', channel: 'media', args: [mediaTypes] });
          if (!ok || !ok.value) throw new DOMException('Permission denied', 'NotAllowedError');
          return gum(c);
        };
      })();`,
    });
    if (process.env.STANDIN_DEBUG) page.on('console', (m) => console.log(`[page ${this.id}] ${m.text()}`));
    page.on('load', () => this.emit('did-finish-load', new StandinEvent()));
    page.on('crash', () => this.emit('render-process-gone', new StandinEvent(), { reason: 'crashed', exitCode: 1 }));
    page.on('popup', (popup) => {
      const url = fromPageUrl(popup.url(), this.rt);
      const decision = this.windowOpenHandler?.({ url }) ?? { action: 'allow' };
      this.rt.record('window.open', [url, decision.action]);
      if (decision.action === 'deny') popup.close().catch(() => {});
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

interface WindowOptions {
  show?: boolean;
  title?: string;
  webPreferences?: { preload?: string } & Record<string, unknown>;
  [key: string]: unknown;
}

export class BrowserWindowStandin extends Emitter {
  readonly id = nextWindowId++;
  readonly contents: WebContentsStandin;
  readonly options: WindowOptions;
  readonly ready: Promise<void>;
  visible = false;
  focused = false;
  minimized = false;
  alwaysOnTop: { on: boolean; level?: string } = { on: false };
  flashing = false;
  destroyed = false;
  title: string;
  #shownOnce = false;
  #proxy: BrowserWindowStandin;

  constructor(
    readonly rt: StandinRuntime,
    options: WindowOptions = {},
  ) {
    super(rt.errors);
    this.options = options;
    this.title = options.title ?? '';
    this.alwaysOnTop = { on: options.alwaysOnTop === true };
    this.contents = new WebContentsStandin(rt);
    this.#proxy = strict(this, 'BrowserWindow', rt);
    rt.windows.add(this);
    rt.record('new BrowserWindow', [options]);
    this.ready = rt
      .newPage()
      .then((page) => this.contents.attach(page, options.webPreferences?.preload ?? null))
      .then(() => {
        this.contents.page?.once('load', () => {
          if (!this.#shownOnce) this.emit('ready-to-show', new StandinEvent());
        });
      });
    // A window destroyed before its page existed (the app quit during start-up) leaves no stray rejection.
    this.ready.catch((err: unknown) => {
      if (!this.destroyed) rt.errors.push(`window page: ${String(err)}`);
    });
    if (options.show !== false) queueMicrotask(() => this.show());
  }

  get proxy(): BrowserWindowStandin {
    return this.#proxy;
  }

  get webContents(): WebContentsStandin {
    return this.contents.proxy;
  }

  /** The Chromium page behind the window (tests drive it like a user). */
  get page(): Page {
    if (!this.contents.page) throw new Error('window has no page yet');
    return this.contents.page;
  }

  async loadURL(url: string): Promise<void> {
    await this.ready;
    const page = this.contents.page;
    if (!page || this.destroyed) throw new Error('Object has been destroyed');
    this.rt.record('loadURL', [this.id, url]);
    this.contents.expectNavigation = true;
    await page.goto(toPageUrl(url, this.rt), { waitUntil: 'load' });
  }

  show(): void {
    this.#alive();
    this.#shownOnce = true;
    this.minimized = false;
    const wasVisible = this.visible;
    this.visible = true;
    if (!wasVisible) this.emit('show');
    this.focus();
  }

  showInactive(): void {
    this.#alive();
    this.#shownOnce = true;
    if (this.visible) return;
    this.visible = true;
    this.emit('show');
  }

  hide(): void {
    this.#alive();
    if (!this.visible) return;
    this.visible = false;
    this.blur();
    this.emit('hide');
  }

  focus(): void {
    this.#alive();
    if (this.focused) return;
    for (const w of this.rt.windows) if (w !== this) w.blur();
    this.focused = true;
    this.emit('focus');
  }

  blur(): void {
    if (!this.focused) return;
    this.focused = false;
    this.emit('blur');
  }

  minimize(): void {
    this.minimized = true;
    this.blur();
    this.emit('minimize');
  }

  restore(): void {
    if (!this.minimized) return;
    this.minimized = false;
    this.emit('restore');
  }

  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isAlwaysOnTop(): boolean {
    return this.alwaysOnTop.on;
  }

  setAlwaysOnTop(on: boolean, level?: string): void {
    this.alwaysOnTop = level ? { on, level } : { on };
  }

  flashFrame(on: boolean): void {
    this.flashing = on;
    this.rt.record('flashFrame', [this.id, on]);
  }

  setTitle(title: string): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }

  /** Closing asks 'close' listeners first (preventable), then destroys. */
  close(): void {
    if (this.destroyed) return;
    const event = new StandinEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.focused = false;
    this.rt.windows.delete(this);
    this.contents.destroy();
    const page = this.contents.page;
    this.emit('closed');
    void this.ready.then(() => page?.close()).catch(() => {});
    if (this.rt.windows.size === 0) this.rt.allWindowsClosed();
  }

  #alive(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
  }
}
