import { CRVideoError, SdkErr } from '../../protocol/index.js';
import type { CallbackName } from '../../sdk/api.js';
import {
  CallbackEvent,
  Channels,
  CookieRef,
  type HelloReply,
  type InvokeReply,
  InvokeRequest,
  type MediaReply,
  MediaRequest,
} from '../../sdk/bridge/channels.js';
import { BRIDGED_FUNCTIONS, COOKIE_CALLBACKS } from '../../sdk/bridge/functions.js';
import type { CoreHost } from './CoreHost.js';
import { MainCookie, RendererCookie } from './cookies.js';
import { createLog } from './log.js';
import type { MediaRelay } from './MediaRelay.js';
import type { IpcPort, PagePort, SenderInfo } from './ports.js';

const log = createLog('BridgeService');

/** Callbacks carrying MediaStreams: they are fired in the page by its own media engine, never by main. */
const PAGE_ONLY_CALLBACKS = new Set<string>(['CRVideo_NotifyVideoStream', 'CRVideo_NotifyAudioStream']);

export interface BridgeServiceOptions {
  ipc: IpcPort;
  host: CoreHost;
  media: MediaRelay;
  /** The main window's page, or null while there is none. */
  page: () => PagePort | null;
  /** Only the main window's own frames from the app's own origin may use the bridge. */
  isTrusted: (sender: SenderInfo) => boolean;
  /** The page set a server address (main remembers it for the next start). */
  onServerAddr?: (addr: string) => void;
  /** The app's own page origin: a page defaulting its server to `location.origin` must not point the core there. */
  pageOrigin?: string;
}

/**
 * The main end of the page's bridge: routes `CRVideo_*` calls from the page to the core (checking the
 * sender and the payload), pushes the core's callbacks back with the page's cookies restored by ref, and
 * carries the page's media signaling. Main's own requests stay invisible to the page unless forwarded.
 */
export class BridgeService {
  readonly #o: BridgeServiceOptions;
  readonly #off: Array<() => void> = [];
  #closed = false;

  static create(options: BridgeServiceOptions): BridgeService {
    return new BridgeService(options);
  }

