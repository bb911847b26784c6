// Readable validation messages. The wire schemas use zod/mini (functional, tree-shakable) rather than classic
// zod so the browser and desktop SDK bundles carry only the validators they use; zod/mini has no default error
// map (every message would read "Invalid input"), so the English one (~3 KB) is loaded here, once. Every module
// that defines schemas imports this file, so messages are readable wherever a schema is used.
// Each schema module imports `* as z from 'zod/mini'` itself: re-exporting the namespace from a shared module
// would defeat tree-shaking and put all of zod (and its 50 locales) back in the bundles.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

/** One line naming the first problem and where it is, e.g. `meetID: Invalid input: expected number, received string`. */
export function issueText(error: {
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map(String).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** What `check` found: the parsed data, or why not (`thrown`: zod's own check threw on a hostile shape). */
export type Checked<T> = { ok: true; data: T } | { ok: false; why: string; thrown?: unknown };

/**
 * Checks `data` against `schema` and never throws: zod's checks can throw on hostile shapes (an object
 * whose toString is null where a string was expected), which is bad input like any other.
 */
export function check<T>(
  schema: {
    safeParse(data: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof issueText>[0] };
  },
  data: unknown,
): Checked<T> {
  try {
    const r = schema.safeParse(data);
    return r.success ? { ok: true, data: r.data } : { ok: false, why: issueText(r.error) };
  } catch (err) {
    return { ok: false, why: 'unreadable', thrown: err };
  }
}
