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
export const NodeInfo = z.object({ hostsRooms: z.boolean(), rooms: Count, sessions: Count, at: z.number() });
export type NodeInfo = z.infer<typeof NodeInfo>;
