import type { CRVideoAPI } from '../api.js';

interface Holder {
  callback: unknown;
  call?: unknown;
}

function isHolder(v: unknown): v is Holder {
  return typeof v === 'object' && v !== null && 'callback' in v;
}

/**
 * Installs every `CRVideo_*` function and callback holder of `api` as globals on `target`, as
 * CloudRoom's H5 SDK has them. Holders stay the SDK's own objects: an app that sets
 * `CRVideo_LoginSuccess.callback = fn` (or `.call = fn`) is heard, and so is one that assigns a whole
 * new holder (`CRVideo_LoginSuccess = { callback: fn }`) or a bare function. Returns an uninstaller.
 */
export function installGlobals(api: CRVideoAPI, target: object = globalThis): () => void {
  const t = target as Record<string, unknown>;
  const source = api as unknown as Record<string, unknown>;
  const installed: string[] = [];
  for (const name of Object.keys(source)) {
    if (!name.startsWith('CRVideo_')) continue;
    const value = source[name];
    if (isHolder(value)) {
      Object.defineProperty(t, name, {
        configurable: true,
        enumerable: true,
        get: () => value,
        set: (v: unknown) => {
          if (typeof v === 'function') {
            value.callback = v;
          } else if (typeof v === 'object' && v !== null) {
            const h = v as Partial<Holder>;
            value.callback = typeof h.callback === 'function' ? h.callback : null;
            if ('call' in h) value.call = h.call;
          } else {
            value.callback = null;
          }
        },
      });
    } else if (typeof value === 'function') {
      Object.defineProperty(t, name, { configurable: true, enumerable: true, writable: true, value });
    } else {
      continue;
    }
    installed.push(name);
  }
  return () => {
    for (const name of installed) delete t[name];
  };
}
