import { Menu, nativeImage, Tray } from 'electron';
import type { MenuItemSpec, TrayPort } from '../services/ports.js';
import type { Presence } from '../services/SelfState.js';
import { trayIconPng } from '../services/trayIcons.js';

function presenceImage(presence: Presence): Electron.NativeImage {
  const image = nativeImage.createFromBuffer(trayIconPng(presence, 16), { scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(presence, 32) });
  return image;
}

/** TrayPort over Electron's Tray; the menu is rebuilt from the service's item list on every change. */
export function createElectronTray(): TrayPort {
  const tray = new Tray(presenceImage('offline'));
  return {
    setPresence: (presence) => tray.setImage(presenceImage(presence)),
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
