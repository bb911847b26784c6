import {
  CRVideoError,
  type RequestType,
  type ResponseData,
  requests,
  responses,
  SdkErr,
  ServerFrameSchema,
} from '../protocol/index.js';
import type { WebSocketCtor, WebSocketLike } from './Line.js';

/**
 * One request on a socket of its own, for what is asked before a login (a user token): opens,
 * sends, validates the answer against its schema, closes. 204 when the server cannot be reached,
 * 205 on timeout, the server's code otherwise.
 */
export function oneShotRequest<T extends RequestType>(
  WebSocket: WebSocketCtor,
  url: string,
  type: T,
  payload: unknown,
  timeoutMs: number,
): Promise<ResponseData<T>> {
  const parsed = requests[type].safeParse(payload);
  if (!parsed.success) return Promise.reject(new CRVideoError(SdkErr.MEETPARAM_ERR, `bad ${type} arguments`));
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      reject(new CRVideoError(SdkErr.SOCKETEXCEPTION, 'bad server address', { cause: err }));
      return;
    }
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close(1000);
      } catch {
        // already closed
      }
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new CRVideoError(SdkErr.SOCKETTIMEOUT, `${type}: no answer`))),
      timeoutMs,
    );
    ws.onerror = () => undefined;
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, type, payload: parsed.data }));
    ws.onclose = (ev) =>
      finish(() =>
        reject(
          ev.code === 1015
            ? new CRVideoError(SdkErr.SSL_ERR, 'the server certificate is not trusted')
            : new CRVideoError(SdkErr.SOCKETEXCEPTION, 'cannot reach the server'),
        ),
      );
    ws.onmessage = (ev) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const f = ServerFrameSchema.safeParse(frame);
      if (!f.success || f.data.t !== 'rsp' || f.data.id !== 1) return;
      const rsp = f.data;
      if (rsp.err !== SdkErr.NOERR) return finish(() => reject(new CRVideoError(rsp.err, rsp.msg)));
      const data = responses[type].safeParse(rsp.data);
      finish(() =>
        data.success
          ? resolve(data.data as ResponseData<T>)
          : reject(new CRVideoError(SdkErr.SERVER_EXCEPTION, `bad ${type} answer`)),
      );
    };
  });
}
