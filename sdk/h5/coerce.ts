/**
 * Arguments as CloudRoom's H5 SDK accepts them: numeric UIDs and meeting IDs, null / undefined extra
 * data, DND given as "1" or true. Each returns null for what cannot be made sense of (the caller then
 * fails with sdkErr 5 and a log line).
 */

/** A UID: a non-empty string, or a number written as one. */
export function toUID(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A meeting ID: a positive integer, or a string of digits. */
export function toMeetID(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The ID of a MeetInfoObj (or a bare meeting ID), or null. */
export function meetIDOf(meetObj: unknown): number | null {
  if (typeof meetObj === 'object' && meetObj !== null) return toMeetID((meetObj as { ID?: unknown }).ID);
  return toMeetID(meetObj);
}

/** Extra data: null / undefined is '', numbers and booleans become text, objects their JSON. */
export function toExtData(v: unknown): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      return null;
    }
  }
  return null;
}

/** DND status: 0 off, anything else on ("1", true, 2…), as CloudRoom's `+DNDStatus`. */
export function toDND(v: unknown): number | null {
  const n = typeof v === 'boolean' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff) return null;
  return n;
}

/** CreateMeeting's subject: a string, `{ meetSubject }` (CloudRoom's CreateParams), or nothing. */
export function toSubject(v: unknown): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    const s = (v as { meetSubject?: unknown; subject?: unknown }).meetSubject ?? (v as { subject?: unknown }).subject;
    return s === undefined || s === null ? '' : typeof s === 'string' ? s : null;
  }
  if (typeof v === 'number') return String(v);
  return null;
}
