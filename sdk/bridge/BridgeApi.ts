import type { HelloReply, InvokeReply, InvokeRequest, MediaReply, MediaRequest } from './channels.js';

/** Name of the object the preload exposes in the page (`window.crvideoBridge`). */
export const BRIDGE_GLOBAL = 'crvideoBridge';

/**
 * What the preload exposes to the page: named functions over the channels of channels.ts, nothing
 * else. Every subscription returns its unsubscribe. Incoming payloads are `unknown`: the renderer side
 * validates them with the channel schemas before use.
 */
export interface CRVideoBridge {
  invoke(request: InvokeRequest): Promise<InvokeReply>;
  hello(): Promise<HelloReply>;
  mediaRequest(request: MediaRequest): Promise<MediaReply>;
  onCallback(listener: (event: unknown) => void): () => void;
  onMediaCommand(listener: (command: unknown) => void): () => void;
  onRingtone(listener: (command: unknown) => void): () => void;
}
