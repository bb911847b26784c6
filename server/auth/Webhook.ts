import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CRVideoError, SdkErr } from '../../protocol/index.js';

/** The customer's own user check (`userAuth: 'webhook'`). */
export interface WebhookOptions {
  /** `https://…` (or `http://` on a trusted network) that receives `POST {appID, UID, userAuthCode}`. */
  url: string;
  /** No answer within this time → 16 (default 5000). */
  timeoutMs?: number;
  /** PEM of a private CA the webhook's certificate is signed by. */
  ca?: string;
  /** Sent as `Authorization: Bearer …`, so the backend knows the call comes from this server. */
  bearer?: string;
}

const MAX_BODY = 4096;

/**
 * Asks the customer's backend whether `userAuthCode` proves `UID`. A 2xx answer accepts; 401/403
 * refuses (17); anything else (timeout, network or TLS error, other status) is 16.
 */
export function askWebhook(
  o: WebhookOptions,
  body: { appID: string; UID: string; userAuthCode: string },
): Promise<void> {
  const url = new URL(o.url);
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!send) return Promise.reject(new CRVideoError(SdkErr.CUSTOMAUTH_EXCEPTION, `webhook scheme ${url.protocol}`));
  const json = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        timeout: o.timeoutMs ?? 5000,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(json),
          ...(o.bearer ? { Authorization: `Bearer ${o.bearer}` } : {}),
        },
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) res.destroy();
        });
        res.on('error', () => undefined);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else if (status === 401 || status === 403)
            reject(new CRVideoError(SdkErr.CUSTOMAUTH_FAILED, 'the user check refused this user'));
          else reject(new CRVideoError(SdkErr.CUSTOMAUTH_EXCEPTION, `the user check answered HTTP ${status}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 5000} ms`)));
    req.on('error', (err) =>
      reject(new CRVideoError(SdkErr.CUSTOMAUTH_EXCEPTION, `user check failed: ${err.message}`, { cause: err })),
    );
    req.end(json);
  });
}
