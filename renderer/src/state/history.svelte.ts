import { SdkErr } from '../../../protocol/errors.js';
import type { CallRecord } from '../../../protocol/schemas.js';
import { cookie, crv, on } from '../lib/crvideo.js';
import { describeRecord } from '../lib/records.js';
import { session } from './session.svelte.js';
import { settings } from './settings.svelte.js';

export type { HistoryEntry, RecordKind } from '../lib/records.js';

/**
 * The user's call history (extension CRVideo_GetCallRecords). Reloaded after every call ends; the
 * missed-call badge counts missed incoming calls newer than the last visit of the History view.
 */
export class History {
  records = $state.raw<CallRecord[]>([]);
  error = $state<number | null>(null);
  loading = $state(false);
  /** While the History view is open, everything that arrives counts as seen. */
  viewing = $state(false);
  #seen = $state(0);
  #cookie = '';
  #timer: ReturnType<typeof setTimeout> | null = null;

  readonly entries = $derived(this.records.map((r) => describeRecord(r, session.UID)));
  readonly missed = $derived(this.entries.filter((e) => e.kind === 'missed' && e.record.ringAt > this.#seen).length);

  constructor() {
    on('CRVideo_GetCallRecordsRslt', (code, records, c) => {
      if (c !== this.#cookie) return;
      this.loading = false;
      if (code !== SdkErr.NOERR) {
        this.error = code;
        return;
      }
      this.error = null;
      this.records = [...records].sort((a, b) => b.ringAt - a.ringAt);
      if (this.viewing) this.markSeen();
    });
    const soon = () => this.refreshSoon();
    for (const name of [
      'CRVideo_NotifyCallHungup',
      'CRVideo_NotifyCallRejected',
      'CRVideo_NotifyCallAccepted',
      'CRVideo_NotifyCallIn',
      'CRVideo_CallFail',
      'CRVideo_HangupCallSuccess',
      'CRVideo_RejectCallSuccess',
      'CRVideo_AcceptCallSuccess',
    ] as const) {
      on(name, soon);
    }
    session.onSignedIn(() => {
      this.#seen = settings.historySeen(session.UID);
      this.refresh();
    });
    session.onSignedOut(() => {
      if (this.#timer) clearTimeout(this.#timer);
      this.records = [];
      this.error = null;
    });
  }

  refresh(): void {
    if (session.phase !== 'signedIn') return;
    this.loading = true;
    this.#cookie = cookie('history');
    crv().CRVideo_GetCallRecords(this.#cookie);
  }

  /** Records are written as the call ends; ask a moment later and only once for a burst of events. */
  refreshSoon(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.refresh();
    }, 400);
  }

  markSeen(): void {
    const newest = this.records[0]?.ringAt ?? 0;
    if (newest > this.#seen) {
      this.#seen = newest;
      settings.setHistorySeen(session.UID, newest);
    }
  }
}

export const history = new History();
