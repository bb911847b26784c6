// The browser build of the CRVideo SDK (dist/sdk-browser/crvideo.js, served at /sdk/crvideo.js): a page
// that loads it with a script tag gets every CRVideo_* global of the API, like CloudRoom's H5 SDK.
import { SdkErr } from '../../protocol/errors.js';
import type { CRVideoAPI } from '../api.js';
import { type CRVideoClient, createCRVideoCore } from '../CRVideoClient.js';
import { CONSTANT_GLOBALS, SDK_VERSION } from '../h5/constants.js';
import type { WebSocketCtor } from '../Line.js';
import { createMediasoupEngine, type MediaStatsReport, type MediasoupEngine } from '../media/MediasoupEngine.js';
import { type OnlineEventSource, watchOnlineEvents } from '../networkHints.js';
import { installGlobals } from './globals.js';
import { type CreateUIParams, VideoObj, VideoStreams } from './VideoObj.js';

/** The server address: `<script data-server="host:port">`, else the page's own origin when served over http(s). */
function defaultServerAddr(): string {
  const script = globalThis.document?.currentScript as HTMLScriptElement | null | undefined;
  const fromTag = script?.dataset.server;
  if (fromTag) return fromTag;
  const loc = globalThis.location;
  return loc && (loc.protocol === 'http:' || loc.protocol === 'https:') ? loc.origin : '';
}

/** `<script data-ice-transport-policy="relay">`: media only through TURN relays (strict networks, tests). */
function iceTransportPolicy(): RTCIceTransportPolicy | undefined {
  const script = globalThis.document?.currentScript as HTMLScriptElement | null | undefined;
  return script?.dataset.iceTransportPolicy === 'relay' ? 'relay' : undefined;
}

const EXTENSION_HOLDERS = [
  'CRVideo_NotifyActiveSpeaker',
  'CRVideo_NotifyDeviceError',
  'CRVideo_NotifyVideoLayer',
  'CRVideo_MicEnergyUpdate',
] as const;

function relayOnly(): { iceTransportPolicy?: RTCIceTransportPolicy } {
  const policy = iceTransportPolicy();
  return policy ? { iceTransportPolicy: policy } : {};
}

/** Builds a browser client: native WebSocket, mediasoup-client media, extension functions. */
export function createBrowserClient(serverAddr = defaultServerAddr()): CRVideoClient {
  let engine: MediasoupEngine | null = null;
  const client = createCRVideoCore({
    serverAddr,
    WebSocket: globalThis.WebSocket as unknown as WebSocketCtor,
    media: createMediasoupEngine(relayOnly(), (e) => {
      engine = e;
    }),
  });
  const ext = client as unknown as Record<string, unknown>;
  // Extensions the core may not define yet: an active-speaker holder and a stats function.
  for (const name of EXTENSION_HOLDERS) ext[name] ??= { callback: null };
  ext.CRVideo_GetMediaStats ??= (): Promise<MediaStatsReport | null> =>
    engine ? engine.getStats() : Promise.resolve(null);
  ext.CRVideo_GetRemoteAudioElements ??= (): HTMLAudioElement[] => engine?.remotePlayers() ?? [];
  ext.CRVideo_RestartIce ??= (): Promise<number> => engine?.restartIce() ?? Promise.resolve(0);
  // The network came back: try at once rather than at the next scheduled attempt (issue 12).
  const win = globalThis as unknown as Partial<OnlineEventSource>;
  if (typeof win.addEventListener === 'function') watchOnlineEvents(client, win as OnlineEventSource);
  // Issue 15: the app tells the size it shows each member's video at (the server sends the layer that fits).
  ext.CRVideo_SetVideoTileSize ??= (UID: string, width: number, height: number): void =>
    engine?.setTileSize(UID, width, height);
  ext.CRVideo_SetMediaOptions ??= (o: {
    simulcast?: boolean;
    svc?: boolean;
    prepareOnRing?: boolean;
    opusFecDtx?: boolean;
  }): void => engine?.setOptions(o);
  ext.CRVideo_GetMicEnergy ??= (UID: string): number => engine?.micEnergy(UID) ?? 0;
  // CloudRoom's way to show video: a video object per member the app puts in its page.
  const streams = new VideoStreams(client);
  ext.CRVideo_CreatVideoObj = (params?: CreateUIParams) => new VideoObj(client, streams, params);
  return client;
}

const g = globalThis as unknown as Record<string, unknown>;
if (!g.CRVideo_Login) {
  const client = createBrowserClient();
  installGlobals(client as CRVideoAPI, globalThis);
  Object.assign(globalThis, CONSTANT_GLOBALS);
  g.CRVideoSDK = { client, version: SDK_VERSION, SdkErr, state: client.$core.state };
}
