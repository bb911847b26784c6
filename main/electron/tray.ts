import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Menu, nativeImage, Tray } from 'electron';
import type { Presence } from '../../sdk/ClientState.js';
import type { MenuItemSpec, TrayPort } from '../services/ports.js';
import { icoFromPngs, trayIconPng, trayTemplatePng } from '../services/trayIcons.js';

/**
 * The presence icon as each system wants it: macOS a Template image (black + alpha, tinted by the menu
 * bar), Windows an .ico (it picks the size for the DPI; nativeImage reads ICO only from a file), Linux PNG
 * at 1x and 2x.
 */
function presenceImage(presence: Presence, iconDir: string): Electron.NativeImage {
  if (process.platform === 'darwin') {
    const image = nativeImage.createFromBuffer(trayTemplatePng(presence, 16), { scaleFactor: 1 });
    image.addRepresentation({ scaleFactor: 2, buffer: trayTemplatePng(presence, 32) });
    image.setTemplateImage(true);
    return image;
  }
  if (process.platform === 'win32') {
    const file = join(iconDir, `tray-${presence}.ico`);
    mkdirSync(iconDir, { recursive: true });
    writeFileSync(file, icoFromPngs([16, 20, 24, 32, 48].map((size) => ({ size, png: trayIconPng(presence, size) }))));
    return nativeImage.createFromPath(file);
  }
  const image = nativeImage.createFromBuffer(trayIconPng(presence, 16), { scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(presence, 32) });
  return image;
}

/** TrayPort over Electron's Tray; the menu is rebuilt from the service's item list on every change. */
export function createElectronTray(iconDir: string): TrayPort {
  const tray = new Tray(presenceImage('offline', iconDir));
  return {
    setPresence: (presence) => tray.setImage(presenceImage(presence, iconDir)),
    setToolTip: (text) => tray.setToolTip(text),
    setMenu(items: MenuItemSpec[]) {
      tray.setContextMenu(
        Menu.buildFromTemplate(
          items.map((i) =>
            i.type === 'separator'
              ? { id: i.id, type: 'separator' as const }
              : {
                  id: i.id,
                  type: i.type,
                  label: i.label ?? '',
                  enabled: i.enabled ?? true,
                  ...(i.type === 'checkbox' ? { checked: i.checked ?? false } : {}),
                  click: () => i.click?.(),
                },
          ),
        ),
      );
    },
    onClick: (listener) => {
      tray.on('click', () => listener());
    },
    destroy: () => tray.destroy(),
  };
}
