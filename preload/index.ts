// Preload of the main window (sandboxed, context-isolated): exposes the bridge to the core in main as
// `window.crvideoBridge` — named functions over the channels of sdk/bridge/channelNames.ts and nothing
// else from Node or Electron. The page's SDK script (sdk/bridge/rendererEntry.ts) builds the CRVideo_*
// globals on top of it.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, type CRVideoBridge } from '../sdk/bridge/BridgeApi.js';
import { Channels } from '../sdk/bridge/channelNames.js';
import type {
  CompanyCaInfo,
  CompanyCaSetReply,
  HelloReply,
  InvokeReply,
  MediaReply,
  VaultEntry,
} from '../sdk/bridge/channels.js';

/** A subscription to one main→page channel; returns its unsubscribe. */
function subscribe(channel: string) {
  return (listener: (payload: unknown) => void): (() => void) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  };
}

const bridge: CRVideoBridge = {
  invoke: (request) => ipcRenderer.invoke(Channels.invoke, request) as Promise<InvokeReply>,
  hello: () => ipcRenderer.invoke(Channels.hello) as Promise<HelloReply>,
  mediaRequest: (request) => ipcRenderer.invoke(Channels.mediaRequest, request) as Promise<MediaReply>,
  onCallback: subscribe(Channels.callback),
  onMediaCommand: subscribe(Channels.mediaCommand),
  onRingtone: subscribe(Channels.ringtone),
  vaultLoad: () => ipcRenderer.invoke(Channels.vaultLoad) as Promise<VaultEntry | null>,
  vaultSave: (entry) => ipcRenderer.invoke(Channels.vaultSave, entry) as Promise<boolean>,
  vaultClear: () => ipcRenderer.invoke(Channels.vaultClear) as Promise<boolean>,
  companyCaGet: () => ipcRenderer.invoke(Channels.companyCaGet) as Promise<CompanyCaInfo | null>,
  companyCaSet: (pem) => ipcRenderer.invoke(Channels.companyCaSet, pem) as Promise<CompanyCaSetReply>,
  companyCaClear: () => ipcRenderer.invoke(Channels.companyCaClear) as Promise<boolean>,
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
