import { SvelteMap } from 'svelte/reactivity';
import type { UserStatus } from '../../../protocol/schemas.js';
import { cookie, crv, on } from '../lib/crvideo.js';
import type { Session } from './session.svelte.js';

/**
 * The users of the app with live presence: one CRVideo_GetUserStatus for the full list, then
 * CRVideo_StartUserStatusNotify for every change after it.
 */
export class Presence {
  /** What this store works with (passed in by state/stores.ts). */
  readonly #d: { session: Session };

  readonly users = new SvelteMap<string, UserStatus>();
  query = $state('');
  loaded = $state(false);
  error = $state<number | null>(null);

  #cookie = '';

  /** Everyone but me, online first, then by name; filtered by the search box. */
  readonly visible = $derived.by(() => {
    const q = this.query.trim().toLowerCase();
    const me = this.#d.session.UID;
    return [...this.users.values()]
      .filter((u) => u.userID !== me)
      .filter((u) => !q || u.userID.toLowerCase().includes(q) || u.nickname.toLowerCase().includes(q))
      .sort((a, b) => {
        const online = Number(b.userStatus !== 0) - Number(a.userStatus !== 0);
        return online || this.nameOf(a.userID).localeCompare(this.nameOf(b.userID));
      });
  });

  /** How many other users the app has at all (to tell "nobody" from "no match"). */
  readonly others = $derived([...this.users.keys()].filter((id) => id !== this.#d.session.UID).length);

  constructor(deps: { session: Session }) {
    this.#d = deps;
    on('CRVideo_GetUserStatusSuccess', (arr, c) => {
      if (c !== this.#cookie) return;
      this.users.clear();
      for (const u of arr) this.users.set(u.userID, u);
      this.loaded = true;
      this.error = null;
      const mine = arr.find((u) => u.userID === this.#d.session.UID);
      if (mine) this.#d.session.dnd = mine.DNDType !== 0;
    });
    on('CRVideo_GetUserStatusFail', (code, c) => {
      if (c === this.#cookie) this.error = code;
    });
    on('CRVideo_NotifyUserStatus', (u) => {
      const prev = this.users.get(u.userID);
      this.users.set(u.userID, { ...u, nickname: u.nickname || prev?.nickname || '' });
    });
    this.#d.session.onSignedIn(() => this.refresh(true));
    this.#d.session.onSignedOut(() => {
      this.users.clear();
      this.loaded = false;
      this.query = '';
    });
    on('CRVideo_NotifyReconnecting', (r) => {
      if (!r && this.#d.session.phase === 'signedIn') this.refresh(false);
    });
  }

  refresh(subscribe: boolean): void {
    this.#cookie = cookie('presence');
    const api = crv();
    api.CRVideo_GetUserStatus(this.#cookie);
    if (subscribe) api.CRVideo_StartUserStatusNotify(cookie('presence-notify'));
  }

  nameOf(UID: string): string {
    return this.users.get(UID)?.nickname || UID;
  }

  statusOf(UID: string): UserStatus | undefined {
    return this.users.get(UID);
  }
}
