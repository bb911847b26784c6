import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app } from 'electron';
import { createLog } from '../services/log.js';
import type { LoginItemPort } from '../services/ports.js';

const log = createLog('LoginItem');

/** How to start this app from a login item, hidden in the tray. */
function command(): string[] {
  const exe = process.env.APPIMAGE ?? process.execPath;
  return app.isPackaged ? [exe, '--hidden'] : [exe, app.getAppPath(), '--hidden'];
}

/**
 * "Open at login": the system's login items on macOS and Windows; on Linux (where Electron has none) an
 * XDG autostart entry.
 */
export function createLoginItem(): LoginItemPort {
  return {
    set(openAtLogin) {
      if (process.platform !== 'linux') {
        app.setLoginItemSettings({ openAtLogin, args: ['--hidden'] });
        return;
      }
      const dir = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart');
      const file = join(dir, 'crvideo-phone.desktop');
      try {
        if (!openAtLogin) {
          rmSync(file, { force: true });
          return;
        }
        mkdirSync(dir, { recursive: true });
        const exec = command()
          .map((a) => `"${a.replace(/(["`$\\])/g, '\\$1')}"`)
          .join(' ');
        writeFileSync(
          file,
          `[Desktop Entry]\nType=Application\nName=CRVideo Phone\nExec=${exec}\nX-GNOME-Autostart-enabled=true\nTerminal=false\n`,
        );
      } catch (err) {
        log(`autostart entry not written: ${String(err)}`);
      }
    },
  };
}
