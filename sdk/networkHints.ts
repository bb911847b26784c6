import type { CRVideoClient } from './CRVideoClient.js';

/**
 * Network-change hints make the SDK reconnect at once instead of waiting for its next scheduled
 * attempt. The Electron main process calls `reconnectNow(client)` on powerMonitor `resume` (and may on
 * `unlock-screen`); browsers get `watchOnlineEvents` on `window`'s `online` event.
 */
export function reconnectNow(client: CRVideoClient): void {
  client.$core.reconnectNow();
}

/** The part of `window` used here (an EventTarget firing `online`). */
export interface OnlineEventSource {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

/** Reconnects at once when `target` fires `online`; returns the unsubscribe. */
export function watchOnlineEvents(client: CRVideoClient, target: OnlineEventSource): () => void {
  const onOnline = (): void => client.$core.reconnectNow();
  target.addEventListener('online', onOnline);
  return () => target.removeEventListener('online', onOnline);
}
