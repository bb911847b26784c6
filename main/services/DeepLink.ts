/** The URL scheme the app registers: `crvideo://call/UID`. */
export const PROTOCOL = 'crvideo';

/** A `crvideo://call/UID[?note=…]` link: call this user. */
export interface CallLink {
  kind: 'call';
  UID: string;
  note: string;
}

/** What a command line asks for: start hidden in the tray, and any links to open. */
export interface LaunchArgs {
  hidden: boolean;
  links: CallLink[];
}

const MAX_UID = 128;

/**
 * Parses a deep link. Accepts `crvideo://call/UID`, `crvideo:call/UID` and a trailing slash; the UID is
 * percent-decoded and must be 1–128 characters without control characters. Anything else is null.
 */
export function parseDeepLink(raw: string): CallLink | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== `${PROTOCOL}:`) return null;
  // crvideo://call/UID puts "call" in the host; crvideo:call/UID leaves it in the path.
  const parts = [url.host, ...url.pathname.split('/')].filter((p) => p !== '');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'call') return null;
  let UID: string;
  try {
    UID = decodeURIComponent(parts[1] ?? '');
  } catch {
    return null;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (UID.length === 0 || UID.length > MAX_UID || /[\u0000-\u001f\u007f]/.test(UID)) return null;
  const note = (url.searchParams.get('note') ?? '').slice(0, 500);
  return { kind: 'call', UID, note };
}

/** Reads `--hidden` and every `crvideo:` link from a command line (first launch or a second instance). */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const links: CallLink[] = [];
  let hidden = false;
  for (const arg of argv) {
    if (arg === '--hidden') hidden = true;
    else if (arg.toLowerCase().startsWith(`${PROTOCOL}:`)) {
      const link = parseDeepLink(arg);
      if (link) links.push(link);
    }
  }
  return { hidden, links };
}
