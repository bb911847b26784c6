import WebSocket from 'ws';
import type { WebSocketCtor } from './Line.js';

/** WebSocket close code 1015: the TLS handshake failed (RFC 6455 §7.4.1); the SDK maps it to 209. */
export const TLS_FAILED_CLOSE = 1015;

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

function isTlsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
  );
}

type TlsTrust = { ca?: string; rejectUnauthorized?: boolean };

/**
 * `ws` with the given TLS trust, reporting a refused certificate as close code 1015 (ws itself
 * reports every failed connect as 1006, which the SDK could not tell from a network failure).
 */
export function tlsAwareWebSocket(tls: TlsTrust | (() => TlsTrust)): WebSocketCtor {
  // A function is asked again for every connection, so a changed trust (the desktop app's company CA
  // setting) applies from the next connect on without a new client.
  const optsNow = () => {
    const t = typeof tls === 'function' ? tls() : tls;
    return {
      ...(t.ca ? { ca: t.ca } : {}),
      ...(t.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    };
  };
  class TlsAwareWebSocket extends WebSocket {
    #tlsFailed = false;
    #onclose: ((ev: { code: number }) => void) | null = null;

    constructor(url: string) {
      super(url, optsNow());
      this.on('error', (err) => {
        if (isTlsError(err)) this.#tlsFailed = true;
      });
      this.on('close', (code: number) => this.#onclose?.({ code: this.#tlsFailed ? TLS_FAILED_CLOSE : code }));
    }

    // @ts-expect-error ws types onclose with its own CloseEvent; the SDK reads only `code`.
    override get onclose(): ((ev: { code: number }) => void) | null {
      return this.#onclose;
    }
    override set onclose(fn: ((ev: { code: number }) => void) | null) {
      this.#onclose = fn;
    }
  }
  return TlsAwareWebSocket as unknown as WebSocketCtor;
}
