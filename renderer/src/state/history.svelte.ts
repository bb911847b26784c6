import { SdkErr } from '../../../protocol/errors.js';
import type { CallRecord } from '../../../protocol/schemas.js';
import { cookie, crv, on } from '../lib/crvideo.js';
import { describeRecord } from '../lib/records.js';
import type { Session } from './session.svelte.js';
import type { Settings } from './settings.svelte.js';

export type { HistoryEntry, RecordKind } from '../lib/records.js';

/**
 * The user's call history (extension CRVideo_GetCallRecords). Reloaded after every call ends; the
 * missed-call badge counts missed incoming calls newer than the last visit of the History view.
 */
export class History {
  /** What this store works with (passed in by state/stores.ts). */
  readonly #d: { session: Session; settings: Settings };

  records = $state.raw<CallRecord[]>([]);
  error = $state<number | null>(null);
  loading = $state(false);
  /** While the History view is open, everything that arrives counts as seen. */
  viewing = $state(false);
  #seen = $state(0);
  #cookie = '';
  #timer: ReturnType<typeof setTimeout> | null = null;

  readonly entries = $derived(this.records.map((r) => describeRecord(r, this.#d.session.UID)));
  readonly missed = $derived(this.entries.filter((e) => e.kind === 'missed' && e.record.ringAt > this.#seen).length);

  constructor(deps: { session: Session; settings: Settings }) {
    this.#d = deps;
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
    this.#d.session.onSignedIn(() => {
      this.#seen = this.#d.settings.historySeen(this.#d.session.UID);
      this.refresh();
    });
    this.#d.session.onSignedOut(() => {
      if (this.#timer) clearTimeout(this.#timer);
      this.records = [];
      this.error = null;
    });
  }

  refresh(): void {
    if (this.#d.session.phase !== 'signedIn') return;
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
      this.#d.settings.setHistorySeen(this.#d.session.UID, newest);
    }
  }
}
