import { Menu, type MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. Without one Electron installs its default menu, whose Reload / Force Reload /
 * DevTools accelerators (Ctrl+R, Ctrl+Shift+R, Ctrl+Shift+I) work even with the menu bar hidden. This
 * menu keeps Edit (copy / paste in the chat and sign-in fields) and Window; View with reload and DevTools
 * only in development (`dev`).
 */
export function setAppMenu(o: { dev: boolean; mac: boolean }): void {
  const template: MenuItemConstructorOptions[] = [
    ...(o.mac ? [{ role: 'appMenu' as const }] : [{ label: '&File', submenu: [{ role: 'quit' as const }] }]),
    { role: 'editMenu' },
    ...(o.dev
      ? [
          {
            label: '&View',
            submenu: [
              { role: 'reload' as const },
              { role: 'forceReload' as const },
              { role: 'toggleDevTools' as const },
            ],
          },
        ]
      : []),
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
