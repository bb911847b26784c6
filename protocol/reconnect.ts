import * as z from 'zod/mini';
import { CallID } from './schemas.js';

/**
 * The reconnect rule, shared by server and SDK so neither guesses the other's clock.
 *
 * - The server advertises its grace period (`graceMs`) in the login and resume responses.
 * - The SDK tries to resume only while less than `graceMs` has passed since it saw the drop, and at
 *   least every `RECONNECT_MAX_INTERVAL_MS` (with jitter below it), so a link that is back is used
 *   within that bound (plus one connect round trip).
 * - The server keeps a dropped session `graceMs + GRACE_MARGIN_MS`: the SDK's last attempt always
 *   starts well before the server's deadline, so the two never race on the same instant.
 * - A resume of a session the server ended is refused with 207 (CONNECTIONLOST); a session the server
 *   has never heard of (it restarted) is refused with 12 (NOT_LOGIN), and only then may the SDK sign in
 *   again by itself.
 */
export const GRACE_MARGIN_MS = 2000;

/** Longest wait between two reconnect attempts. */
export const RECONNECT_MAX_INTERVAL_MS = 1000;

/** A call the server still holds for this device (answer of `getLiveCalls`). */
export const LiveCall = z.object({
  callID: CallID,
  state: z.enum(['ringing', 'accepted']),
  /** `caller` or `callee`, seen from the asking device. */
  role: z.enum(['caller', 'callee']),
});
export type LiveCall = z.infer<typeof LiveCall>;
