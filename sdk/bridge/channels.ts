import * as z from 'zod/mini';
import '../../protocol/issues.js';
import { MeetObj, UserStatusValue } from '../../protocol/schemas.js';
import { CALL_END_REASONS } from '../CallLedger.js';
import { BRIDGED_FUNCTION_NAMES } from './functions.js';

export { type ChannelName, Channels } from './channelNames.js';

/** Largest JSON size of one IPC payload we accept (same budget as a signaling frame). */
export const MAX_IPC_BYTES = 64 * 1024;

type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };

/** A structured-clone-safe, JSON-like value (what app data such as meetObj or usrExtDat may be). */
export const JsonValue: z.ZodMiniType<Json> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.undefined(),
    z.array(JsonValue).check(z.maxLength(1000)),
    z.record(z.string(), JsonValue),
  ]),
);
export type JsonValue = Json;

/** A cookie never crosses IPC: the renderer keeps it and sends this number instead (null: no cookie). */
export const CookieRef = z.nullable(z.int().check(z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)));
export type CookieRef = z.infer<typeof CookieRef>;

function withinSize(value: unknown): boolean {
  try {
    return JSON.stringify(value ?? null).length <= MAX_IPC_BYTES;
  } catch {
    return false;
  }
}

export const InvokeRequest = z
  .object({
    fn: z.enum(BRIDGED_FUNCTION_NAMES),
    /** The API arguments, the cookie position replaced by a CookieRef. */
    args: z.array(JsonValue).check(z.maxLength(8)),
    /** CRVideo_Call only: the callID the renderer already returned to the app. */
    callID: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  })
  .check(z.refine(withinSize, { message: 'payload too large' }));
export type InvokeRequest = z.infer<typeof InvokeRequest>;

/** `sdkErr` 0 when main handed the call to the core; otherwise why it did not (the app gets the Fail callback). */
export const InvokeReply = z.object({ sdkErr: z.int(), value: z.optional(JsonValue) });
export type InvokeReply = z.infer<typeof InvokeReply>;

export const CallbackEvent = z
  .object({
    name: z.string().check(z.regex(/^CRVideo_[A-Za-z0-9]+$/)),
    args: z.array(JsonValue).check(z.maxLength(8)),
    /** Set on result callbacks of renderer calls: which argument is the cookie and its ref. */
    cookie: z.optional(z.object({ index: z.int().check(z.gte(0), z.lte(7)), ref: CookieRef })),
  })
  .check(z.refine(withinSize, { message: 'payload too large' }));
export type CallbackEvent = z.infer<typeof CallbackEvent>;

const Short = z.string().check(z.maxLength(256));
const CallStateSchema = z.object({
  callID: z.string().check(z.maxLength(64)),
  direction: z.enum(['out', 'in']),
  peerUID: Short,
  state: z.enum(['ringing', 'accepted']),
  meetID: z.nullable(z.int()),
  meetObj: z.nullable(MeetObj),
  usrExtDat: z.string().check(z.maxLength(8192)),
});

const EndedCallSchema = z.object({
  callID: z.string().check(z.maxLength(64)),
  direction: z.enum(['out', 'in']),
  peerUID: Short,
  meetID: z.nullable(z.int()),
  reason: z.enum(CALL_END_REASONS),
  sdkErr: z.int(),
});

/** The SDK's client-side state model as it crosses IPC (sdk/ClientState.ts's ClientSnapshot). */
export const ClientSnapshotSchema = z
  .object({
    UID: Short,
    reconnecting: z.boolean(),
    dnd: z.boolean(),
    userStatus: UserStatusValue,
    presence: z.enum(['online', 'busy', 'dnd', 'offline']),
    calls: z.array(CallStateSchema).check(z.maxLength(64)),
    ended: z.array(EndedCallSchema).check(z.maxLength(16)),
    room: z.nullable(
      z.object({
        meetID: z.int(),
        members: z
          .array(z.object({ UID: Short, nickname: Short, audioStatus: z.int(), videoStatus: z.int() }))
          .check(z.maxLength(1000)),
      }),
    ),
  })
  .check(z.refine(withinSize, { message: 'payload too large' }));

