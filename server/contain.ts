import type { Logger } from 'pino';

/**
 * Wraps a callback run by a timer or an event (no caller to hand an error to): an exception is
 * logged with `context` instead of ending the process.
 */
export function contained<A extends unknown[]>(
  log: Logger,
  context: Record<string, unknown>,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      log.error({ ...context, err }, 'callback failed (contained)');
    }
  };
}
