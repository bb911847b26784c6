import * as z from 'zod/mini';
import { AppID, UID } from './schemas.js';
import './issues.js';

const Secret = z.string().check(z.maxLength(1024));

/**
 * Per-user authentication on the wire (extensions). `issueUserToken` is answered before any login:
 * a person proves who they are with a password (or the customer's code, or a refresh credential the
 * server issued earlier) and gets a short-lived token for `CRVideo_LoginByToken`.
 */
export const authRequests = {
  issueUserToken: z.object({
    /** Omitted: the server's first app (a one-app deployment needs no app ID on the sign-in form). */
    appID: z.optional(AppID),
    UID,
    /** The password (accounts) or the customer's code (webhook). */
    userAuthCode: z.optional(Secret),
    /** A refresh credential from an earlier answer, instead of the password. */
    refreshToken: z.optional(z.string().check(z.maxLength(256))),
  }),
  /** The logged-in user changes their own password (accounts only). */
  changePassword: z.object({ oldPassword: Secret, newPassword: Secret }),
} as const;

export const authResponses = {
  issueUserToken: z.object({
    appID: AppID,
    UID,
    token: z.string(),
    /** Token expiry, epoch ms. */
    tokenExp: z.number(),
    /** Exchanged later for a new token (renewal, "remember me"); never the password. */
    refreshToken: z.string(),
    refreshExp: z.number(),
  }),
  changePassword: z.object({}),
} as const satisfies { [K in keyof typeof authRequests]: z.ZodMiniType };

/** Requests a socket may send before it logged in. */
export const PRE_LOGIN_REQUESTS: ReadonlySet<string> = new Set(['issueUserToken']);
