import type { Logger } from 'pino';
import type { UserStatus } from '../protocol/index.js';
import { type JsonOf, jsonOf, type Session } from './Session.js';
import type { Store } from './Store.js';

/** A user's live state as others may read it; only Presence changes it. */
export interface LiveUserView {
  readonly appID: string;
  readonly UID: string;
  readonly nickname: string;
  readonly sessions: ReadonlySet<Session>;
  readonly DND: number;
  /** Calls this user takes part in that live on other nodes of the cluster. */
  readonly remoteInCall: number;
}

/**
 * One node's share of a user's state (cluster mode): its devices of the user, and the rooms and calls of
 * the user it hosts. Every node publishes its own; each sums them all.
 */
export interface Contribution {
  nickname: string;
  /** Session ids and settings of the user's devices on that node. */
  devices: { sid: string; callWaiting: boolean }[];
  inRoom: number;
  inCall: number;
  DND: number;
  /** When DND was last set (the newest wins across nodes). */
  dndAt: number;
}

/**
 * Live state of one user of one app, owned by Presence: it changes the counters when Rooms and Calls
 * say a member entered or left, a party joined or left a call (their events), and derives the status.
 */
interface LiveUser extends LiveUserView {
  nickname: string;
  readonly sessions: Set<Session>;
  DND: number;
  /** Devices of this user inside a room. */
  inRoom: number;
  /** Calls (ringing or accepted) this user takes part in. */
  inCall: number;
  /** Counters of the calls and rooms of this user that live on other nodes, per node. */
  readonly remote: Map<string, { inRoom: number; inCall: number }>;
  remoteInCall: number;
  remoteInRoom: number;
  dndAt: number;
  /** Last status published to subscribers. */
  published: 0 | 1 | 2 | 3;
  /** When subscribers last heard about this user, and the pending send of its latest state. */
  sentAt: number;
  flush: NodeJS.Timeout | null;
}

/** Who tells Presence about room membership and calls (Rooms and Calls, by their events). */
export interface PresenceSources {
  rooms: {
    on(event: 'memberEntered' | 'memberLeft', listener: (m: { appID: string; UID: string }) => void): () => void;
  };
  calls: { on(event: 'partyJoined' | 'partyLeft', listener: (p: { appID: string; UID: string }) => void): () => void };
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
  /** Statuses not sent yet: the latest serialised state of each user that changed (null: none). */
  changed: Map<string, JsonOf<UserStatus>> | null;
}

/** One batch of statuses being written to the subscribers it was gathered for, FANOUT_SLICE at a time. */
interface FanoutJob {
  readonly app: AppState;
  readonly statuses: JsonOf<UserStatus>[];
  readonly subscribers: Session[];
  next: number;
}

/** Subscribers written to per turn of the event loop at most (the rest on the next turn). */
const FANOUT_SLICE = 32;
/**
 * And at most this long a turn: a batch carrying hundreds of statuses (a crowd signing in at once) costs
 * ~0.3 ms of socket writes per subscriber, and a call that rings meanwhile waits for one turn only.
 * With 32 subscribers a turn and no time bound, dials waited 10–30 ms behind such a batch.
 */
const FANOUT_SLICE_MS = 1;
/**
 * Status changes are gathered this long before they go out, so each subscriber gets them in one write:
 * while statuses keep changing, each subscriber gets at most 1000 / FANOUT_DELAY_MS writes a second.
 * At 50 ms, 300 subscribers of an app whose users kept calling cost 6,000 socket writes a second, the
 * largest part of the server's time in the presence storm of `npm run bench:hostile`.
 */
