// The browser build of the CRVideo SDK (dist/sdk-browser/crvideo.js, served at /sdk/crvideo.js): a page
// that loads it with a script tag gets every CRVideo_* global of the API, like CloudRoom's H5 SDK.
import { SdkErr } from '../../protocol/errors.js';
import type { CRVideoAPI } from '../api.js';
import { type CRVideoClient, createCRVideoCore } from '../CRVideoClient.js';
import type { WebSocketCtor } from '../Line.js';
import { createMediasoupEngine, type MediaStatsReport, type MediasoupEngine } from '../media/MediasoupEngine.js';
import { installGlobals } from './globals.js';

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

const EXTENSION_HOLDERS = ['CRVideo_NotifyActiveSpeaker', 'CRVideo_NotifyDeviceError'] as const;

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
  return client;
}

const g = globalThis as unknown as Record<string, unknown>;
if (!g.CRVideo_Login) {
  const client = createBrowserClient();
  installGlobals(client as CRVideoAPI, globalThis);
  g.CRVideoSDK = { client, version: '0.1.0', SdkErr };
}
