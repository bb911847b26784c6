import type {
  CompanyCaInfo,
  CompanyCaSetReply,
  HelloReply,
  InvokeReply,
  InvokeRequest,
  MediaReply,
  MediaRequest,
  VaultEntry,
} from './channels.js';

/** Name of the object the preload exposes in the page (`window.crvideoBridge`). */
export const BRIDGE_GLOBAL = 'crvideoBridge';

/**
 * What the preload exposes to the page: named functions over the channels of channels.ts, nothing
 * else. Every subscription returns its unsubscribe. Incoming payloads are `unknown`: the renderer side
 * validates them with the channel schemas before use.
 */
export interface CRVideoBridge extends VaultBridge, CompanyCaBridge {
  invoke(request: InvokeRequest): Promise<InvokeReply>;
  hello(): Promise<HelloReply>;
  mediaRequest(request: MediaRequest): Promise<MediaReply>;
  onCallback(listener: (event: unknown) => void): () => void;
  onMediaCommand(listener: (command: unknown) => void): () => void;
  onRingtone(listener: (command: unknown) => void): () => void;
}

/** "Remember me" in the OS keychain (the desktop app's `vault:*` channels). */
export interface VaultBridge {
  /** The remembered sign-in, or null. */
  vaultLoad(): Promise<VaultEntry | null>;
  /** Keeps the sign-in; false when the OS offers no encryption (nothing is stored then). */
  vaultSave(entry: VaultEntry): Promise<boolean>;
  vaultClear(): Promise<boolean>;
}

/** The desktop app's company CA setting (the `companyCa:*` channels); the web app has none. */
export interface CompanyCaBridge {
  /** The company CA trusted now, or null (public CAs only). */
  companyCaGet(): Promise<CompanyCaInfo | null>;
  /** Trusts the PEM from the next connection on; main refuses anything but PEM certificates. */
  companyCaSet(pem: string): Promise<CompanyCaSetReply>;
  companyCaClear(): Promise<boolean>;
}