const FANOUT_DELAY_MS = 200;

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
  readonly #unfollow: (() => void)[] = [];
  /** Apps with statuses not sent yet (their `changed`). */
  readonly #changedApps = new Set<AppState>();
  /** Batches being written, oldest first (a subscriber gets them in the order they were gathered). */
  readonly #jobs: FanoutJob[] = [];
  #draining: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #localChange: ((appID: string, UID: string) => void) | null = null;

  constructor(store: Store, log: Logger, opts: PresenceOptions = { coalesceMs: 100 }) {
    this.#store = store;
    this.#opts = opts;
    this.#log = log.child({ mod: 'Presence' });
  }

  #app(appID: string): AppState {
    let app = this.#apps.get(appID);
    if (!app) {
      app = { users: new Map(), subscribers: new Set(), online: 0, changed: null };
      this.#apps.set(appID, app);
    }
    return app;
  }

  /**
   * Follows room membership and calls: each member entering or leaving a room, each party joining or
   * leaving a call moves this user's counters (and maybe its status). Returns the unsubscribe.
   */
  follow({ rooms, calls }: PresenceSources): () => void {
    const offs = [
      rooms.on('memberEntered', ({ appID, UID }) => this.#count(appID, UID, 'inRoom', +1)),
      rooms.on('memberLeft', ({ appID, UID }) => this.#count(appID, UID, 'inRoom', -1)),
      calls.on('partyJoined', ({ appID, UID }) => this.#count(appID, UID, 'inCall', +1)),
      calls.on('partyLeft', ({ appID, UID }) => this.#count(appID, UID, 'inCall', -1)),
    ];
    this.#unfollow.push(...offs);
    return () => {
      for (const off of offs) off();
    };
  }

  #count(appID: string, UID: string, counter: 'inRoom' | 'inCall', delta: 1 | -1): void {
    const u = this.#user(appID, UID);
    u[counter] = Math.max(0, u[counter] + delta);
    this.#touch(u);
  }

  /** The live entry of a user, created on demand (offline users get one too, with no sessions). */
  #user(appID: string, UID: string): LiveUser {
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
        remote: new Map(),
        remoteInCall: 0,
        remoteInRoom: 0,
        dndAt: 0,
        published: 0,
        sentAt: 0,
        flush: null,
      };
      app.users.set(UID, u);
    }
    return u;
  }

  /** The live entry when the user has one, without creating it. */
  peek(appID: string, UID: string): LiveUserView | undefined {
    return this.#apps.get(appID)?.users.get(UID);
  }

  static #statusOf(u: LiveUser): 0 | 1 | 2 | 3 {
    if (u.sessions.size === 0) return 0;
    if (u.inRoom + u.remoteInRoom > 0) return 3;
    if (u.inCall + u.remoteInCall > 0) return 2;
    return 1;
  }

  static #toWire(u: LiveUser): UserStatus {
    return { userID: u.UID, userStatus: Presence.#statusOf(u), DNDType: u.DND, nickname: u.nickname };
  }

  addSession(s: Session): void {
    const u = this.#user(s.appID, s.UID);
    u.nickname = s.nickname;
    if (u.sessions.size === 0) this.#app(s.appID).online++;
    u.sessions.add(s);
    this.#touch(u, true);
  }

  removeSession(s: Session): void {
    const app = this.#apps.get(s.appID);
    app?.subscribers.delete(s);
    const u = app?.users.get(s.UID);
    if (!u) return;
    if (u.sessions.delete(s) && u.sessions.size === 0 && app) app.online--;
    this.#touch(u);
  }

  /**
   * Sets a user's DND; every device of theirs on this node hears of it (`dndChanged`; in a cluster the
   * other nodes tell theirs), subscribers of the new status. `at`: when it was set (cluster order).
   */
  setDND(appID: string, UID: string, DND: number, at = Date.now()): void {
    const u = this.#user(appID, UID);
    // Older than what this node knows, or the same change heard again (cluster mode): nothing to tell.
    if (at < u.dndAt || (at === u.dndAt && DND === u.DND)) return;
    u.DND = DND;
    u.dndAt = at;
    for (const s of u.sessions) if (s.remoteNode === null) s.notify('dndChanged', { DNDStatus: DND });
    this.#touch(u, true);
  }

  /** Another node's counters of this user's calls and rooms (cluster mode); null: it has none any more. */
  setRemoteCounts(node: string, appID: string, UID: string, counts: { inRoom: number; inCall: number } | null): void {
    const u = this.#user(appID, UID);
    if (counts && (counts.inRoom > 0 || counts.inCall > 0)) u.remote.set(node, counts);
    else if (!u.remote.delete(node)) return this.#forgetIfIdle(u);
    u.remoteInCall = 0;
    u.remoteInRoom = 0;
    for (const c of u.remote.values()) {
      u.remoteInCall += c.inCall;
      u.remoteInRoom += c.inRoom;
    }
    this.#touch(u);
  }

  /** Forgets the counters a node held (cluster mode: that node died). */
  dropNode(node: string): void {
    for (const app of this.#apps.values())
      for (const u of [...app.users.values()]) if (u.remote.has(node)) this.setRemoteCounts(node, u.appID, u.UID, null);
  }

  /** This node's share of a user's state (cluster mode), null when it has none. */
  contribution(appID: string, UID: string): Contribution | null {
    const u = this.#apps.get(appID)?.users.get(UID);
    if (!u) return null;
    const devices: Contribution['devices'] = [];
    for (const s of u.sessions) if (s.remoteNode === null) devices.push({ sid: s.id, callWaiting: s.callWaiting });
    if (devices.length === 0 && u.inRoom === 0 && u.inCall === 0) return null;
    return { nickname: u.nickname, devices, inRoom: u.inRoom, inCall: u.inCall, DND: u.DND, dndAt: u.dndAt };
  }

  /** Every user this node knows (cluster mode: their shares are re-published after a Redis restart). */
  *users(): Iterable<{ appID: string; UID: string }> {
    for (const app of this.#apps.values()) for (const u of app.users.values()) yield { appID: u.appID, UID: u.UID };
  }

  /** Called with each user whose share on this node may have changed (cluster mode publishes it). */
  onLocalChange(listener: ((appID: string, UID: string) => void) | null): void {
    this.#localChange = listener;
  }

  subscribe(s: Session, on: boolean): void {
    const subs = this.#app(s.appID).subscribers;
    if (on) subs.add(s);
    else subs.delete(s);
  }

  /** Recomputes a user's status and tells the app's subscribers when it (or, with `force`, anything) changed. */
  #touch(u: LiveUser, force = false): void {
    this.#localChange?.(u.appID, u.UID);
    const status = Presence.#statusOf(u);
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
    const app = this.#app(u.appID);
    if (app.subscribers.size > 0) {
      // Serialised once for every subscriber, and gathered once per app (every subscriber of the app
      // gets the same batch; nothing is kept per subscriber). Sent a moment later, after the request
      // that caused it is answered, as one write per subscriber carrying every user that changed
      // meanwhile (the last state of each): a storm of changes costs each subscriber a few writes a
      // second, and a call that rings meanwhile never waits behind thousands of sends.
      app.changed ??= new Map();
      app.changed.set(u.UID, jsonOf(Presence.#toWire(u)));
      this.#changedApps.add(app);
      if (!this.#draining) this.#draining = setTimeout(() => this.#drain(), FANOUT_DELAY_MS);
    }
    this.#forgetIfIdle(u);
  }

  /** Sends the pending status notifications to up to FANOUT_SLICE subscribers, then yields to the event loop. */
  #drain(): void {
    this.#draining = null;
    // What changed since the last batch goes to the app's subscribers of now.
    for (const app of this.#changedApps) {
      if (app.changed && app.subscribers.size > 0)
        this.#jobs.push({ app, statuses: [...app.changed.values()], subscribers: [...app.subscribers], next: 0 });
      app.changed = null;
    }
    this.#changedApps.clear();
    let n = 0;
    const until = performance.now() + FANOUT_SLICE_MS;
    for (let job = this.#jobs[0]; job; job = this.#jobs[0]) {
      while (job.next < job.subscribers.length) {
        if (n++ >= FANOUT_SLICE || (n > 1 && performance.now() >= until)) {
          this.#draining = setImmediate(() => this.#drain());
          return;
        }
        const s = job.subscribers[job.next++] as Session;
        // Unsubscribed (or ended) since the change: it no longer wants it.
        if (!s.ended && job.app.subscribers.has(s)) s.notifyAllJSON('userStatus', job.statuses);
      }
      this.#jobs.shift();
    }
  }

  /** Forget idle offline users so memory follows the online population, not history. */
  #forgetIfIdle(u: LiveUser): void {
    if (u.flush) return; // the pending send forgets it; a new entry for the UID must not race it
    if (Presence.#statusOf(u) === 0 && u.inCall === 0 && u.inRoom === 0 && u.DND === 0 && u.remote.size === 0) {
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
        statuses.push(Presence.#toWire(u));
        if (statuses.length >= limit) break;
      }
    }
    return { statuses, online: app?.online ?? 0 };
  }

  /** Sends what is still pending and stops the timers (server shutdown). */
  close(): void {
    for (const off of this.#unfollow.splice(0)) off();
    for (const u of [...this.#pending]) {
      if (u.flush) clearTimeout(u.flush);
      u.flush = null;
    }
    this.#pending.clear();
    if (this.#draining) {
      clearTimeout(this.#draining as NodeJS.Timeout);
      clearImmediate(this.#draining as NodeJS.Immediate);
    }
    this.#draining = null;
    for (const app of this.#changedApps) app.changed = null;
    this.#changedApps.clear();
    this.#jobs.length = 0;
  }

  one(appID: string, UID: string): UserStatus | undefined {
    const live = this.#apps.get(appID)?.users.get(UID);
    if (live) return Presence.#toWire(live);
    const row = this.#store.getUser(appID, UID);
    return row ? { userID: row.UID, userStatus: 0, DNDType: 0, nickname: row.nickname } : undefined;
  }
}
