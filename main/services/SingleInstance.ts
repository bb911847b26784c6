import { createLog } from './log.js';

const log = createLog('SingleInstance');

export interface SingleInstanceOptions {
  /** app.requestSingleInstanceLock(): false when another instance already runs. */
  requestLock: () => boolean;
  /** Registers for the 'second-instance' event (argv of the second launch). */
  onSecondInstance: (listener: (argv: string[]) => void) => void;
  /** What to do with a second launch: show the window, act on its arguments. */
  focus: () => void;
  handleArgs: (argv: readonly string[]) => void;
}

/**
 * One running app: a second launch hands its command line (deep links, flags) to the first, which comes
 * to the front, and then exits.
 */
export function acquireSingleInstance(options: SingleInstanceOptions): boolean {
  if (!options.requestLock()) {
    log('another instance runs: handing over and quitting');
    return false;
  }
  options.onSecondInstance((argv) => {
    log(`second launch (${argv.length} args): focusing`);
    options.focus();
    options.handleArgs(argv);
  });
  return true;
}
