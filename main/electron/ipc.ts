import { type IpcMainEvent, type IpcMainInvokeEvent, ipcMain } from 'electron';
import type { IpcPort, SenderInfo } from '../services/ports.js';

/** Who sent an IPC message, as the services check it (the frame's URL, not just the webContents). */
export function senderOf(event: IpcMainEvent | IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url ?? '',
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
  };
}

/** IpcPort over ipcMain. */
export const electronIpc: IpcPort = {
  handle(channel, handler) {
    ipcMain.handle(channel, (event, payload: unknown) => handler(senderOf(event), payload));
    return () => ipcMain.removeHandler(channel);
  },
  on(channel, listener) {
    const l = (event: IpcMainEvent, payload: unknown) => listener(senderOf(event), payload);
    ipcMain.on(channel, l);
    return () => {
      ipcMain.removeListener(channel, l);
    };
  },
};
