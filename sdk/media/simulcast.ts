import type { types } from 'mediasoup-client';

/**
 * Camera encodings: three VP8 simulcast layers (1/4, 1/2 and full size, each with three temporal
 * layers) when the device sends VP8, so the server can give every viewer the layer its tile needs and
 * drop to a lower one when the viewer's bandwidth falls. With `simulcast` off, or a codec mediasoup
 * cannot simulcast, one full-size stream as before.
 */
export const SIMULCAST_ENCODINGS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

/** The `produce()` options of a camera track on `device`. */
export function videoEncodings(
  device: { rtpCapabilities: types.RtpCapabilities } | null,
  simulcast: boolean,
): { encodings?: types.RtpEncodingParameters[]; codecOptions: types.ProducerCodecOptions } {
  const codecOptions: types.ProducerCodecOptions = { videoGoogleStartBitrate: 1000 };
  const vp8 = device?.rtpCapabilities.codecs?.some((c) => c.mimeType.toLowerCase() === 'video/vp8') ?? false;
  if (!simulcast || !vp8) return { codecOptions };
  return { encodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })), codecOptions };
}
