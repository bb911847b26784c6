// Chromium without Electron cannot register a privileged scheme, so the page runs at a secure https
// origin standing for it: app://crvideo/x is https://crvideo.app.invalid/x in the page (never resolved:
// the stand-in answers every request itself). Main only ever sees the app:// form.
import type { StandinRuntime } from './runtime.js';

const MAPPED = /^https:\/\/([a-z0-9-]+)\.([a-z][a-z0-9+-]*)\.invalid(\/[\s\S]*)?$/i;

/** app://host/path → https://host.app.invalid/path, for schemes the app registered as privileged. */
export function toPageUrl(url: string, rt: Pick<StandinRuntime, 'privilegedSchemes'>): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)([\s\S]*)$/i.exec(url);
  if (!m || !rt.privilegedSchemes.has(m[1]!.toLowerCase())) return url;
  return `https://${m[2]}.${m[1]!.toLowerCase()}.invalid${m[3] || '/'}`;
}

/** The reverse of toPageUrl; other URLs unchanged. */
export function fromPageUrl(url: string, rt: Pick<StandinRuntime, 'privilegedSchemes'>): string {
  const m = MAPPED.exec(url);
  if (!m || !rt.privilegedSchemes.has(m[2]!.toLowerCase())) return url;
  return `${m[2]!.toLowerCase()}://${m[1]}${m[3] ?? '/'}`;
}