export const HelloReply = z.object({
  /** Whether the main process plays the incoming ringtone (through this page): the app should not. */
  hostRingtone: z.boolean(),
  /** Main's live session, kept across a page reload (Ctrl+R, a crashed page): the page is signed in as UID. */
  session: z.optional(z.object({ UID: z.string().check(z.minLength(1), z.maxLength(128)), dnd: z.boolean() })),
  /** The SDK's state model as main has it now (later changes come on the `state` channel). */
  state: z.optional(ClientSnapshotSchema),
});
export type HelloReply = z.infer<typeof HelloReply>;

export const MediaRequest = z
  .object({
    type: z.string().check(z.regex(/^media\.[A-Za-z0-9.]+$/), z.maxLength(64)),
    payload: JsonValue,
  })
  .check(z.refine(withinSize, { message: 'payload too large' }));
export type MediaRequest = z.infer<typeof MediaRequest>;

export const MediaReply = z.object({ err: z.int(), data: z.optional(JsonValue), msg: z.optional(z.string()) });
export type MediaReply = z.infer<typeof MediaReply>;

export const MediaCommand = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('enter'),
    meetID: z.int().check(z.positive()),
    members: z.array(z.string()),
    myUID: z.string(),
  }),
  z.object({ op: z.literal('exit') }),
  // Ring-time media preparation (issue 15): the page's engine prepares the ringing call's room.
  z.object({
    op: z.literal('prepare'),
    callID: z.string().check(z.minLength(1), z.maxLength(64)),
    meetID: z.int().check(z.positive()),
    myUID: z.string(),
  }),
  z.object({ op: z.literal('unprepare'), callID: z.string().check(z.minLength(1), z.maxLength(64)) }),
  z.object({ op: z.literal('notification'), name: z.string().check(z.maxLength(64)), data: JsonValue }),
  z.object({ op: z.literal('resumed') }),
  z.object({ op: z.literal('openMic') }),
  z.object({ op: z.literal('closeMic') }),
  z.object({ op: z.literal('openVideo') }),
  z.object({ op: z.literal('closeVideo') }),
  z.object({ op: z.literal('close') }),
]);
export type MediaCommand = z.infer<typeof MediaCommand>;

export const RingtoneCommand = z.object({ playing: z.boolean() });
export type RingtoneCommand = z.infer<typeof RingtoneCommand>;

export const IncomingInfo = z.object({
  callID: z.string().check(z.minLength(1), z.maxLength(64)),
  callerName: z.string().check(z.maxLength(256)),
  callerID: z.string().check(z.maxLength(128)),
  note: z.string().check(z.maxLength(1024)),
  /** UI language of the labels ('en' | 'zh-CN'). */
  lang: z.string().check(z.maxLength(16)),
});
export type IncomingInfo = z.infer<typeof IncomingInfo>;

export const IncomingAction = z.object({
  callID: z.string().check(z.minLength(1), z.maxLength(64)),
  action: z.enum(['answer', 'reject']),
});
export type IncomingAction = z.infer<typeof IncomingAction>;

/** What the desktop app's "remember me" keeps in the OS keychain: a refresh credential, never a password. */
export const VaultEntry = z.object({
  serverAddr: z.string().check(z.maxLength(512)),
  appID: z.string().check(z.maxLength(128)),
  UID: z.string().check(z.minLength(1), z.maxLength(128)),
  refreshToken: z.string().check(z.minLength(16), z.maxLength(256)),
});
export type VaultEntry = z.infer<typeof VaultEntry>;

/** The company CA the desktop app trusts, as the Settings page shows it (never the key: there is none). */
export const CompanyCaInfo = z.object({
  certificates: z.array(
    z.object({
      subject: z.string().check(z.maxLength(4096)),
      issuer: z.string().check(z.maxLength(4096)),
      /** SHA-256 fingerprint, colon-separated hex. */
      fingerprint256: z.string().check(z.maxLength(128)),
      /** ISO date the certificate expires. */
      validTo: z.string().check(z.maxLength(64)),
      /** The certificate is a CA (basicConstraints CA:TRUE). */
      isCa: z.boolean(),
    }),
  ),
});
export type CompanyCaInfo = z.infer<typeof CompanyCaInfo>;

/** The answer to `companyCa:set`: what is now trusted, or why the text was refused. */
export const CompanyCaSetReply = z.union([
  z.object({ ok: z.literal(true), info: CompanyCaInfo }),
  z.object({ ok: z.literal(false), problem: z.enum(['tooLarge', 'notPem', 'badCertificate', 'refused']) }),
]);
export type CompanyCaSetReply = z.infer<typeof CompanyCaSetReply>;
