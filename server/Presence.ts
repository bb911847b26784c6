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
  /** When subscribers last heard about this user, and the pending send of its latest state. */
  sentAt: number;
  flush: NodeJS.Timeout | null;
}

export interface PresenceOptions {
  /** Subscribers hear about one user at most once per this interval; the last state wins. */
  coalesceMs: number;
}

interface AppState {
  readonly users: Map<string, LiveUser>;
  readonly subscribers: Set<Session>;
  /** Users with at least one session. */
  online: number;
}

/** Status notifications sent per turn of the event loop (the rest go on the next turn). */
const FANOUT_SLICE = 256;

/**
 * Who is online, per app, and their status (0 offline, 1 online, 2 busy, 3 in a room, plus DND).
 * Apps never see each other: every look-up is scoped by appID.
 */
export class Presence {
  readonly #apps = new Map<string, AppState>();
  readonly #store: Store;
  readonly #opts: PresenceOptions;
  readonly #log: Logger;
  readonly #pending = new Set<LiveUser>();
  /** Status changes still being sent to their subscribers, oldest first. */
  readonly #fanout: { subscribers: Session[]; next: number; json: string }[] = [];
  #draining: NodeJS.Immediate | null = null;

  constructor(store: Store, log: Logger, opts: PresenceOptions = { coalesceMs: 100 }) {
    this.#store = store;
    this.#opts = opts;
    this.#log = log.child({ mod: 'Presence' });
  }

  #app(appID: string): AppState {
    let app = this.#apps.get(appID);
    if (!app) {
      app = { users: new Map(), subscribers: new Set(), online: 0 };
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
        sentAt: 0,
        flush: null,
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
    if (u.sessions.size === 0) this.#app(s.appID).online++;
    u.sessions.add(s);
    this.touch(u, true);
    return u;
  }

  removeSession(s: Session): void {
    const app = this.#apps.get(s.appID);
    app?.subscribers.delete(s);
    const u = app?.users.get(s.UID);
    if (!u) return;
    if (u.sessions.delete(s) && u.sessions.size === 0 && app) app.online--;
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
    this.#log.debug({ appID: u.appID, UID: u.UID, status, DND: u.DND }, 'status');
    // At most one notification per user per interval: a burst of changes (DND storm, flapping
    // device) costs each subscriber one frame, carrying the state at the end of the burst.
    const wait = u.sentAt + this.#opts.coalesceMs - Date.now();
    if (wait <= 0) this.#publish(u);
    else if (!u.flush) {
      u.flush = setTimeout(() => this.#publish(u), wait);
      u.flush.unref();
      this.#pending.add(u);
    }
    this.#forgetIfIdle(u);
  }

  #publish(u: LiveUser): void {
    if (u.flush) clearTimeout(u.flush);
    u.flush = null;
    this.#pending.delete(u);
    u.sentAt = Date.now();
    const subscribers = this.#app(u.appID).subscribers;
    if (subscribers.size > 0) {
      // Serialised once for every subscriber, and sent after the request that caused it is answered,
      // a slice per turn of the event loop: a change seen by thousands of subscribers never holds up
      // a call that is ringing meanwhile. Slices keep their order, so the last state still wins.
      this.#fanout.push({ subscribers: [...subscribers], next: 0, json: JSON.stringify(Presence.toWire(u)) });
      if (!this.#draining) {
        this.#draining = setImmediate(() => this.#drain());
      }
    }
    this.#forgetIfIdle(u);
  }

  /** Sends up to FANOUT_SLICE pending status notifications, then yields to the event loop. */
  #drain(): void {
    this.#draining = null;
    let budget = FANOUT_SLICE;
    while (budget > 0) {
      const job = this.#fanout[0];
      if (!job) return;
      const end = Math.min(job.subscribers.length, job.next + budget);
      for (let i = job.next; i < end; i++) {
        const s = job.subscribers[i] as Session;
        // Unsubscribed (or ended) since the change: it no longer wants it.
        if (s.statusNotify && !s.ended) s.notifyJSON('userStatus', job.json);
      }
      budget -= end - job.next;
      job.next = end;
      if (job.next >= job.subscribers.length) this.#fanout.shift();
    }
    if (this.#fanout.length > 0) this.#draining = setImmediate(() => this.#drain());
  }

  /** Forget idle offline users so memory follows the online population, not history. */
  #forgetIfIdle(u: LiveUser): void {
    if (u.flush) return; // the pending send forgets it; a new entry for the UID must not race it
    if (Presence.statusOf(u) === 0 && u.inCall === 0 && u.inRoom === 0 && u.DND === 0) {
      const users = this.#apps.get(u.appID)?.users;
      if (users?.get(u.UID) === u) users.delete(u.UID);
    }
  }

  /** One page of the app's online users (in the order they came online) and how many are online. */
  online(appID: string, page: number, limit: number): { statuses: UserStatus[]; online: number } {
    const app = this.#apps.get(appID);
    const statuses: UserStatus[] = [];
    let seen = 0;
    const from = (page - 1) * limit;
    if (app && from < app.online) {
      for (const u of app.users.values()) {
        if (u.sessions.size === 0) continue;
        if (seen++ < from) continue;
        statuses.push(Presence.toWire(u));
        if (statuses.length >= limit) break;
      }
    }
    return { statuses, online: app?.online ?? 0 };
  }

  /** Sends what is still pending and stops the timers (server shutdown). */
  close(): void {
    for (const u of [...this.#pending]) {
      if (u.flush) clearTimeout(u.flush);
      u.flush = null;
    }
    this.#pending.clear();
    if (this.#draining) clearImmediate(this.#draining);
    this.#draining = null;
    this.#fanout.length = 0;
  }

  one(appID: string, UID: string): UserStatus | undefined {
    const live = this.peek(appID, UID);
    if (live) return Presence.toWire(live);
    const row = this.#store.getUser(appID, UID);
    return row ? { userID: row.UID, userStatus: 0, DNDType: 0, nickname: row.nickname } : undefined;
  }
}
