// Stand-in objects refuse what they do not know: reading an unknown member throws (and is recorded, so a
// test fails even when the app swallows the error). Unknown means "not implemented here", not "absent
// from Electron": the stand-in implements the documented behaviour of what the app uses, nothing more.
import { EventEmitter } from 'node:events';

/** Members every object answers without being an Electron API (promise checks, inspection, JSON). */
const PASS = new Set(['then', 'toJSON', 'constructor', 'inspect', 'nodeType', 'asymmetricMatch', '$$typeof']);

export interface UnknownLog {
  unknown: string[];
}

/** A proxy of `target` whose unknown members throw; methods are bound to the target. */
export function strict<T extends object>(target: T, name: string, log: UnknownLog): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'symbol' || prop in t) {
        const v = Reflect.get(t, prop, t) as unknown;
        return typeof v === 'function' && !isClass(v) ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      }
      if (PASS.has(prop)) return undefined;
      const message = `electron stand-in: ${name}.${String(prop)} is not implemented`;
      log.unknown.push(message);
      throw new Error(message);
    },
  });
}

function isClass(v: unknown): boolean {
  return typeof v === 'function' && /^class\s/.test(Function.prototype.toString.call(v));
}

/** Electron's preventable events: `event.preventDefault()` and `event.defaultPrevented`. */
export class StandinEvent {
  defaultPrevented = false;
  constructor(fields: Record<string, unknown> = {}) {
    Object.assign(this, fields);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** An EventEmitter whose listeners' exceptions are recorded instead of escaping (like Electron's main loop). */
export class Emitter extends EventEmitter {
  constructor(protected readonly errors: string[]) {
    super();
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    // Raw listeners: once() wrappers remove themselves when called.
    const listeners = this.rawListeners(event);
    for (const l of listeners) {
      try {
        (l as (...a: unknown[]) => void).apply(this, args);
      } catch (err) {
        this.errors.push(`listener of ${String(event)} threw: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
    return listeners.length > 0;
  }
}
