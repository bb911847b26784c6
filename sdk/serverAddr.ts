import { CRVideoError, SdkErr } from '../protocol/index.js';

/**
 * The signaling WebSocket URL for a server address written as CloudRoom does (`host:port`), or as
 * an `http(s)://` or `ws(s)://` URL. http → ws, https → wss; the path is always `/ws`.
 */
export function signalingUrl(serverAddr: string): string {
  const addr = serverAddr.trim();
  if (!addr) throw new CRVideoError(SdkErr.MEETPARAM_ERR, 'no server address');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `http://${addr}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new CRVideoError(SdkErr.MEETPARAM_ERR, `bad server address ${addr}`, { cause: err });
  }
  const scheme = { 'http:': 'ws:', 'ws:': 'ws:', 'https:': 'wss:', 'wss:': 'wss:' }[url.protocol];
  if (!scheme) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `unsupported scheme ${url.protocol}`);
  return `${scheme}//${url.host}/ws`;
}
