// The desktop build's SDK script (out/renderer/crvideo-desktop.js, loaded by a classic <script> before the
// app): the same CRVideo_* globals as the browser bundle, backed by the preload bridge to the core in
// main, with room media (mediasoup-client) running here in the page.
import { SdkErr } from '../../protocol/errors.js';
import { createMediasoupEngine, type MediaStatsReport, type MediasoupEngine } from '../media/MediasoupEngine.js';
import { BRIDGE_GLOBAL, type CRVideoBridge } from './BridgeApi.js';
import { createWebAudioRingtone } from './Ringtone.js';
import { installBridgeGlobals } from './rendererGlobals.js';

const g = globalThis as unknown as Record<string, unknown>;
const bridge = g[BRIDGE_GLOBAL] as CRVideoBridge | undefined;

if (!bridge) {
  console.error('[crvideo-desktop] the preload bridge is missing: this script only works in the desktop app');
} else if (!g.CRVideo_Login) {
  let engine: MediasoupEngine | null = null;
  const globals = installBridgeGlobals(bridge, g, {
    mediaEngine: createMediasoupEngine({}, (e) => {
      engine = e;
    }),
    ringtone: createWebAudioRingtone(),
    extraHolders: ['CRVideo_NotifyVideoLayer', 'CRVideo_MicEnergyUpdate'],
    // The extension functions the browser bundle has (sdk/browser/index.ts), answered by the local engine.
    extraFunctions: {
      CRVideo_GetMediaStats: (): Promise<MediaStatsReport | null> =>
        engine ? engine.getStats() : Promise.resolve(null),
      CRVideo_GetRemoteAudioElements: (): HTMLAudioElement[] => engine?.remotePlayers() ?? [],
      CRVideo_RestartIce: (): Promise<number> => engine?.restartIce() ?? Promise.resolve(0),
      CRVideo_SetVideoTileSize: (UID: string, width: number, height: number): void =>
        engine?.setTileSize(UID, width, height),
      CRVideo_SetMediaOptions: (o: {
        simulcast?: boolean;
        svc?: boolean;
        prepareOnRing?: boolean;
        opusFecDtx?: boolean;
      }): void => engine?.setOptions(o),
      CRVideo_GetMicEnergy: (UID: string): number => engine?.micEnergy(UID) ?? 0,
    },
  });
  // The SDK's state model (kept in main) for the app to subscribe to, as the browser bundle offers it.
  g.CRVideoSDK = { version: '0.1.0', SdkErr, desktop: true, state: globals.state };
}
