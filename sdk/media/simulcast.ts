import type { types } from 'mediasoup-client';

/**
 * Camera encodings: VP8 simulcast when the device sends VP8, so the server can give every viewer the
 * layer its tile needs and drop to a lower one when the viewer's bandwidth falls. Three layers (1/4, 1/2
 * and full size, each with three temporal layers) from a camera at least 540 px tall; two (1/2 and full)
 * below that, which is all Chromium sends for such a picture anyway (its simulcast layer limits: 640 × 360
 * gets two streams, 960 × 540 and up three). With `simulcast` off, or without VP8, one full-size stream.
 * Where the room and this browser both have VP9 and `svc` is on, one VP9 stream with three spatial layers
 * instead (L3T3_KEY: the layers depend on each other only at key frames, so the server can drop the upper
 * ones): one encoder, one key frame for every layer at once.
 */
export const SIMULCAST_ENCODINGS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

const TWO_LAYERS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 250_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 900_000, scalabilityMode: 'L1T3' },
];

export const SVC_MODE = 'L3T3_KEY';

/** The VP9 (profile 0) codec of `device`'s capabilities, which are the room's and the browser's in common. */
export function vp9Of(device: { rtpCapabilities: types.RtpCapabilities } | null): types.RtpCodecCapability | undefined {
  return device?.rtpCapabilities.codecs?.find(
    (c) => c.mimeType.toLowerCase() === 'video/vp9' && Number(c.parameters?.['profile-id'] ?? 0) === 0,
  );
}

/** The `produce()` options of a camera track `height` pixels tall (unknown: three layers) on `device`. */
export function videoEncodings(
  device: { rtpCapabilities: types.RtpCapabilities } | null,
  simulcast: boolean,
  height?: number,
  svc = false,
): {
  codec?: types.RtpCodecCapability;
  encodings?: types.RtpEncodingParameters[];
  codecOptions: types.ProducerCodecOptions;
} {
  const codecOptions: types.ProducerCodecOptions = { videoGoogleStartBitrate: 1000 };
  const vp9 = svc && simulcast ? vp9Of(device) : undefined;
  if (vp9) return { codec: vp9, encodings: [{ scalabilityMode: SVC_MODE, maxBitrate: 1_500_000 }], codecOptions };
  const vp8 = device?.rtpCapabilities.codecs?.some((c) => c.mimeType.toLowerCase() === 'video/vp8') ?? false;
  if (!simulcast || !vp8) return { codecOptions };
  const layers = height !== undefined && height > 0 && height < 540 ? TWO_LAYERS : SIMULCAST_ENCODINGS;
  return { encodings: layers.map((e) => ({ ...e })), codecOptions };
}
