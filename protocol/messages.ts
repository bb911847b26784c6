import * as z from 'zod/mini';
import { authRequests, authResponses } from './auth.js';
import { mediaNotifications, mediaRequests, mediaResponses } from './media.js';
import { LiveCall } from './reconnect.js';
import {
  AppID,
  CallID,
  CallRecord,
  MeetID,
  MeetObj,
  Nickname,
  NicknameInput,
  UID,
  UIDInput,
  UserStatus,
  UsrExtDat,
} from './schemas.js';
import './issues.js';

const empty = z.object({});
const UserAuthCode = z.string().check(z.maxLength(1024));
const Page = z.int().check(z.positive(), z.lte(1_000_000));
const PageLimit = z.int().check(z.positive(), z.lte(1000));

/** Client → server requests: one schema per message type (the `payload` of a request frame). */
export const requests = {
  login: z.object({
    appID: AppID,
    md5AppSecret: z.string().check(z.minLength(1), z.maxLength(64)),
    nickname: NicknameInput,
    UID: UIDInput,
    userAuthCode: UserAuthCode,
  }),
  loginByToken: z.object({
    token: z.string().check(z.minLength(1), z.maxLength(4096)),
    nickname: NicknameInput,
    UID: UIDInput,
    userAuthCode: UserAuthCode,
  }),
  /** Re-attach a new socket to a session kept through a network drop. */
  resume: z.object({
    sessionToken: z.string().check(z.minLength(16), z.maxLength(128)),
    lastSeq: z.int().check(z.nonnegative()),
  }),
  updateToken: z.object({ token: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  logout: empty,
  ping: empty,
  createMeeting: z.object({ subject: z.string().check(z.maxLength(256)) }),
  destroyMeeting: z.object({ meetID: MeetID }),
  enterMeeting: z.object({ meetID: MeetID }),
  exitMeeting: empty,
  call: z.object({ callID: CallID, calledUID: UIDInput, meetID: MeetID, usrExtDat: UsrExtDat }),
  /** `meetID`: the callee answers with a room of its own (CloudRoom's "callee creates the room"); both meet there. */
  acceptCall: z.object({ callID: CallID, usrExtDat: UsrExtDat, meetID: z.optional(MeetID) }),
  rejectCall: z.object({ callID: CallID, usrExtDat: UsrExtDat }),
  hangupCall: z.object({ callID: CallID, usrExtDat: UsrExtDat }),
  setDND: z.object({ DNDStatus: z.int().check(z.gte(0), z.lte(0x7fffffff)) }),
  /** One user, or (without UID) one page of the app's online users; `page` counts from 1. */
  getUserStatus: z.object({ UID: z.optional(UID), page: z.optional(Page), limit: z.optional(PageLimit) }),
  startUserStatusNotify: empty,
  stopUserStatusNotify: empty,
  /** One page of the user's history, newest first; `page` counts from 1 (default page 1 of 50). */
  getCallRecords: z.object({ page: z.optional(Page), limit: z.optional(PageLimit) }),
  /** The calls the server still holds for this device (the SDK reconciles with it after a re-login). */
  getLiveCalls: empty,
  /** Call waiting for this device: on, a call to a user in a call rings; off (CloudRoom's default), it is 602. */
  setCallWaiting: z.object({ on: z.boolean() }),
  /** `CRVideo_SetNickName(UID, newName)`: a member's name in the current room. */
  setNickName: z.object({ UID: UIDInput, nickname: NicknameInput }),
  /** `CRVideo_Kickout(UID)`: removes a member from the current room (the room's creator only). */
  kickout: z.object({ UID: UIDInput }),
  ...mediaRequests,
  ...authRequests,
} as const;

const LoginData = z.object({
  UID,
  sessionToken: z.string(),
  /** How long the server keeps the session after the socket drops. */
  graceMs: z.int().check(z.nonnegative()),
  /** Token expiry (epoch ms) for token logins, else null. */
  tokenExp: z.nullable(z.number()),
});

/** Server → client: the `data` of a successful response, per request type. */
export const responses = {
  login: LoginData,
  loginByToken: LoginData,
  /** `graceMs` as at login (servers before it answered `{}`). */
  resume: z.object({ graceMs: z.optional(z.int().check(z.nonnegative())) }),
  updateToken: z.object({ tokenExp: z.number() }),
  logout: empty,
  ping: z.object({ now: z.number() }),
  createMeeting: z.object({ meetObj: MeetObj }),
  destroyMeeting: empty,
  enterMeeting: z.object({
    meetObj: MeetObj,
    members: z.array(UID),
    /** Names of the members (and of the one entering), for the SDK's own copy of the room. */
    memberInfo: z.optional(z.array(z.object({ UID, nickname: Nickname }))),
  }),
  exitMeeting: empty,
  call: empty,
  acceptCall: empty,
  rejectCall: empty,
  hangupCall: empty,
  setDND: empty,
  /** `online`: how many users of the app are online (the list without UID is a page of them). */
  getUserStatus: z.object({ statuses: z.array(UserStatus), online: z.optional(z.int()) }),
  startUserStatusNotify: empty,
  stopUserStatusNotify: empty,
  getCallRecords: z.object({ records: z.array(CallRecord) }),
  getLiveCalls: z.object({ calls: z.array(LiveCall) }),
  setCallWaiting: empty,
  setNickName: empty,
  kickout: empty,
  ...mediaResponses,
  ...authResponses,
} as const satisfies { [K in keyof typeof requests]: z.ZodMiniType };

/** Server → client notifications, by name. */
export const notifications = {
  lineOff: z.object({ sdkErr: z.int() }),
  tokenWillExpire: z.object({ tokenExp: z.number() }),
  callIn: z.object({ callID: CallID, meetObj: MeetObj, callerID: UID, usrExtDat: UsrExtDat }),
  callAccepted: z.object({ callID: CallID, meetObj: MeetObj, usrExtDat: UsrExtDat }),
  callRejected: z.object({ callID: CallID, sdkErr: z.int(), usrExtDat: UsrExtDat }),
  /** `sdkErr` 207 when the call ended because a party's link was lost (grace passed, server closing). */
  callHungup: z.object({ callID: CallID, usrExtDat: UsrExtDat, sdkErr: z.optional(z.int()) }),
  userStatus: UserStatus,
  /** Own DND changed (from another device or the server): keeps every device's switch in sync. */
  dndChanged: z.object({ DNDStatus: z.int() }),
  userEnterMeeting: z.object({ meetID: MeetID, UID, nickname: z.optional(Nickname) }),
  nickNameChanged: z.object({ meetID: MeetID, UID, oldName: Nickname, newName: Nickname }),
  userLeftMeeting: z.object({ meetID: MeetID, UID }),
  meetingDropped: z.object({ meetID: MeetID, reason: z.int() }),
  meetingStopped: z.object({ meetID: MeetID }),
  ...mediaNotifications,
} as const;

export type RequestType = keyof typeof requests;
export type RequestPayload<T extends RequestType> = z.infer<(typeof requests)[T]>;
export type ResponseData<T extends RequestType> = z.infer<(typeof responses)[T]>;
export type NotificationName = keyof typeof notifications;
export type NotificationData<N extends NotificationName> = z.infer<(typeof notifications)[N]>;

/**
 * One handler per notification, each given that notification's data type. A listener of the generic
 * `(name: N, data: NotificationData<N>)` shape dispatches with `handlers[name](data)`, with no cast.
 */
export type NotificationHandlers = { readonly [N in NotificationName]: (data: NotificationData<N>) => void };

// The same schemas, typed per key: looked up with a generic key (`requestSchemas[type]`, `type: T`),
// they keep the type of that key, so the parse result is `RequestPayload<T>` without a cast.
/** Request payload schema by request type. */
export const requestSchemas: { readonly [T in RequestType]: z.ZodMiniType<RequestPayload<T>> } = requests;
/** Response data schema by request type (the SDK checks every response with it). */
export const responseSchemas: { readonly [T in RequestType]: z.ZodMiniType<ResponseData<T>> } = responses;
/** Notification data schema by name. */
export const notificationSchemas: { readonly [N in NotificationName]: z.ZodMiniType<NotificationData<N>> } =
  notifications;

/** A request frame: `{ id, type, payload }`. */
export const RequestFrame = z.object({
  id: z.int().check(z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)),
  type: z.string().check(z.maxLength(64)),
  payload: z.optional(z.unknown()),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

/** Response to request `id` (null when the frame was too broken to read an id). */
export interface ResponseFrame {
  t: 'rsp';
  id: number | null;
  err: number;
  data?: unknown;
  msg?: string;
}

/** A notification; `seq` grows by one per session, so a resumed session can replay what it missed. */
export interface NotificationFrame {
  t: 'ntf';
  seq: number;
  name: string;
  data: unknown;
}

export type ServerFrame = ResponseFrame | NotificationFrame;

export const ServerFrameSchema = z.union([
  z.object({
    t: z.literal('rsp'),
    id: z.nullable(z.number()),
    err: z.int(),
    data: z.optional(z.unknown()),
    msg: z.optional(z.string()),
  }),
  z.object({ t: z.literal('ntf'), seq: z.int(), name: z.string(), data: z.unknown() }),
]);

export function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(requests, type);
}

export function isNotificationName(name: string): name is NotificationName {
  return Object.hasOwn(notifications, name);
}
