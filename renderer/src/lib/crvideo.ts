import { CALLBACK_NAMES, type CallbackName, type CRVideoAPI, type CRVideoCallbacks } from '../../../sdk/api.js';
import type { ClientStateSource } from '../../../sdk/ClientState.js';

/**
 * The renderer's only door to the SDK: the `CRVideo_*` globals (installed by /sdk/crvideo.js in a browser,
 * by the preload bridge in Electron). Each callback holder gets one `.callback`, which fans out to every
 * store that subscribed with `on()`, so several stores can listen to the same notification.
 */
type Listener<K extends CallbackName> = (...args: CRVideoCallbacks[K]) => void;

const listeners = new Map<CallbackName, Set<Listener<CallbackName>>>();
let installed: CRVideoAPI | null = null;

/** True once every function and holder of the API exists on `target`. */
export function hasGlobals(target: object): boolean {
  const t = target as Partial<CRVideoAPI>;
  return typeof t.CRVideo_Login === 'function' && CALLBACK_NAMES.every((name) => typeof t[name] === 'object');
}

/** The API; throws if start-up has not installed it yet (a programming error, not a user one). */
export function crv(): CRVideoAPI {
  if (!installed) throw new Error('CRVideo API not installed');
  return installed;
}

/** Assigns every holder's `.callback` once; notifications then reach the listeners registered with `on()`. */
export function installDispatcher(api: CRVideoAPI): void {
  installed = api;
  for (const name of CALLBACK_NAMES) {
    const holder = api[name];
    holder.callback = (...args: unknown[]) => dispatch(name, args);
  }
}

function dispatch(name: CallbackName, args: unknown[]): void {
  const set = listeners.get(name);
  if (!set) return;
  for (const fn of [...set]) {
    try {
      (fn as (...a: unknown[]) => void)(...args);
    } catch (err) {
      console.error(`[ui] listener of ${name} threw`, err);
    }
  }
}

/** Subscribes to one notification; returns the unsubscribe. */
export function on<K extends CallbackName>(name: K, fn: Listener<K>): () => void {
  let set = listeners.get(name);
  if (!set) {
    set = new Set();
    listeners.set(name, set);
  }
  set.add(fn as unknown as Listener<CallbackName>);
  return () => set.delete(fn as unknown as Listener<CallbackName>);
}

let cookieSeq = 0;

/** A fresh cookie, so a store can tell its own results from anyone else's. */
export function cookie(tag: string): string {
  cookieSeq += 1;
  return `ui:${tag}:${cookieSeq}`;
}

/**
 * The SDK's client-side state model (own presence, DND, calls, room): `CRVideoSDK.state` of the browser
 * bundle and of the desktop bridge (where main keeps it). null when the SDK build has none.
 */
export function clientState(target: object = globalThis): ClientStateSource | null {
  const sdk = (target as { CRVideoSDK?: { state?: Partial<ClientStateSource> } }).CRVideoSDK;
  const state = sdk?.state;
  return state && typeof state.subscribe === 'function' && 'snapshot' in state ? (state as ClientStateSource) : null;
}

/**
 * An optional extension some SDK builds add beyond sdk/api.ts (the browser and desktop bundles have it):
 * transport statistics. Feature-detected; the UI works without it.
 */
export interface MediaStatsLike {
  connected: boolean;
  /** 0 not connected, 1 bad … 5 excellent. */
  quality: number;
}

export interface OptionalExtensions {
  CRVideo_GetMediaStats?: () => Promise<MediaStatsLike | null>;
}

export function extensions(): OptionalExtensions {
  const api = installed as unknown as Record<string, unknown> | null;
  if (!api) return {};
  const out: OptionalExtensions = {};
  if (typeof api.CRVideo_GetMediaStats === 'function') {
    out.CRVideo_GetMediaStats = api.CRVideo_GetMediaStats as OptionalExtensions['CRVideo_GetMediaStats'];
  }
  return out;
}
