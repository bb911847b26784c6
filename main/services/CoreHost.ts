import { CRVideoError, SdkErr } from '../../protocol/index.js';
import type { CallbackName, CRVideoCallbacks } from '../../sdk/api.js';
import { BRIDGED_FUNCTIONS, type BridgedFunctionName, resultOf } from '../../sdk/bridge/functions.js';
import type { ClientStateSource } from '../../sdk/ClientState.js';
import type { CRVideoClient } from '../../sdk/CRVideoClient.js';
import { MainCookie } from './cookies.js';
import { Emitter } from './Emitter.js';
import { createLog } from './log.js';

const log = createLog('CoreHost');

/** The SDK core as main holds it: the client `createCRVideo` returns (API + `$core` internals). */
export type CoreClient = CRVideoClient;

/** One callback the core fired, its arguments typed by its name (narrow on `name`). */
export type CoreCallback = { [K in CallbackName]: [name: K, args: CRVideoCallbacks[K]] }[CallbackName];

export interface CoreHostEvents {
  /** Every callback the core fired, cookies as main passed them. */
  callback: CoreCallback;
  /** A function was handed to the core (from the page or main), with its arguments. */
  called: [fn: BridgedFunctionName, args: unknown[]];
  /** Logged in (UID) or not ('' after logout, LineOff or uninit). */
  session: [UID: string];
  closed: [];
}

/** How long main waits for the result of its own request before giving up with 202. */
const MAIN_REQUEST_TIMEOUT_MS = 20_000;

/**
 * Owns the SDK core in main: hears every callback it fires and re-emits them to whoever listens (the bridge to the page, the tray, the notifier…), routes every function call, and lets main
 * make its own requests as promises. It is the one place that knows whether we are logged in.
 */
export class CoreHost extends Emitter<CoreHostEvents> {
  readonly #core: CoreClient;
  readonly #offEmit: () => void;
  readonly #offState: () => void;
  #UID = '';
  #closed = false;

  static create(core: CoreClient): CoreHost {
    return new CoreHost(core);
  }

  private constructor(core: CoreClient) {
    super();
    this.#core = core;
    this.#offEmit = core.$core.onEmit((name, args) => this.#onCallback(name, args));
    // Signed in or out: the SDK's state model says so (after the callback that told the app).
    this.#offState = core.$core.state.subscribe((now, before) => {
      if (now.UID !== before.UID) this.#setSession(now.UID);
    });
  }

  /** The logged-in UID, '' when not logged in. */
  get UID(): string {
    return this.#UID;
  }

  get loggedIn(): boolean {
    return this.#UID !== '';
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The SDK's client-side state model (own presence, DND, calls, room): subscribe instead of re-deriving it. */
  get state(): ClientStateSource {
    return this.#core.$core.state;
  }

  /**
   * Calls an API function of the core. `callID` (CRVideo_Call only) is the id the page already returned.
   * Returns the function's own return value; throws a CRVideoError when the core throws.
   */
  call(fn: BridgedFunctionName, args: unknown[], callID?: string): unknown {
    if (this.#closed) throw new CRVideoError(SdkErr.NOT_INIT, 'core closed');
    if (fn === 'CRVideo_Logout' || fn === 'CRVideo_Uninit') this.#setSession('');
    try {
      if (fn === 'CRVideo_Call' && callID !== undefined) {
        const [calledUID, meetObj, usrExtDat, cookie] = args;
        this.#core.$core.callWithID(
          callID,
          calledUID as string,
          meetObj as { ID: number },
          usrExtDat as string,
          cookie,
        );
        return callID;
      }
      const f = this.#core[fn] as unknown as (...a: unknown[]) => unknown;
      return f.apply(this.#core, args);
    } catch (err) {
      log(`${fn} threw: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof CRVideoError) throw err;
      throw new CRVideoError(SdkErr.INNER_ERR, `${fn} failed`, { cause: err });
    } finally {
      this.safeEmit('called', fn, args);
    }
  }

  /**
   * Main's own request: resolves with the result callback's arguments (cookie excluded), rejects with a
   * CRVideoError carrying the sdkErr of the Fail / Rslt callback. `forward`: show the result to the page;
   * `callID`: CRVideo_Call under this id.
   */
  request(
    fn: BridgedFunctionName,
    args: unknown[],
    options: { forward?: boolean; callID?: string } = {},
  ): Promise<unknown[]> {
    const spec: { cookie: number } = BRIDGED_FUNCTIONS[fn];
    return new Promise<unknown[]>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(
        () => finish(new CRVideoError(SdkErr.NOSERVER_RSP, `${fn}: no result`)),
        MAIN_REQUEST_TIMEOUT_MS,
      );
      const finish = (err: CRVideoError | null, result: unknown[] = []) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result);
      };
      const cookie = new MainCookie(fn, args, options.forward ?? false, (callback, cbArgs) => {
        const result = cbArgs.slice(0, -1);
        const code = resultOf(fn, callback, result);
        if (code === null) return log(`${fn}: ${callback} is not one of its results; ignored`);
        finish(code === SdkErr.NOERR ? null : new CRVideoError(code, `${fn}: ${callback}`), result);
      });
      const callArgs = [...args];
      if (spec.cookie >= 0) {
        while (callArgs.length < spec.cookie) callArgs.push(undefined);
        callArgs[spec.cookie] = cookie;
      }
      try {
        this.call(fn, callArgs, options.callID);
      } catch (err) {
        finish(err instanceof CRVideoError ? err : new CRVideoError(SdkErr.INNER_ERR, String(err)));
      }
    });
  }

  /** Logs out if logged in (quitting, or the page restarted under a live session). */
  logout(reason: string): void {
    if (!this.loggedIn || this.#closed) return;
    log(`logout UID=${this.#UID}: ${reason}`);
    try {
      this.call('CRVideo_Logout', []);
    } catch {
      // already logged: nothing more to do on the way out
    }
  }

  /** Logs out and waits (at most `timeoutMs`) until the server confirmed and the line closed; then closes. */
  async closeGracefully(timeoutMs = 1500): Promise<void> {
    this.logout('quitting');
    const until = Date.now() + timeoutMs;
    while (this.#core.$core.lineState !== 'closed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.close();
  }

  /** Logs out (the line closes once the server confirmed) and stops listening; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.logout('closing');
    this.#closed = true;
    this.#offEmit();
    this.#offState();
    this.safeEmit('closed');
    this.removeAllListeners();
  }

  #onCallback(name: CallbackName, rawArgs: unknown[]): void {
    if (this.#closed) return;
    const args = [...rawArgs];
    const cookie = args.at(-1);
    if (cookie instanceof MainCookie) cookie.settle(name, args);
    // The SDK fires every callback with its declared arguments (sdk/api.ts): typed from here on.
    this.safeEmit('callback', ...([name, args] as CoreCallback));
  }

  #setSession(UID: string): void {
    if (UID === this.#UID) return;
    this.#UID = UID;
    log(UID ? `logged in UID=${UID}` : 'logged out');
    this.safeEmit('session', UID);
  }
}
