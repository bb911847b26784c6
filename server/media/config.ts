import os from 'node:os';
import type { types } from 'mediasoup';
import { type Logger, pino } from 'pino';

/** Settings of the media plane (`startServer({ media: {...} })`, CLI flags `--media-*`). */
export interface MediaPlaneOptions {
  /** mediasoup workers (processes); default one per CPU core. */
  numWorkers?: number;
  /** IP the WebRtcServers listen on (default 127.0.0.1). With 0.0.0.0 the announced address defaults to the first LAN IPv4. */
  listenIp?: string;
  /** IP or host name put in ICE candidates when clients must reach another address than `listenIp`. */
  announcedAddress?: string;
  /** Port range for the WebRtcServers (each worker takes one port, UDP and TCP): default 40000–40999. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** Offer TCP candidates besides UDP (default true; UDP is preferred). */
  enableTcp?: boolean;
  /** Starting estimate of each send transport's bandwidth (bps). */
  initialAvailableOutgoingBitrate?: number;
  /** Cap on what one member may send (bps, per transport); 0 for none. */
  maxIncomingBitrate?: number;
  /** Announce the loudest member as `media.activeSpeaker` (default true). */
  activeSpeaker?: boolean;
  /**
   * A viewer's layered (simulcast / SVC) video starts at its lowest layer, whose key frame is smallest and
   * arrives first, then moves to the layer its tile needs (default true: a faster first frame).
   */
  fastStartLayer?: boolean;
  /** mediasoup worker log level (default 'warn'). */
  workerLogLevel?: types.WorkerLogLevel;
  /** pino logger (default: a silent one). */
  logger?: Logger;
}

export type ResolvedMediaOptions = Required<Omit<MediaPlaneOptions, 'announcedAddress' | 'logger'>> & {
  announcedAddress: string | undefined;
  logger: Logger;
};

function num(v: unknown, fallback: number, min: number, max: number, name: string): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new TypeError(`media option ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return n;
}

function bool(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'string') return !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
  return Boolean(v);
}

/** The first non-internal IPv4 address of this machine (what LAN clients can reach), if any. */
export function firstLanAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Fills defaults and checks the settings (they may come from a CLI or environment as strings). */
export function resolveMediaOptions(o: MediaPlaneOptions | Record<string, unknown> = {}): ResolvedMediaOptions {
  const r = o as Record<string, unknown>;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const rtcMinPort = num(r.rtcMinPort, 40000, 1, 65535, 'rtcMinPort');
  const rtcMaxPort = num(r.rtcMaxPort, Math.min(65535, rtcMinPort + 999), rtcMinPort, 65535, 'rtcMaxPort');
  const listenIp = typeof r.listenIp === 'string' && r.listenIp ? r.listenIp : '127.0.0.1';
  let announced = typeof r.announcedAddress === 'string' && r.announcedAddress ? r.announcedAddress : undefined;
  // Listening on every interface: ICE candidates need a reachable address, not 0.0.0.0.
  if (!announced && (listenIp === '0.0.0.0' || listenIp === '::')) announced = firstLanAddress();
  return {
    numWorkers: num(r.numWorkers, Math.max(1, cores), 1, 256, 'numWorkers'),
    listenIp,
    announcedAddress: announced,
    rtcMinPort,
    rtcMaxPort,
    enableTcp: bool(r.enableTcp, true),
    initialAvailableOutgoingBitrate: num(r.initialAvailableOutgoingBitrate, 1_000_000, 0, 100_000_000, 'bitrate'),
    maxIncomingBitrate: num(r.maxIncomingBitrate, 0, 0, 100_000_000, 'maxIncomingBitrate'),
    activeSpeaker: bool(r.activeSpeaker, true),
    fastStartLayer: bool(r.fastStartLayer, true),
    workerLogLevel: (['debug', 'warn', 'error', 'none'] as const).includes(r.workerLogLevel as 'warn')
      ? (r.workerLogLevel as types.WorkerLogLevel)
      : 'warn',
    logger: (r.logger as Logger | undefined) ?? pino({ level: 'silent' }),
  };
}

/**
 * Codecs every room router offers: Opus for audio; VP8 first for video (every browser, simulcast), VP9
 * profile 0 for cameras that send SVC (the SDK asks for it by name), H264 as a fallback.
 */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  // In-band FEC and DTX asked of every receiver's Opus too (the SDK asks its senders for them).
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 } },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/VP9',
    clockRate: 90000,
    parameters: { 'profile-id': 0, 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];
