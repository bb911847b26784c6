/** What this client receives from one member, per kind (from the browser's inbound-rtp stats). */
export interface InboundStats {
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds. */
  jitter: number;
  framesDecoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  /** Video: times the picture froze (WebRTC freeze metric), frames dropped before display. */
  freezeCount?: number;
  framesDropped?: number;
  keyFramesDecoded?: number;
  /** Audio: samples played, of them made up by packet-loss concealment, and concealment events. */
  totalSamplesReceived?: number;
  concealedSamples?: number;
  silentConcealedSamples?: number;
  concealmentEvents?: number;
  /** Audio: packets recovered from Opus in-band FEC. */
  fecPacketsReceived?: number;
}

/** What this client sends, per kind (outbound-rtp). */
export interface OutboundStats {
  bytesSent: number;
  packetsSent: number;
  framesEncoded?: number;
  frameWidth?: number;
  frameHeight?: number;
}

/** The extension `CRVideo_GetMediaStats()`: health of the room connection, for a network-quality indicator. */
export interface MediaStatsReport {
  meetID: number | null;
  /** Both transports have a working ICE + DTLS connection. */
  connected: boolean;
  /** Round-trip time to the media server (ms), when known. */
  rttMs: number | null;
  /** Estimated bandwidth the send transport may use (bits/s), when known. */
  availableOutgoingBitrate: number | null;
  /** 0 not connected, 1 bad … 5 excellent (from loss and round-trip time). */
  quality: 0 | 1 | 2 | 3 | 4 | 5;
  sent: { audio: OutboundStats | null; video: OutboundStats | null };
  /** Per member UID. */
  members: Record<string, { audio: InboundStats | null; video: InboundStats | null }>;
}

type StatsRecord = Record<string, unknown> & { type: string };

function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function opt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function each(report: RTCStatsReport, type: string): StatsRecord[] {
  const out: StatsRecord[] = [];
  report.forEach((s: StatsRecord) => {
    if (s.type === type) out.push(s);
  });
  return out;
}

export function inboundOf(report: RTCStatsReport): InboundStats | null {
  const s = each(report, 'inbound-rtp')[0];
  if (!s) return null;
  const r: InboundStats = {
    bytesReceived: n(s.bytesReceived),
    packetsReceived: n(s.packetsReceived),
    packetsLost: n(s.packetsLost),
    jitter: n(s.jitter),
  };
  for (const k of [
    'framesDecoded',
    'frameWidth',
    'frameHeight',
    'framesPerSecond',
    'freezeCount',
    'framesDropped',
    'keyFramesDecoded',
    'totalSamplesReceived',
    'concealedSamples',
    'silentConcealedSamples',
    'concealmentEvents',
    'fecPacketsReceived',
  ] as const) {
    const v = opt(s[k]);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

/** Sums every outbound-rtp stream (one per simulcast layer); frame figures of the largest layer. */
export function outboundOf(report: RTCStatsReport): OutboundStats | null {
  const all = each(report, 'outbound-rtp');
  if (all.length === 0) return null;
  const r: OutboundStats = { bytesSent: 0, packetsSent: 0 };
  let top: StatsRecord | null = null;
  for (const s of all) {
    r.bytesSent += n(s.bytesSent);
    r.packetsSent += n(s.packetsSent);
    if (!top || n(s.frameWidth) > n(top.frameWidth)) top = s;
  }
  for (const k of ['framesEncoded', 'frameWidth', 'frameHeight'] as const) {
    const v = opt(top?.[k]);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

/** RTT and bandwidth estimate of the selected ICE candidate pair of a transport's report. */
export function candidatePairOf(report: RTCStatsReport): { rttMs: number | null; outgoing: number | null } {
  const pairs = each(report, 'candidate-pair').filter((p) => p.state === 'succeeded');
  const pair = pairs.find((p) => p.nominated === true) ?? pairs[0];
  const rtt = opt(pair?.currentRoundTripTime);
  const out = opt(pair?.availableOutgoingBitrate);
  return { rttMs: rtt === undefined ? null : Math.round(rtt * 1000), outgoing: out ?? null };
}

/** 1..5 from the worst receive loss ratio and the round-trip time. */
export function qualityOf(lossRatio: number, rttMs: number | null): 1 | 2 | 3 | 4 | 5 {
  const rtt = rttMs ?? 0;
  if (lossRatio < 0.01 && rtt < 150) return 5;
  if (lossRatio < 0.03 && rtt < 300) return 4;
  if (lossRatio < 0.08 && rtt < 500) return 3;
  if (lossRatio < 0.15 && rtt < 1000) return 2;
  return 1;
}

/** CloudRoom's network score, 0–10 (10 best; > 8 good, 5–8 fair, < 5 poor) from loss and round trip. */
export function netScoreOf(connected: boolean, lossRatio: number, rttMs: number | null): number {
  if (!connected) return 0;
  const lossPenalty = Math.min(6, (lossRatio * 100) / 2.5);
  const rttPenalty = Math.min(4, Math.max(0, ((rttMs ?? 0) - 50) / 150));
  return Math.max(0, Math.min(10, Math.round(10 - lossPenalty - rttPenalty)));
}
