import { MAX_FRAME_BYTES } from '../../protocol/index.js';

/**
 * What one request costs the request budget, in points (most cost 1). Requests that read many rows
 * or build long lists cost more, so a client pipelining them is paced sooner than one that pings.
 */
const COSTS: Readonly<Record<string, number>> = {
  getCallRecords: 4,
};

/** A frame decoded once, before the budget is spent on it (the handler uses the same decoding). */
export interface DecodedFrame {
  /** The frame's text; null for binary or oversized frames (refused without being read). */
  text: string | null;
  /** The parsed JSON; undefined when the text is not JSON. */
  json: unknown;
  /** Budget points the request costs. */
  points: number;
}

/** Decodes a raw frame and prices it. Never throws (it runs outside the handler's containment). */
export function decodeFrame(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): DecodedFrame {
  try {
    return decode(raw, isBinary);
  } catch {
    return { text: null, json: undefined, points: 1 };
  }
}

function decode(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): DecodedFrame {
  const bytes = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
  if (isBinary || bytes > MAX_FRAME_BYTES) return { text: null, json: undefined, points: 1 };
  const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : (raw as Buffer).toString();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { text, json: undefined, points: 1 };
  }
  return { text, json, points: costOf(json) };
}

function costOf(json: unknown): number {
  if (typeof json !== 'object' || json === null) return 1;
  const { type, payload } = json as { type?: unknown; payload?: unknown };
  if (typeof type !== 'string') return 1;
  // A page of every online user (no UID) reads the whole list.
  if (type === 'getUserStatus') return (payload as { UID?: unknown } | null)?.UID === undefined ? 4 : 1;
  return COSTS[type] ?? 1;
}
