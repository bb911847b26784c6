import { SdkErr } from '../../../protocol/errors.js';
import type { CallRecord } from '../../../protocol/schemas.js';

/** How one record looks from this user's side. */
export type RecordKind =
  | 'answered'
  | 'missed'
  | 'noAnswer'
  | 'rejectedByMe'
  | 'rejected'
  | 'cancelled'
  | 'failed'
  | 'ongoing';

export interface HistoryEntry {
  record: CallRecord;
  incoming: boolean;
  peerUID: string;
  kind: RecordKind;
  /** Talk time in ms for answered calls, else null. */
  durationMs: number | null;
}

export function describeRecord(record: CallRecord, me: string): HistoryEntry {
  const incoming = record.calleeID === me && record.callerID !== me;
  const peerUID = incoming ? record.callerID : record.calleeID;
  let kind: RecordKind;
  switch (record.outcome) {
    case 'answered':
      kind = 'answered';
      break;
    case 'missed':
      kind = incoming ? 'missed' : 'noAnswer';
      break;
    case 'rejected':
      kind = incoming ? 'rejectedByMe' : 'rejected';
      break;
    case 'cancelled':
      // A call the caller gave up on rang here unanswered: to the callee that is a missed call.
      kind = incoming ? 'missed' : 'cancelled';
      break;
    case 'failed':
      kind = record.sdkErr === SdkErr.ERR_NOANSWER ? (incoming ? 'missed' : 'noAnswer') : 'failed';
      break;
    default:
      kind = 'ongoing';
  }
  const durationMs =
    record.outcome === 'answered' && record.answerAt !== null && record.endAt !== null
      ? Math.max(0, record.endAt - record.answerAt)
      : null;
  return { record, incoming, peerUID, kind, durationMs };
}
