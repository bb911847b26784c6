import type { Logger } from 'pino';
import type { UserStatus } from '../protocol/index.js';
import type { Session } from './Session.js';
import type { Store } from './Store.js';

/** Live state of one user of one app. Rooms and Calls keep its counters; Presence derives the status. */
export interface LiveUser {
  readonly appID: string;
  readonly UID: string;
  nickname: string;
  readonly sessions: Set<Session>;
  DND: number;
  /** Devices of this user inside a room. */
  inRoom: number;
  /** Calls (ringing or accepted) this user takes part in. */
  inCall: number;
  /** Last status published to subscribers. */
  published: 0 | 1 | 2 | 3;
}

interface AppState {
  readonly users: Map<string, LiveUser>;
  readonly subscribers: Set<Session>;
}

/**
 * Who is online, per app, and their status (0 offline, 1 online, 2 busy, 3 in a room, plus DND).
 * Apps never see each other: every look-up is scoped by appID.
 */
export class Presence {
  readonly #apps = new Map<string, AppState>();
  readonly #store: Store;
  readonly #log: Logger;

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log.child({ mod: 'Presence' });
  }

  #app(appID: string): AppState {
    let app = this.#apps.get(appID);
    if (!app) {
      app = { users: new Map(), subscribers: new Set() };
      this.#apps.set(appID, app);
    }
    return app;
  }

  /** The live entry of a user, created on demand (offline users get one too, with no sessions). */
  user(appID: string, UID: string): LiveUser {
    const app = this.#app(appID);
    let u = app.users.get(UID);
    if (!u) {
      u = {
        appID,
        UID,
        nickname: this.#store.getUser(appID, UID)?.nickname ?? UID,
        sessions: new Set(),
        DND: 0,
        inRoom: 0,
        inCall: 0,
        published: 0,
      };
      app.users.set(UID, u);
    }
    return u;
  }

  /** The live entry when the user has one, without creating it. */
  peek(appID: string, UID: string): LiveUser | undefined {
    return this.#apps.get(appID)?.users.get(UID);
  }

  static statusOf(u: LiveUser): 0 | 1 | 2 | 3 {
    if (u.sessions.size === 0) return 0;
    if (u.inRoom > 0) return 3;
    if (u.inCall > 0) return 2;
    return 1;
  }

  static toWire(u: LiveUser): UserStatus {
    return { userID: u.UID, userStatus: Presence.statusOf(u), DNDType: u.DND, nickname: u.nickname };
  }

  addSession(s: Session): LiveUser {
    const u = this.user(s.appID, s.UID);
    u.nickname = s.nickname;
    u.sessions.add(s);
    this.touch(u, true);
    return u;
  }

  removeSession(s: Session): void {
    const app = this.#apps.get(s.appID);
    app?.subscribers.delete(s);
    const u = app?.users.get(s.UID);
    if (!u) return;
    u.sessions.delete(s);
    this.touch(u);
  }

  setDND(u: LiveUser, DND: number): void {
    u.DND = DND;
    for (const s of u.sessions) s.notify('dndChanged', { DNDStatus: DND });
    this.touch(u, true);
  }

  subscribe(s: Session, on: boolean): void {
    s.statusNotify = on;
    const subs = this.#app(s.appID).subscribers;
    if (on) subs.add(s);
    else subs.delete(s);
  }

  /** Recomputes a user's status and tells the app's subscribers when it (or, with `force`, anything) changed. */
  touch(u: LiveUser, force = false): void {
    const status = Presence.statusOf(u);
    if (!force && status === u.published) return;
    u.published = status;
    const wire = Presence.toWire(u);
    this.#log.debug({ appID: u.appID, UID: u.UID, status, DND: u.DND }, 'status');
    for (const s of this.#app(u.appID).subscribers) s.notify('userStatus', wire);
    // Forget idle offline users so memory follows the online population, not history.
    if (status === 0 && u.inCall === 0 && u.inRoom === 0 && u.DND === 0) this.#apps.get(u.appID)?.users.delete(u.UID);
  }

  /** Every user of the app who ever logged in, with live status. */
  list(appID: string): UserStatus[] {
    const app = this.#apps.get(appID);
    return this.#store.listUsers(appID).map((row) => {
      const live = app?.users.get(row.UID);
      return live ? Presence.toWire(live) : { userID: row.UID, userStatus: 0, DNDType: 0, nickname: row.nickname };
    });
  }

  one(appID: string, UID: string): UserStatus | undefined {
    const live = this.peek(appID, UID);
    if (live) return Presence.toWire(live);
    const row = this.#store.getUser(appID, UID);
    return row ? { userID: row.UID, userStatus: 0, DNDType: 0, nickname: row.nickname } : undefined;
  }
}
