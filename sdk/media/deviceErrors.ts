import { SdkErr } from '../../protocol/index.js';

/** The CRVideo code for a failed getUserMedia: no permission, device in use, or anything else. */
export function captureErrorCode(kind: 'audio' | 'video', err: unknown): number {
  const name = err instanceof Error || (typeof err === 'object' && err !== null) ? (err as { name?: string }).name : '';
  const mic = kind === 'audio';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return mic ? SdkErr.MIC_NORIGHT : SdkErr.CAM_NORIGHT;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return mic ? SdkErr.MIC_BEINGUSED : SdkErr.CAM_BEINGUSED;
    default:
      // NotFoundError, OverconstrainedError, no mediaDevices at all (insecure page), …
      return mic ? SdkErr.MIC_UNKNOWERR : SdkErr.CAM_UNKNOWERR;
  }
}

/** Readable one-line description of a capture failure, for logs. */
export function describeCaptureError(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { name?: string; message?: string };
    return `${e.name ?? 'Error'}: ${e.message ?? ''}`;
  }
  return String(err);
}
