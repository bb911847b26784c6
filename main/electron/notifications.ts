import { app, Notification } from 'electron';
import type { NotificationPort } from '../services/ports.js';

/** Whether this Linux session is Wayland (Electron runs natively there since 38). */
export function onWayland(): boolean {
  return process.platform === 'linux' && (process.env.XDG_SESSION_TYPE === 'wayland' || !!process.env.WAYLAND_DISPLAY);
}

/**
 * Native notifications. Buttons (Answer / Reject) show only in the installed app: on macOS when it is
 * signed and uses the alert style (Info.plist NSUserNotificationAlertStyle), on Windows through the
 * Start-menu shortcut's AppUserModelID and toast activator. Elsewhere (development runs, Linux, where
 * Electron's notifications carry no actions) the notifier uses its own incoming-call window.
 */
export function createElectronNotifications(icon?: string): NotificationPort {
  return {
    isSupported: () => Notification.isSupported(),
    supportsActions: () => (process.platform === 'darwin' || process.platform === 'win32') && app.isPackaged,
    alsoWithWindow: onWayland,
    create(options) {
      const n = new Notification({
        title: options.title,
        body: options.body,
        silent: true, // the app's own ringtone plays
        timeoutType: 'never',
        urgency: 'critical',
        ...(icon ? { icon } : {}),
        actions: options.actions.map((text) => ({ type: 'button' as const, text })),
      });
      return {
        show: () => n.show(),
        close: () => n.close(),
        onAction: (listener) => {
          n.on('action', (details, index) => listener(details?.actionIndex ?? index));
        },
        onClick: (listener) => {
          n.on('click', () => listener());
        },
        onClose: (listener) => {
          n.on('close', () => listener());
        },
        onFailed: (listener) => {
          n.on('failed', (_event, error) => listener(String(error)));
        },
      };
    },
  };
}
