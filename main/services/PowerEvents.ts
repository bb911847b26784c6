import { createLog } from './log.js';

const log = createLog('PowerEvents');

/** The operating system's power and session events, as the app needs them. */
export interface PowerEventsOptions {
  /** powerMonitor 'suspend' / 'resume' (Electron's names). */
  onPower: (event: 'suspend' | 'resume', listener: () => void) => void;
  /** The session ends: Windows log-off / shutdown (BrowserWindow 'session-end'), powerMonitor 'shutdown'. */
  onSessionEnd: (listener: () => void) => void;
  /** Reconnect the signaling line at once (the SDK would otherwise wait out its backoff). */
  reconnectNow: () => void;
  /** Sign out cleanly and quit. */
  signOutAndQuit: () => void;
}

/**
 * Sleep and shutdown: after a resume the line is re-established at once, so the session resumes within
 * the server's grace period (or the SDK signs in again) without the user seeing a LineOff; when the OS
 * session ends the user is signed out cleanly, so callers stop ringing a client that is gone.
 */
export function watchPowerEvents(o: PowerEventsOptions): void {
  let suspendedAt = 0;
  o.onPower('suspend', () => {
    suspendedAt = Date.now();
    log('system suspending');
  });
  o.onPower('resume', () => {
    log(
      `system resumed${suspendedAt ? ` after ${Math.round((Date.now() - suspendedAt) / 1000)} s` : ''}: reconnecting now`,
    );
    suspendedAt = 0;
    o.reconnectNow();
  });
  let ended = false;
  o.onSessionEnd(() => {
    if (ended) return;
    ended = true;
    log('session ending: signing out');
    o.signOutAndQuit();
  });
}
