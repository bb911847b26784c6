import * as z from 'zod/mini';
import './issues.js';

/** Largest frame either side accepts; bigger ones are refused with sdkErr 5. */
export const MAX_FRAME_BYTES = 64 * 1024;

export const UID = z.string().check(z.minLength(1), z.maxLength(128));

/** Control characters (C0, DEL, C1): never part of a name a person types. */
const CONTROL = /\p{Cc}/u;
/** Lone UTF-16 surrogates: not text; SQLite would store them as U+FFFD and two names would collide. */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);
const plainText = z.refine<string>((s) => wellFormed(s) && !CONTROL.test(s), {
  message: 'must not contain control characters or lone surrogates',
});

/**
 * A UID or nickname as a client sends it: NFC-normalised (so "é" typed two ways is one user), no
 * control characters, no lone surrogates. Wrong input is refused (sdkErr 5) before it reaches the store.
 */
export const UIDInput = z.string().check(plainText, z.normalize('NFC'), z.minLength(1), z.maxLength(128));
export const NicknameInput = z.string().check(plainText, z.normalize('NFC'), z.maxLength(128));
export const AppID = z.string().check(z.minLength(1), z.maxLength(128));
export const CallID = z.string().check(z.minLength(1), z.maxLength(64));
export const MeetID = z.int().check(z.positive(), z.lte(Number.MAX_SAFE_INTEGER));
export const UsrExtDat = z.string().check(z.maxLength(8 * 1024));
export const Nickname = z.string().check(z.maxLength(128));

/** A room ("meeting") as the API hands it to apps. `startTime` is in Unix seconds. */
export const MeetObj = z.object({
  ID: MeetID,
  pswd: z.string().check(z.maxLength(64)),
  subject: z.string().check(z.maxLength(256)),
  pubMeetUrl: z.string().check(z.maxLength(512)),
  creator: z.string().check(z.maxLength(128)),
  memberCount: z.int().check(z.nonnegative()),
  startTime: z.int().check(z.nonnegative()),
});
export type MeetObj = z.infer<typeof MeetObj>;

/** 0 offline, 1 online and idle, 2 busy (ringing or in a call), 3 in a room. */
export const UserStatusValue = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

/** `CRVideo_UserStatus`; `nickname` is an extension (the last name the user logged in with). */
export const UserStatus = z.object({
  userID: UID,
  userStatus: UserStatusValue,
  DNDType: z.int(),
  nickname: Nickname,
});
export type UserStatus = z.infer<typeof UserStatus>;

export const CallOutcome = z.enum(['ringing', 'ongoing', 'answered', 'rejected', 'missed', 'cancelled', 'failed']);
export type CallOutcome = z.infer<typeof CallOutcome>;

/** One call in a user's history (extension `CRVideo_GetCallRecords`). Times are epoch milliseconds. */
export const CallRecord = z.object({
  callID: CallID,
  callerID: UID,
  calleeID: UID,
  meetID: z.int().check(z.nonnegative()),
  usrExtDat: UsrExtDat,
  ringAt: z.number(),
  answerAt: z.nullable(z.number()),
  endAt: z.nullable(z.number()),
  outcome: CallOutcome,
  /** 0, or the code the call failed or ended with (602, 603, 604, 605, 606 …). */
  sdkErr: z.int(),
});
export type CallRecord = z.infer<typeof CallRecord>;
