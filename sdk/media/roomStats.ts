import {
  candidatePairOf,
  type InboundStats,
  inboundOf,
  type MediaStatsReport,
  outboundOf,
  qualityOf,
} from './mediaStats.js';
import type { RoomSession } from './RoomSession.js';

/** Extension `CRVideo_GetMediaStats` of one room: connection health and per-member receive figures. */
export async function readRoomStats(
  room: RoomSession | null,
  log: (msg: string, extra?: unknown) => void,
): Promise<MediaStatsReport> {
  const report: MediaStatsReport = {
    meetID: room?.meetID ?? null,
    connected: false,
    rttMs: null,
    availableOutgoingBitrate: null,
    quality: 0,
    sent: { audio: null, video: null },
    members: {},
  };
  if (!room || room.closed || !room.send || !room.recv) return report;
  report.connected = room.send.connectionState === 'connected' && room.recv.connectionState === 'connected';
  try {
    const pair = candidatePairOf(await room.send.getStats());
    report.rttMs = pair.rttMs;
    report.availableOutgoingBitrate = pair.outgoing;
    if (report.rttMs === null) report.rttMs = candidatePairOf(await room.recv.getStats()).rttMs;
    for (const kind of ['audio', 'video'] as const) {
      const p = room.producers[kind];
      if (p && !p.closed) report.sent[kind] = outboundOf(await p.getStats());
    }
    let lost = 0;
    let got = 0;
    for (const c of room.consumers.values()) {
      const s: InboundStats | null = inboundOf(await c.consumer.getStats());
      report.members[c.UID] ??= { audio: null, video: null };
      const m = report.members[c.UID];
      if (m) m[c.consumer.kind] = s;
      lost += s?.packetsLost ?? 0;
      got += s?.packetsReceived ?? 0;
    }
    if (report.connected) report.quality = qualityOf(got + lost > 0 ? lost / (got + lost) : 0, report.rttMs);
  } catch (err) {
    log('reading media stats failed', err);
  }
  return report;
}
