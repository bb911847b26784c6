import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { CRVideoError, type MeetObj, SdkErr } from '../protocol/index.js';
import { EnhancedEventEmitter } from './EnhancedEventEmitter.js';
import type { RoomMediaPlane } from './MediaHooks.js';
import type { Session } from './Session.js';
import type { Store } from './Store.js';

/** Reason code sent with CRVideo_MeetingDropped when the media worker carrying the room died. */
export const DROP_REASON_MEDIA = SdkErr.SOCKETEXCEPTION;

const NO_ROOM = 'no such room, or not invited to it';
export interface EnterResult {
  meetObj: MeetObj;
  members: string[];
  memberInfo: { UID: string; nickname: string }[];
}

interface LiveRoom {
  readonly meetID: number;
  readonly members: Map<string, Session>;
}

/** A device entering or leaving a room. */
export interface RoomMembership {
  appID: string;
  UID: string;
  meetID: number;
}

/** What Rooms tells its listeners (Presence counts the members this way). */
export type RoomsEvents = {
  /** A device entered a room (before the others hear of it). */
  memberEntered: [RoomMembership];
  /** A device left a room: exit, kicked out, room destroyed or dropped, session over. */
  memberLeft: [RoomMembership];
};

export interface RoomsOptions {
  maxMembers: number;
  /** Base URL used to build `pubMeetUrl`. */
  publicUrl: () => string;
}

/** Rooms ("meetings"): stored until destroyed; live membership in memory (Rooms alone changes it). */
export class Rooms extends EnhancedEventEmitter<RoomsEvents> {
  readonly #live = new Map<number, LiveRoom>();
  /** The room each device (session id) is in. */
  readonly #roomOf = new Map<string, number>();
  readonly #store: Store;
  readonly #media: RoomMediaPlane | null;
  readonly #opts: RoomsOptions;
  readonly #log: Logger;

