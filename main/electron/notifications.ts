import { app, Notification } from 'electron';
import type { NotificationPort } from '../services/ports.js';

/**
 * Native notifications. Buttons (Answer / Reject) exist on macOS, and on Windows when the app runs
 * installed (its Start-menu shortcut carries the AppUserModelID and toast activator the installer sets).
 * Linux notifications carry no actions in Electron: the notifier uses its own window there.
 */
export function createElectronNotifications(icon?: string): NotificationPort {
  return {
    isSupported: () => Notification.isSupported(),
    supportsActions: () => process.platform === 'darwin' || (process.platform === 'win32' && app.isPackaged),
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
      };
    },
  };
}
