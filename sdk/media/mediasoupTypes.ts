import type { types } from 'mediasoup-client';
import type { MediaNotificationData, MediaResponseData } from '../../protocol/index.js';

// The one place where the wire's RTP shapes are handed to mediasoup-client. protocol/ checks their
// structure and bounds (every frame is validated against it on arrival); mediasoup-client's own types are
// stricter than a schema can say cheaply (header-extension URIs as literal unions, fields that are
// optional on the wire), and it validates the values itself: `Device.load` and `Transport.consume` run
// them through its ortc validators and throw on anything wrong. So these casts state a type, they do not
// skip a check.

/** The router's capabilities, for `Device.load` (which validates them). */
export function routerCapabilities(
  caps: MediaResponseData<'media.getRouterRtpCapabilities'>['rtpCapabilities'],
): types.RtpCapabilities {
  return caps as types.RtpCapabilities;
}

/** A consumer's RTP parameters, for `Transport.consume` (which validates them). */
export function consumerRtpParameters(
  rtp: MediaNotificationData<'media.newConsumer'>['rtpParameters'],
): types.RtpParameters {
  return rtp as types.RtpParameters;
}

/**
 * A transport the server made (`media.createTransport`), as mediasoup-client's transport options, with
 * the server's TURN relays and, when asked for, the relay-only ICE policy.
 */
export function transportOptions(
  t: MediaResponseData<'media.createTransport'>,
  iceTransportPolicy: RTCIceTransportPolicy | undefined,
): types.TransportOptions {
  return {
    ...(t as types.TransportOptions),
    ...(t.iceServers ? { iceServers: t.iceServers } : {}),
    ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
  };
}
