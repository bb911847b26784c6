import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** The desktop app's page origin (main/electron/appProtocol.ts serves the renderer from app://crvideo). */
export const DESKTOP_ORIGIN = 'app://crvideo';

export interface UpgradeGuardOptions {
  /** Extra allowed origins; `'*'` allows any. */
  allowedOrigins?: string[];
  /** Extra host names a browser may use to reach the server. */
  allowedHosts?: string[];
  /** Open sockets per remote address. */
  socketsPerAddress: number;
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: number; reason: string };

/** `host[:port]` → lower-case host without port or IPv6 brackets ('' when unreadable). */
function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : '';
  }
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/**
 * Who may open the signaling WebSocket. Clients that send no Origin (the Node SDK, the Electron main
 * process) are not browsers and pass. A browser page must come from the server's own origin, the
 * desktop app or a configured origin, and must have reached the server by a Host name that cannot be
 * an attacker's DNS name re-pointed at this server (DNS rebinding): an IP literal, localhost or a
 * configured name. Also counts sockets per remote address.
 */
export class UpgradeGuard {
  readonly #origins: Set<string>;
  readonly #anyOrigin: boolean;
  readonly #hosts: Set<string>;
  readonly #perAddress: number;
  readonly #open = new Map<string, number>();

  constructor(o: UpgradeGuardOptions) {
    this.#anyOrigin = o.allowedOrigins?.includes('*') ?? false;
    this.#origins = new Set([DESKTOP_ORIGIN, ...(o.allowedOrigins ?? []).map((x) => x.toLowerCase())]);
    this.#hosts = new Set(['localhost', ...(o.allowedHosts ?? []).map((x) => x.toLowerCase())]);
    this.#perAddress = o.socketsPerAddress;
  }

  /** Adds a host name browsers may use (the host of publicUrl, once known). */
  allowHost(name: string): void {
    if (name) this.#hosts.add(name.toLowerCase());
  }

  #hostAllowed(name: string): boolean {
    return isIP(name) !== 0 || name.endsWith('.localhost') || this.#hosts.has(name);
  }

  /** `addr`: the client's address as counted (behind a trusted proxy, from X-Forwarded-For). */
  check(req: IncomingMessage, addr = req.socket.remoteAddress ?? '?'): UpgradeVerdict {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const host = req.headers.host ?? '';
      const name = hostName(host);
      if (!this.#hostAllowed(name)) return { ok: false, status: 403, reason: 'host not allowed' };
      const o = origin.toLowerCase();
      const sameOrigin = o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`;
      if (!sameOrigin && !this.#anyOrigin && !this.#origins.has(o)) {
        return { ok: false, status: 403, reason: 'origin not allowed' };
      }
    }
    if ((this.#open.get(addr) ?? 0) >= this.#perAddress) {
      return { ok: false, status: 429, reason: 'too many sockets from this address' };
    }
    return { ok: true };
  }

  /** A socket from `addr` opened; returns its release (idempotent). */
  opened(addr: string): () => void {
    this.#open.set(addr, (this.#open.get(addr) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#open.get(addr) ?? 1) - 1;
      if (n <= 0) this.#open.delete(addr);
      else this.#open.set(addr, n);
    };
  }
}
