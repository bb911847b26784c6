import { SdkErr } from '../../protocol/index.js';

/**
 * The CRVideo code for a failed getUserMedia: no permission, device in use, or anything else. The mic
 * has CloudRoom's 808–810; the camera has the H5 device codes (8002 denied, 8007 cannot open, 8001 other).
 */
export function captureErrorCode(kind: 'audio' | 'video', err: unknown): number {
  const name = err instanceof Error || (typeof err === 'object' && err !== null) ? (err as { name?: string }).name : '';
  const mic = kind === 'audio';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return mic ? SdkErr.MIC_NORIGHT : SdkErr.DEVICE_NOTALLOWED_ERR;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return mic ? SdkErr.MIC_BEINGUSED : SdkErr.DEVICE_OPEN_DEVICE_ERR;
    default:
      // NotFoundError, OverconstrainedError, no mediaDevices at all (insecure page), …
      return mic ? SdkErr.MIC_UNKNOWERR : SdkErr.DEVICE_UNKNOW_ERR;
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

/** The H5 code CloudRoom's OpenMicFailed / OpenVideoFailed carry: 8002 denied, 8007 device busy, else 8001. */
export function h5DeviceErrorCode(err: unknown): number {
  const name = typeof err === 'object' && err !== null ? (err as { name?: string }).name : '';
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError')
    return SdkErr.DEVICE_NOTALLOWED_ERR;
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError')
    return SdkErr.DEVICE_OPEN_DEVICE_ERR;
  return SdkErr.DEVICE_UNKNOW_ERR;
}
