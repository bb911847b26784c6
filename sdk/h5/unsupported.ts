import { SdkErr } from '../../protocol/errors.js';
import { globalEntries } from './apiList.js';

/** The code every function outside this product answers with (CloudRoom: "service not enabled"). */
export const NOT_SUPPORTED = SdkErr.SEVICE_NOTENABLED;

/**
 * The functions of CloudRoom's H5 reference that CRVideo Phone does not offer (queues, screen share,
 * whiteboard, …): each logs one line and answers as its documentation says results arrive, through its
 * own Rslt / Fail callback (a microtask later, like a real answer), a rejected Promise, or an empty value.
 */
export function unsupportedFunctions(
  fire: (holder: string, args: unknown[]) => void,
  log: (line: string) => void,
): Record<string, (...args: unknown[]) => unknown> {
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const e of globalEntries()) {
    const how = e.unsupported;
    if (e.kind !== 'function' || !how) continue;
    out[e.name] = (...args: unknown[]) => {
      log(`${e.name} is not supported by CRVideo Phone (sdkErr ${NOT_SUPPORTED})`);
      if (how.cb) {
        const cbArgs = (how.args ?? []).map((a) => (a === 'err' ? NOT_SUPPORTED : typeof a === 'number' ? args[a] : a));
        const holder = how.cb;
        queueMicrotask(() => fire(holder, cbArgs));
      }
      if (how.promise) return Promise.reject({ errCode: NOT_SUPPORTED, errDesc: `${e.name} is not supported` });
      return how.returns;
    };
  }
  return out;
}