  private constructor(options: BridgeServiceOptions) {
    this.#o = options;
    const { ipc, host } = options;
    this.#off.push(
      ipc.handle(Channels.invoke, (sender, payload) => this.#onInvoke(sender, payload)),
      ipc.handle(Channels.hello, (sender) => this.#onHello(sender)),
      ipc.handle(Channels.mediaRequest, (sender, payload) => this.#onMediaRequest(sender, payload)),
      host.on('callback', (name, args) => this.#forward(name, args)),
      // The SDK's state model, for the page to subscribe to (after the callback that changed it).
      host.state.subscribe((now) => this.#send(Channels.state, now)),
    );
    options.media.attach((command) => this.#send(Channels.mediaCommand, command));
  }

  /** Fires an extension callback in the page (e.g. CRVideo_NotifyCallOut for a deep-link call). */
  notifyPage(name: string, args: unknown[]): void {
    this.#sendCallback({ name, args });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.media.attach(null);
    for (const off of this.#off.splice(0)) off();
  }

  #trusted(sender: SenderInfo, channel: string): boolean {
    if (this.#o.isTrusted(sender)) return true;
    log(`${channel} from untrusted sender (webContents ${sender.webContentsId}, ${sender.frameUrl}) dropped`);
    return false;
  }

  #onInvoke(sender: SenderInfo, payload: unknown): InvokeReply {
    if (!this.#trusted(sender, Channels.invoke)) return { sdkErr: SdkErr.INNER_ERR };
    const parsed = InvokeRequest.safeParse(payload);
    if (!parsed.success) {
      log(`bad invoke payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return { sdkErr: SdkErr.MEETPARAM_ERR };
    }
    const { fn, callID } = parsed.data;
    const args: unknown[] = [...parsed.data.args];
    const spec: { cookie: number } = BRIDGED_FUNCTIONS[fn];
    if (spec.cookie >= 0) {
      const ref = CookieRef.safeParse(args[spec.cookie] ?? null);
      if (!ref.success) {
        log(`${fn}: bad cookie ref`);
        return { sdkErr: SdkErr.MEETPARAM_ERR };
      }
      while (args.length <= spec.cookie) args.push(undefined);
      args[spec.cookie] = new RendererCookie(ref.data, fn, args.slice(0, spec.cookie));
    }
    if (fn === 'CRVideo_SetServerAddr' || fn === 'CRVideo_Init') {
      if (!this.#acceptServerAddr(fn, args))
        return { sdkErr: SdkErr.NOERR, value: fn === 'CRVideo_Init' ? 0 : undefined };
    }
    try {
      const value = this.#o.host.call(fn, args, callID);
      return {
        sdkErr: SdkErr.NOERR,
        value: typeof value === 'string' || typeof value === 'number' ? value : undefined,
      };
    } catch (err) {
      return { sdkErr: CRVideoError.codeOf(err) };
    }
  }

  /**
   * False when the call should not reach the core: an empty address or the page's own origin (a page
   * defaulting to `location.origin`) would replace the configured server with nothing usable.
   */
  #acceptServerAddr(fn: string, args: unknown[]): boolean {
    const params = fn === 'CRVideo_Init' ? (args[0] as Record<string, unknown> | undefined) : undefined;
    const raw = fn === 'CRVideo_SetServerAddr' ? args[0] : params?.serverAddr;
    if (fn === 'CRVideo_Init' && raw === undefined) return true;
    const addr = typeof raw === 'string' ? raw.trim() : '';
    const origin = this.#o.pageOrigin;
    if (addr === '' || (origin && addr.replace(/\/+$/, '') === origin)) {
      log(`${fn}(${JSON.stringify(raw)}) ignored: not a server address; keeping the configured one`);
      if (fn === 'CRVideo_Init') {
        const rest = { ...params };
        delete rest.serverAddr;
        args[0] = rest;
        return true;
      }
      return false;
    }
    this.#o.onServerAddr?.(addr);
    return true;
  }

  #onHello(sender: SenderInfo): HelloReply {
    const { host } = this.#o;
    if (!this.#trusted(sender, Channels.hello)) return { hostRingtone: true };
    const state = host.state.snapshot;
    if (!host.loggedIn) return { hostRingtone: true, state };
    // A reloaded page (Ctrl+R, a crash) joins the live session instead of signing the user out mid-call.
    log(`page (re)started: keeping the session of UID=${host.UID}`);
    return { hostRingtone: true, session: { UID: host.UID, dnd: state.dnd }, state };
  }

  async #onMediaRequest(sender: SenderInfo, payload: unknown): Promise<MediaReply> {
    if (!this.#trusted(sender, Channels.mediaRequest)) return { err: SdkErr.INNER_ERR };
    const parsed = MediaRequest.safeParse(payload);
    if (!parsed.success) {
      log(`bad media request: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return { err: SdkErr.MEETPARAM_ERR };
    }
    return this.#o.media.request(parsed.data.type, parsed.data.payload);
  }

  #forward(name: CallbackName, rawArgs: unknown[]): void {
    if (PAGE_ONLY_CALLBACKS.has(name)) return;
    const args = [...rawArgs];
    let cookie: { index: number; ref: number | null } | undefined;
    const last = args.length - 1;
    if (COOKIE_CALLBACKS.has(name) && last >= 0) {
      const c = args[last];
      if (c instanceof RendererCookie) {
        cookie = { index: last, ref: c.ref };
        args[last] = null;
      } else if (c instanceof MainCookie) {
        if (!c.forward) return;
        args[last] = undefined;
      }
    }
    this.#sendCallback(cookie ? { name, args, cookie } : { name, args });
  }

  #sendCallback(event: { name: string; args: unknown[]; cookie?: { index: number; ref: number | null } }): void {
    const parsed = CallbackEvent.safeParse(event);
    if (!parsed.success) {
      log(`${event.name} not sendable to the page: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    this.#send(Channels.callback, parsed.data);
  }

  #send(channel: string, payload: unknown): void {
    if (this.#closed) return;
    const page = this.#o.page();
    if (!page) return;
    try {
      page.send(channel, payload);
    } catch (err) {
      log(`send ${channel} failed: ${String(err)}`);
    }
  }
}
