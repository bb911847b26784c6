import type { WebSocket } from 'ws';
import { CloseCode } from './limits.js';

/** After the close frame is queued, how long a slow reader gets to take it before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Sends `text` unless the socket is not open. When the bytes waiting to go out pass `limit` (the peer
 * does not read), the socket is closed with 4008 and cut shortly after, so its buffer cannot grow the
 * server. Returns false when the socket was (or now is) unusable.
 */
export function sendBounded(ws: WebSocket, text: string, limit: number, onOverflow?: () => void): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  ws.send(text);
  if (ws.bufferedAmount <= limit) return true;
  onOverflow?.();
  ws.close(CloseCode.SEND_BUFFER_FULL, 'send buffer full');
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  return false;
}
