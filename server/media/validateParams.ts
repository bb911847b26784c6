import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CRVideoError, SdkErr } from '../../protocol/index.js';

// mediasoup validates RTP parameters and capabilities with its own `ortc` module (the same checks
// Transport.produce / consume run). It is not in mediasoup's package exports, so it is loaded from
// beside mediasoup's entry point. Run up front, they refuse bad input with sdkErr 5 before anything is
// stored or reaches a worker (capabilities sent with media.ready are otherwise only checked at the
// first consume, long after the request was answered).
interface MediasoupOrtc {
  validateRtpParameters(params: unknown): void;
  validateRtpCapabilities(caps: unknown): void;
}

const require = createRequire(import.meta.url);
const ortc = require(join(dirname(require.resolve('mediasoup')), 'ortc.js')) as MediasoupOrtc;

/** DTLS fingerprint algorithms the worker knows (worker/fbs/webRtcTransport.fbs FingerprintAlgorithm). */
const FINGERPRINT_ALGORITHMS = new Set(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']);
const FINGERPRINT_VALUE = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}$/;

function refuse(type: string, err: unknown): never {
  throw new CRVideoError(SdkErr.MEETPARAM_ERR, `bad ${type}: ${(err as Error).message}`, { cause: err });
}

/**
 * Checks a media request's RTP / DTLS parameters with mediasoup's rules (on a copy: mediasoup fills in
 * defaults as it validates). Throws CRVideoError 5 when they are wrong.
 */
export function validateMediaParams(type: string, payload: unknown): void {
  const p = payload as Record<string, unknown>;
  try {
    if (type === 'media.produce') ortc.validateRtpParameters(structuredClone(p.rtpParameters));
    else if (type === 'media.ready') ortc.validateRtpCapabilities(structuredClone(p.rtpCapabilities));
  } catch (err) {
    refuse(type, err);
  }
  if (type === 'media.connectTransport') {
    const dtls = p.dtlsParameters as { fingerprints: { algorithm: string; value: string }[] };
    for (const f of dtls.fingerprints) {
      if (!FINGERPRINT_ALGORITHMS.has(f.algorithm))
        refuse(type, new Error(`unknown fingerprint algorithm ${f.algorithm}`));
      if (!FINGERPRINT_VALUE.test(f.value)) refuse(type, new Error('fingerprint value is not colon-separated hex'));
    }
  }
}
