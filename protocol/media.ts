import * as z from 'zod/mini';
import { CallID, MeetID, UID } from './schemas.js';
import './issues.js';

// Media-plane signaling (mediasoup). Kept in its own file so the call/room protocol and the media
// protocol each stay one concept. The RTP shapes below check structure and bounds; mediasoup (server)
// and mediasoup-client (browser) validate the fine details themselves.

const Id = z.string().check(z.minLength(1), z.maxLength(64));
const Str = z.string().check(z.maxLength(256));
const Params = z.record(
  z.string().check(z.maxLength(64)),
  z.union([z.string().check(z.maxLength(256)), z.number(), z.boolean()]),
);
const Int = z.int();
const Kind = z.enum(['audio', 'video']);
// Ranges of the mediasoup worker's own wire types (worker/fbs/rtpParameters.fbs: payload_type uint8,
// ssrc / clock_rate / max_bitrate uint32, header extension id uint8, channels uint8) narrowed by RTP
// itself: payload types are 7 bits (RFC 3550), extension ids 1..255 (RFC 8285). Anything outside would be
// truncated on its way to the worker, so it is refused here with sdkErr 5.
const PayloadType = z.int().check(z.gte(0), z.lte(127));
const Uint32 = z.int().check(z.gte(0), z.lte(0xffff_ffff));
const ClockRate = z.int().check(z.gte(1), z.lte(0xffff_ffff));
const Channels = z.int().check(z.gte(1), z.lte(255));
const ExtensionId = z.int().check(z.gte(1), z.lte(255));

export const MediaKind = Kind;
export type MediaKind = z.infer<typeof Kind>;

const RtcpFeedback = z.looseObject({ type: Str, parameter: z.optional(Str) });

const RtpCodecCapability = z.looseObject({
  kind: Kind,
  mimeType: Str,
  preferredPayloadType: z.optional(PayloadType),
  clockRate: ClockRate,
  channels: z.optional(Channels),
  parameters: z.optional(Params),
  rtcpFeedback: z.optional(z.array(RtcpFeedback).check(z.maxLength(32))),
});

