import { z } from 'zod';

/** A node's name: what `--node-id` accepts. */
export const NodeId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const Sid = z.string().min(1).max(64);
const Name = z.string().max(256);

/** A device (session) as another node sees it. */
export const Device = z.object({
  sid: Sid,
  appID: Name,
  UID: Name,
  nickname: z.string().max(1024),
  callWaiting: z.boolean(),
});
export type Device = z.infer<typeof Device>;

const Count = z.number().int().min(0).max(1_000_000);

/** One node's share of a user's state (server/Presence.ts `Contribution`). */
export const ContributionSchema = z.object({
  nickname: z.string().max(1024),
  devices: z.array(z.object({ sid: Sid, callWaiting: z.boolean() })).max(10_000),
  inRoom: Count,
  inCall: Count,
  DND: z.number().int().min(0).max(1_000),
  dndAt: z.number().min(0),
});

export const PresenceEntry = z.object({ appID: Name, UID: Name, c: ContributionSchema.nullable() });

/** Methods one node asks another to run. */
export const RpcMethod = z.enum(['exec', 'handover', 'liveCalls']);
export type RpcMethod = z.infer<typeof RpcMethod>;

/** Everything nodes say to each other over Redis, checked like client frames before it is acted on. */
export const BusMessage = z.discriminatedUnion('t', [
  /** A notification for session `sid`, which lives on the receiving node. */
  z.object({ t: z.literal('ntf'), from: NodeId, sid: Sid, name: z.string().max(64), data: z.unknown() }),
  /** A request for the receiving node; answered with `rsp` on the asker's channel. */
  z.object({ t: z.literal('req'), id: z.number().int(), from: NodeId, method: RpcMethod, args: z.unknown() }),
  z.object({
    t: z.literal('rsp'),
    id: z.number().int(),
    err: z.number().int(),
    msg: z.string().max(1000).optional(),
    data: z.unknown().optional(),
  }),
  /** Changed shares of users held by node `node`. */
  z.object({ t: z.literal('pres'), node: NodeId, users: z.array(PresenceEntry).max(100_000) }),
  /** Node `node` re-wrote all its shares (after a Redis restart): read them again. */
  z.object({ t: z.literal('resync'), node: NodeId }),
  /** End session `sid` (it lives on the receiving node). */
  z.object({ t: z.literal('kick'), sid: Sid, why: z.string().max(200), lineOff: z.number().int() }),
  /** Session `sid` ended (on the node it lived on). */
  z.object({ t: z.literal('ended'), sid: Sid, linkLost: z.boolean() }),
  /** Session `sid` now lives on `node` (it resumed there). */
  z.object({ t: z.literal('moved'), sid: Sid, node: NodeId }),
  /** Node `node` is shutting down: treat it as gone now. */
  z.object({ t: z.literal('bye'), node: NodeId }),
]);
export type BusMessage = z.infer<typeof BusMessage>;

/** What a node keeps in Redis about a session, so that it can be resumed on any node. */
export const SessionRecord = z.object({
  sid: Sid,
  appID: Name,
  UID: Name,
  nickname: z.string().max(1024),
  node: NodeId,
  tokenExp: z.number().nullable(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

/** What a node says of itself every heartbeat. */
export const NodeInfo = z.object({
  /** Random per process start: a node restarted under the same ID is a new node (its old sessions are gone). */
  boot: z.string().max(64),
  hostsRooms: z.boolean(),
  rooms: Count,
  sessions: Count,
  at: z.number(),
});
export type NodeInfo = z.infer<typeof NodeInfo>;

/** `exec`: run request `type` for the session `dev` of the asking node. */
export const ExecArgs = z.object({ dev: Device, type: z.string().max(64), payload: z.unknown() });
/** `handover`: give up session `token` (it resumed on the asking node). */
export const HandoverArgs = z.object({ token: z.string().min(1).max(200), lastSeq: z.number().int().min(0) });
/** `liveCalls`: the calls of session `dev` on the receiving node. */
export const LiveCallsArgs = z.object({ dev: Device });

const CallRoute = z.object({
  node: NodeId,
  role: z.enum(['caller', 'callee']),
  state: z.enum(['ringing', 'accepted']),
});
/** Where a session's calls and room live (handed over with it). */
export const SerializedRoutes = z.object({
  room: z.object({ meetID: z.number().int(), node: NodeId }).nullable(),
  media: NodeId.nullable(),
  calls: z.array(z.tuple([z.string().max(128), CallRoute])).max(10_000),
});
export type SerializedRoutes = z.infer<typeof SerializedRoutes>;

/** The answer to `handover`: the session's replay state and routes. */
export const HandoverReply = z.object({
  handover: z.object({
    seq: z.number().int().min(0),
    frames: z.array(z.object({ seq: z.number().int(), text: z.string() })).max(10_000),
    callWaiting: z.boolean(),
    nickname: z.string().max(1024),
  }),
  routes: SerializedRoutes.nullable(),
});

/** The answer to `liveCalls`. */
export const LiveCallsReply = z.object({
  calls: z
    .array(z.object({ callID: z.string(), state: z.enum(['ringing', 'accepted']), role: z.enum(['caller', 'callee']) }))
    .max(10_000),
});

/** The ids a request or notification may carry, read to route and follow it. */
export const Ids = z.looseObject({ meetID: z.number().optional(), callID: z.string().optional() });

/** Reads the ids of a request's payload or a notification's data (none when it has other shapes). */
export function idsOf(v: unknown): { meetID?: number | undefined; callID?: string | undefined } {
  const r = Ids.safeParse(v);
  return r.success ? r.data : {};
}

/** Parses JSON text and checks it against `schema`: the value, or null when either fails (never throws). */
export function parseJsonWith<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  text: string,
): T | null {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
