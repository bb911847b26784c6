import type { CallbackName } from '../../sdk/api.js';
import type { BridgedFunctionName } from '../../sdk/bridge/functions.js';

/** The cookie main hands the core for a call the page made: the page's ref and what was asked. */
export class RendererCookie {
  constructor(
    readonly ref: number | null,
    readonly fn: BridgedFunctionName,
    readonly args: readonly unknown[],
  ) {}
}

/**
 * The cookie of a call main made itself (tray, notification, deep link). `forward`: whether its result
 * callback is also shown to the page (with an undefined cookie), e.g. an accept from a notification.
 */
export class MainCookie {
  constructor(
    readonly fn: BridgedFunctionName,
    readonly args: readonly unknown[],
    readonly forward: boolean,
    readonly settle: (callback: CallbackName, args: readonly unknown[]) => void,
  ) {}
}

/** The request a result callback answers, whoever made it. */
export function requestOf(cookie: unknown): { fn: BridgedFunctionName; args: readonly unknown[] } | null {
  return cookie instanceof RendererCookie || cookie instanceof MainCookie ? { fn: cookie.fn, args: cookie.args } : null;
}
