import { CALLBACK_NAMES, type CallbackName, type CRVideoCallbacks, type CRVideoHolders } from './api.js';
import { h5HolderNames } from './h5/apiList.js';

export type EmitListener = (name: CallbackName, args: unknown[]) => void;

/** Fresh callback holders, one per API callback name and per holder of CloudRoom's H5 reference. */
export function createHolders(): CRVideoHolders {
  const holders = {} as Record<string, { callback: null }>;
  for (const name of [...CALLBACK_NAMES, ...h5HolderNames()]) holders[name] ??= { callback: null };
  return holders as unknown as CRVideoHolders;
}

/**
 * Calls a holder's `.callback` (or the `.call` function an app assigned, as the seed's example
 * does). A throwing app callback is logged and never breaks the SDK.
 */
export function fire<K extends CallbackName>(
  holders: CRVideoHolders,
  listeners: Set<EmitListener>,
  onError: (name: string, err: unknown) => void,
  name: K,
  args: CRVideoCallbacks[K],
): void {
  for (const l of listeners) {
    try {
      l(name, args);
    } catch (err) {
      onError(name, err);
    }
  }
  callHolder(holders[name], args, (err) => onError(name, err));
}

/** Calls one holder's `.callback`, or the `.call` function an app assigned; a throw goes to `onError`. */
export function callHolder(holder: unknown, args: readonly unknown[], onError: (err: unknown) => void): void {
  const h = holder as { callback?: unknown; call?: unknown } | undefined;
  if (!h) return;
  const fn =
    typeof h.callback === 'function'
      ? h.callback
      : typeof h.call === 'function' && h.call !== Function.prototype.call
        ? h.call
        : null;
  if (!fn) return;
  try {
    (fn as (...a: unknown[]) => void)(...args);
  } catch (err) {
    onError(err);
  }
}
