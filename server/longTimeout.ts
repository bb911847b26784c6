/** Node's timers hold at most 2^31-1 ms (~24.8 days); a longer delay fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that may be cancelled; `unref` keeps it from holding the process open. */
export interface LongTimeout {
  cancel(): void;
}

/**
 * Runs `fn` at epoch `atMs`, however far ahead (a JWT `exp` may be years away): waits in steps of at
 * most MAX_TIMER_MS and re-checks the clock after each, so it never fires early.
 */
export function setTimeoutAt(fn: () => void, atMs: number, now: () => number = Date.now): LongTimeout {
  let timer: NodeJS.Timeout | null = null;
  let cancelled = false;
  const arm = (): void => {
    timer = setTimeout(step, Math.min(Math.max(0, atMs - now()), MAX_TIMER_MS));
    timer.unref();
  };
  const step = (): void => {
    timer = null;
    if (cancelled) return;
    if (now() >= atMs) fn();
    else arm();
  };
  arm();
  return {
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
