import { CRVideoError } from '../../protocol/index.js';

/** A request refused under a limit (its socket's next request is held back: `refusalHoldMs`). */
export class Refusal extends CRVideoError {}

/**
 * The error of a request refused under a limit. Under attack these are thrown by the thousand per
 * second (the presence storm of `npm run bench:hostile` drew ~900 a second), and capturing a stack
 * trace for each took a tenth of the server's time there; a refusal's stack says nothing (the limit
 * and the session are in its message and log line), so it is made without one.
 */
export function refusal(code: number, message: string): Refusal {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Refusal(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