  constructor(store: Store, media: RoomMediaPlane | null, opts: RoomsOptions, log: Logger) {
    const roomsLog = log.child({ mod: 'Rooms' });
    super(roomsLog);
    this.#store = store;
    this.#media = media;
    this.#opts = opts;
    this.#log = roomsLog;
    media?.onRoomDropped((meetID, peerIds) => this.#dropped(meetID, peerIds));
  }

  /** The room as the API shows it, or throws 800 when it does not exist for this app. */
  meetObj(appID: string, meetID: number): MeetObj {
    const row = this.#store.getRoom(meetID);
    if (!row || row.appID !== appID) throw new CRVideoError(SdkErr.MEETNOTEXIST, `room ${meetID} does not exist`);
    const live = this.#live.get(meetID);
    const uids = new Set<string>();
    for (const s of live?.members.values() ?? []) uids.add(s.UID);
    return {
      ID: row.ID,
      pswd: row.pswd,
      subject: row.subject,
      pubMeetUrl: `${this.#opts.publicUrl()}/#/meet/${row.ID}`,
      creator: row.creator,
      memberCount: uids.size,
      startTime: row.startTime,
    };
  }

  /**
   * The room when this user may enter it. A room that does not exist and one the user is not invited
   * to give the same answer (800), so room IDs cannot be probed.
   */
  meetObjFor(s: Session, meetID: number): MeetObj {
    const row = this.#store.getRoom(meetID);
    if (!row || row.appID !== s.appID || !this.#store.mayEnter(meetID, s.UID))
      throw new CRVideoError(SdkErr.MEETNOTEXIST, NO_ROOM);
    return this.meetObj(s.appID, meetID);
  }

  /** A new room; `claimedID`: an ID already reserved for it (cluster mode: unique across nodes). */
  create(s: Session, subject: string, claimedID?: number): MeetObj {
    let ID = claimedID ?? 0;
    // Random 8-digit IDs, as CloudRoom's (apps check for 8 digits); not guessable in sequence.
    if (claimedID === undefined)
      do ID = randomInt(10_000_000, 100_000_000);
      while (this.#store.roomExists(ID));
    const meet: MeetObj = {
      ID,
      pswd: '',
      subject,
      pubMeetUrl: `${this.#opts.publicUrl()}/#/meet/${ID}`,
      creator: s.UID,
      memberCount: 0,
      startTime: Math.floor(Date.now() / 1000),
    };
    this.#store.insertRoom(s.appID, meet);
    this.#log.info({ meetID: ID, UID: s.UID, appID: s.appID }, 'room created');
    return meet;
  }

  /** Lets a user into a room (the creator is let in on creation; callees when they accept). */
  grant(meetID: number, UID: string): void {
    this.#store.grantRoom(meetID, UID);
  }

  mayEnter(meetID: number, UID: string): boolean {
    return this.#store.mayEnter(meetID, UID);
  }

  /** The room device `s` is in, or null. */
  roomOf(s: Session): number | null {
    return this.#roomOf.get(s.id) ?? null;
  }

  async enter(s: Session, meetID: number): Promise<EnterResult> {
    this.meetObjFor(s, meetID);
    if (this.roomOf(s) === meetID) return this.#entered(s, meetID);
    const live = this.#live.get(meetID);
    if (live && live.members.size >= this.#opts.maxMembers) throw new CRVideoError(SdkErr.MEMBEROVERFLOWERROR);
    if (this.roomOf(s) !== null) this.exit(s);
    const room = live ?? { meetID, members: new Map() };
    this.#live.set(meetID, room);
    room.members.set(s.id, s);
    this.#roomOf.set(s.id, meetID);
    this.safeEmit('memberEntered', { appID: s.appID, UID: s.UID, meetID });
    try {
      await this.#media?.join(meetID, { peerId: s.id, UID: s.UID, notify: (name, data) => s.notify(name, data) });
    } catch (err) {
      this.exit(s);
      throw new CRVideoError(SdkErr.SERVER_EXCEPTION, 'media plane refused the member', { cause: err });
    }
    if (this.roomOf(s) !== meetID) throw new CRVideoError(SdkErr.MEETNOTEXIST, 'room went away while entering');
    for (const other of room.members.values())
      if (other !== s) other.notify('userEnterMeeting', { meetID, UID: s.UID, nickname: s.nickname });
    this.#log.info({ meetID, UID: s.UID }, 'member entered');
    return this.#entered(s, meetID);
  }

  #entered(s: Session, meetID: number): EnterResult {
    const memberInfo = new Map<string, string>([[s.UID, s.nickname]]);
    for (const m of this.#live.get(meetID)?.members.values() ?? [])
      if (!memberInfo.has(m.UID)) memberInfo.set(m.UID, m.nickname);
    return {
      meetObj: this.meetObj(s.appID, meetID),
      members: this.#others(meetID, s),
      memberInfo: [...memberInfo].map(([UID, nickname]) => ({ UID, nickname })),
    };
  }

  /** `CRVideo_SetNickName`: renames a member of the caller's room; everyone in it hears of it. */
  setNickName(s: Session, UID: string, nickname: string): void {
    const meetID = this.roomOf(s);
    const room = meetID === null ? undefined : this.#live.get(meetID);
    if (meetID === null || !room) throw new CRVideoError(SdkErr.MEETNOTEXIST, 'not in a room');
    const targets = [...room.members.values()].filter((m) => m.UID === UID);
    const first = targets[0];
    if (!first) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `${UID} is not in this room`);
    const oldName = first.nickname;
    for (const t of targets) t.rename(nickname);
    for (const m of room.members.values()) m.notify('nickNameChanged', { meetID, UID, oldName, newName: nickname });
    this.#log.info({ meetID, UID, by: s.UID }, 'nickname changed');
  }

  /** `CRVideo_Kickout`: the room's creator removes a member, who gets MeetingDropped(10). */
  kickout(s: Session, UID: string): void {
    const meetID = this.roomOf(s);
    const room = meetID === null ? undefined : this.#live.get(meetID);
    if (meetID === null || !room) throw new CRVideoError(SdkErr.MEETNOTEXIST, 'not in a room');
    if (this.meetObj(s.appID, meetID).creator !== s.UID)
      throw new CRVideoError(SdkErr.AUTHERROR, 'only the room creator may kick members out');
    const targets = [...room.members.values()].filter((m) => m.UID === UID);
    if (targets.length === 0 || UID === s.UID)
      throw new CRVideoError(SdkErr.MEETPARAM_ERR, `${UID} is not another member`);
    for (const t of targets) {
      this.exit(t);
      t.notify('meetingDropped', { meetID, reason: SdkErr.USER_BEEN_KICKOUT });
    }
    this.#log.info({ meetID, UID, by: s.UID }, 'member kicked out');
  }

  #others(meetID: number, s: Session): string[] {
    const uids = new Set<string>();
    for (const m of this.#live.get(meetID)?.members.values() ?? []) if (m !== s) uids.add(m.UID);
    return [...uids];
  }

  /** Removes a device from its room (exit, drop, session end). Safe to call when not in a room. */
  exit(s: Session, opts: { mediaGone?: boolean } = {}): void {
    const meetID = this.roomOf(s);
    if (meetID === null) return;
    this.#roomOf.delete(s.id);
    const room = this.#live.get(meetID);
    room?.members.delete(s.id);
    if (!opts.mediaGone) this.#media?.leave(meetID, s.id);
    if (room && room.members.size === 0) this.#live.delete(meetID);
    this.safeEmit('memberLeft', { appID: s.appID, UID: s.UID, meetID });
    for (const other of room?.members.values() ?? []) other.notify('userLeftMeeting', { meetID, UID: s.UID });
    this.#log.info({ meetID, UID: s.UID }, 'member left');
  }

  destroy(s: Session, meetID: number): void {
    const meet = this.meetObjFor(s, meetID);
    if (meet.creator !== s.UID) throw new CRVideoError(SdkErr.AUTHERROR, 'only the creator destroys a room');
    for (const m of [...(this.#live.get(meetID)?.members.values() ?? [])]) {
      this.exit(m);
      m.notify('meetingStopped', { meetID });
    }
    this.#store.deleteRoom(meetID);
    this.#log.info({ meetID, UID: s.UID }, 'room destroyed');
  }

  /** The media worker of a room died: its members are out and must enter again. */
  #dropped(meetID: number, peerIds: string[]): void {
    const room = this.#live.get(meetID);
    if (!room) return;
    const ids = new Set(peerIds);
    for (const m of [...room.members.values()]) {
      if (!ids.has(m.id) && peerIds.length > 0) continue;
      this.exit(m, { mediaGone: true });
      m.notify('meetingDropped', { meetID, reason: DROP_REASON_MEDIA });
    }
    this.#log.warn({ meetID, peers: peerIds.length }, 'room dropped by the media plane');
  }

  liveCount(): number {
    return this.#live.size;
  }
}
