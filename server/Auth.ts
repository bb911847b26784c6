import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { CRVideoError, SdkErr } from '../protocol/index.js';
import type { AppRow } from './Store.js';

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** `CRVideo_Login` sends the lowercase hex MD5 of the app secret; compare in constant time. */
export function checkMd5Secret(app: AppRow, md5AppSecret: string): boolean {
  const want = Buffer.from(md5Hex(app.appSecret), 'utf8');
  const got = Buffer.from(md5AppSecret.toLowerCase(), 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export interface TokenClaims {
  appID: string;
  UID: string;
  /** Expiry, epoch milliseconds. */
  expMs: number;
}

/** Reads the claimed appID without trusting it (to find the secret to verify with). */
export function peekTokenAppID(token: string): string | undefined {
  try {
    const claims = decodeJwt(token);
    return typeof claims.appID === 'string' ? claims.appID : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies an HS256 JWT signed with the app secret naming `appID` and `UID` with an `exp`.
 * Throws CRVideoError 18 when expired, 21 when invalid in any other way.
 */
export async function verifyToken(token: string, app: AppRow, UID: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(app.appSecret), { algorithms: ['HS256'] });
    if (payload.appID !== app.appID || typeof payload.exp !== 'number') {
      throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names another app or has no expiry');
    }
    const tokenUID = typeof payload.UID === 'string' ? payload.UID : payload.sub;
    if (tokenUID !== UID) throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token names another UID');
    return { appID: app.appID, UID, expMs: payload.exp * 1000 };
  } catch (err) {
    if (err instanceof CRVideoError) throw err;
    if (err instanceof joseErrors.JWTExpired)
      throw new CRVideoError(SdkErr.TOKEN_TIMEOUT, 'token expired', { cause: err });
    throw new CRVideoError(SdkErr.TOKEN_AUTH_FAILED, 'token invalid', { cause: err });
  }
}