const RtpHeaderExtensionCapability = z.looseObject({
  kind: Kind,
  uri: Str,
  preferredId: ExtensionId,
  preferredEncrypt: z.optional(z.boolean()),
  direction: z.optional(z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive'])),
});

/** A router's or a device's RTP capabilities. */
export const RtpCapabilities = z.looseObject({
  codecs: z.optional(z.array(RtpCodecCapability).check(z.maxLength(64))),
  headerExtensions: z.optional(z.array(RtpHeaderExtensionCapability).check(z.maxLength(64))),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

/** RTP parameters of a producer (client → server) or a consumer (server → client). */
export const RtpParameters = z.looseObject({
  mid: z.optional(Str),
  codecs: z
    .array(
      z.looseObject({
        mimeType: Str,
        payloadType: PayloadType,
        clockRate: ClockRate,
        channels: z.optional(Channels),
        parameters: z.optional(Params),
        rtcpFeedback: z.optional(z.array(RtcpFeedback).check(z.maxLength(32))),
      }),
    )
    .check(z.minLength(1), z.maxLength(16)),
  headerExtensions: z.optional(
    z
      .array(
        z.looseObject({ uri: Str, id: ExtensionId, encrypt: z.optional(z.boolean()), parameters: z.optional(Params) }),
      )
      .check(z.maxLength(32)),
  ),
  encodings: z.optional(
    z
      .array(
        z.looseObject({
          ssrc: z.optional(Uint32),
          rid: z.optional(Str),
          codecPayloadType: z.optional(PayloadType),
          rtx: z.optional(z.looseObject({ ssrc: Uint32 })),
          dtx: z.optional(z.boolean()),
          scalabilityMode: z.optional(Str),
          maxBitrate: z.optional(Uint32),
        }),
      )
      .check(z.maxLength(8)),
  ),
  rtcp: z.optional(z.looseObject({ cname: z.optional(Str), reducedSize: z.optional(z.boolean()) })),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const IceParameters = z.looseObject({ usernameFragment: Str, password: Str, iceLite: z.optional(z.boolean()) });
export type IceParameters = z.infer<typeof IceParameters>;

export const IceCandidate = z.looseObject({
  foundation: Str,
  priority: z.number(),
  address: Str,
  protocol: z.enum(['udp', 'tcp']),
  port: Int,
  type: z.enum(['host', 'srflx', 'prflx', 'relay']),
  tcpType: z.optional(z.enum(['active', 'passive', 'so'])),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const DtlsParameters = z.looseObject({
  role: z.optional(z.enum(['auto', 'client', 'server'])),
  fingerprints: z.array(z.looseObject({ algorithm: Str, value: Str })).check(z.minLength(1), z.maxLength(8)),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

/** API status of a member's mic or camera: 0 unknown, 1 no device, 2 closed, 3 open, 4 opening. */
export const MediaStatus = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export type MediaStatus = z.infer<typeof MediaStatus>;

/** What a member's media looks like to the others. */
export const MediaPeerInfo = z.object({ peerId: Id, UID, audio: MediaStatus, video: MediaStatus });
export type MediaPeerInfo = z.infer<typeof MediaPeerInfo>;

const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

const empty = z.object({});

/** Client → server media requests (only members of a room may send them, about their own objects). */
export const mediaRequests = {
  /** The room router's RTP capabilities (load the mediasoup-client Device with them). */
  'media.getRouterRtpCapabilities': empty,
  /** Creates (or replaces) this member's send or receive transport. */
  'media.createTransport': z.object({ direction: TransportDirection }),
  'media.connectTransport': z.object({ transportId: Id, dtlsParameters: DtlsParameters }),
  /** New ICE credentials after the transport's ICE failed or the network changed. */
  'media.restartIce': z.object({ transportId: Id }),
  /**
   * The device is loaded and the receive transport exists: the server now creates (paused) consumers
   * for every producer in the room and announces them with `media.newConsumer`; later producers too.
   */
  'media.ready': z.object({ rtpCapabilities: RtpCapabilities }),
  /** Starts sending a track (one producer per kind; a second one of the same kind replaces the first). */
  'media.produce': z.object({
    transportId: Id,
    kind: Kind,
    rtpParameters: RtpParameters,
    paused: z.optional(z.boolean()),
  }),
  'media.closeProducer': z.object({ producerId: Id }),
  'media.pauseProducer': z.object({ producerId: Id }),
  'media.resumeProducer': z.object({ producerId: Id }),
  /** Consumers are created paused; the client resumes each once its local consumer is ready. */
  'media.resumeConsumer': z.object({ consumerId: Id }),
  'media.pauseConsumer': z.object({ consumerId: Id }),
  /** This member's mic / camera status as the API shows it (relayed to the others as `media.status`). */
  'media.setStatus': z.object({ audio: z.optional(MediaStatus), video: z.optional(MediaStatus) }),
  /** Transport and stream health of this member (network-quality indicator). */
  'media.getStats': empty,
  // --- ring-time preparation and tile sizes (issue 15) ---
  /**
   * While call `callID` rings, its caller and the callee's devices may set up media in the call's room
   * before entering it: router capabilities, transports, producers. Nobody sees or receives the prepared
   * member until it enters; the server tears it down if the call does not go ahead.
   */
  'media.prepare': z.object({ callID: CallID }),
  /**
   * How big this member shows the video of consumer `consumerId` (CSS pixels; 0 = size unknown), or
   * that it does not show it at all (`hidden`: off screen, minimised — the consumer pauses until shown
   * again, then resumes with a key frame). The server picks the simulcast layer from the size.
   */
  'media.setTileSize': z.object({
    consumerId: Id,
    width: z.int().check(z.gte(0), z.lte(16384)),
    height: z.int().check(z.gte(0), z.lte(16384)),
    hidden: z.optional(z.boolean()),
  }),
} as const satisfies Record<`media.${string}`, z.ZodMiniType>;

const TransportStats = z.object({
  transportId: Id,
  direction: TransportDirection,
  iceState: Str,
  dtlsState: Str,
  bytesSent: z.number(),
  bytesReceived: z.number(),
  sendBitrate: z.number(),
  recvBitrate: z.number(),
  availableOutgoingBitrate: z.optional(z.number()),
});

/** mediasoup quality score 0..10 of a stream (10 = perfect). */
const StreamScore = z.object({ kind: Kind, UID: z.optional(UID), score: z.number() });

/** A TURN relay with short-lived credentials (RTCIceServer). */
export const IceServer = z.object({
  urls: z.array(z.string().check(z.maxLength(512))).check(z.maxLength(8)),
  username: z.string().check(z.maxLength(256)),
  credential: z.string().check(z.maxLength(256)),
});

/** Server → client: `data` of each successful media response. */
export const mediaResponses = {
  'media.getRouterRtpCapabilities': z.object({ rtpCapabilities: RtpCapabilities }),
  'media.createTransport': z.object({
    id: Id,
    iceParameters: IceParameters,
    iceCandidates: z.array(IceCandidate).check(z.maxLength(16)),
    dtlsParameters: DtlsParameters,
    /** TURN relays to use besides the server's own candidates (when the server has TURN configured). */
    iceServers: z.optional(z.array(IceServer).check(z.maxLength(4))),
  }),
  'media.connectTransport': empty,
  /** New ICE parameters, and fresh TURN credentials (an expired one is replaced on ICE restart). */
  'media.restartIce': z.object({
    iceParameters: IceParameters,
    iceServers: z.optional(z.array(IceServer).check(z.maxLength(4))),
  }),
  /** The other members of the room and their statuses. */
  'media.ready': z.object({ peers: z.array(MediaPeerInfo) }),
  'media.produce': z.object({ id: Id }),
  'media.closeProducer': empty,
  'media.pauseProducer': empty,
  'media.resumeProducer': empty,
  'media.resumeConsumer': empty,
  'media.pauseConsumer': empty,
  'media.setStatus': empty,
  'media.prepare': z.object({ meetID: MeetID }),
  'media.setTileSize': empty,
  'media.getStats': z.object({
    transports: z.array(TransportStats),
    /** Scores of what this member sends (per own producer). */
    producers: z.array(StreamScore),
    /** Scores of what this member receives (per consumer, with the sender's UID). */
    consumers: z.array(StreamScore),
  }),
} as const satisfies { [K in keyof typeof mediaRequests]: z.ZodMiniType };

/** Server → client media notifications. */
export const mediaNotifications = {
  /** A (paused) consumer of another member's track on this member's receive transport. */
  'media.newConsumer': z.object({
    id: Id,
    producerId: Id,
    peerId: Id,
    UID,
    kind: Kind,
    rtpParameters: RtpParameters,
    /** The sender has paused its producer (mic / camera closed). */
    producerPaused: z.boolean(),
  }),
  /** The consumer ended (its producer closed, or the sender left). */
  'media.consumerClosed': z.object({ id: Id }),
  /** The sender paused / resumed the producer behind this consumer. */
  'media.consumerPaused': z.object({ id: Id }),
  'media.consumerResumed': z.object({ id: Id }),
  /** A member's mic / camera status changed (sent to the other members). */
  'media.status': MediaPeerInfo,
  /** A member's media is gone (it left the room or was dropped). */
  'media.peerLeft': z.object({ peerId: Id, UID }),
  /** The loudest member right now ('' when everyone is silent). */
  'media.activeSpeaker': z.object({ UID: z.union([UID, z.literal('')]) }),
  /** The ring-time preparation in room `meetID` was torn down (the call was rejected, cancelled, timed out). */
  'media.prepareEnded': z.object({ meetID: MeetID }),
  /** The layer this member receives of a simulcast / SVC video consumer changed (null: none for now). */
  'media.consumerLayers': z.object({
    id: Id,
    spatialLayer: z.nullable(z.int()),
    temporalLayer: z.nullable(z.int()),
  }),
  /** Voice levels of the loud members (dBov, -127…0), every 800 ms while somebody speaks. */
  'media.audioLevels': z.object({
    levels: z.array(z.object({ UID, volume: z.number() })).check(z.maxLength(64)),
  }),
} as const satisfies Record<`media.${string}`, z.ZodMiniType>;

export type MediaRequestType = keyof typeof mediaRequests;
export type MediaRequestPayload<T extends MediaRequestType> = z.infer<(typeof mediaRequests)[T]>;
export type MediaResponseData<T extends MediaRequestType> = z.infer<(typeof mediaResponses)[T]>;
export type MediaNotificationName = keyof typeof mediaNotifications;
export type MediaNotificationData<N extends MediaNotificationName> = z.infer<(typeof mediaNotifications)[N]>;

/** The media request schemas typed per key (a generic look-up keeps the payload type of its key). */
export const mediaRequestSchemas: { readonly [T in MediaRequestType]: z.ZodMiniType<MediaRequestPayload<T>> } =
  mediaRequests;

/** The media notification schemas typed per key (a generic look-up keeps the data type of its name). */
export const mediaNotificationSchemas: {
  readonly [N in MediaNotificationName]: z.ZodMiniType<MediaNotificationData<N>>;
} = mediaNotifications;

/**
 * One handler per media notification, each given that notification's data (and `ctx`, e.g. the room it
 * arrived in). A table of this type must name every media notification, spelt as here: a missing,
 * misspelt or extra name, or a handler reading another notification's data, does not compile.
 */
export type MediaNotificationHandlers<Ctx = void> = {
  readonly [N in MediaNotificationName]: (data: MediaNotificationData<N>, ctx: Ctx) => void;
};
