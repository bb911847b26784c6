/** CloudRoom's CRVIDEOSDK error codes (`sdkErr`), name for name. 0 means success. */
export const SdkErr = {
  NOERR: 0,
  UNKNOWERR: 1,
  INNER_ERR: 3,
  MEETPARAM_ERR: 5,
  ANCTPSWD_ERR: 7,
  SERVER_EXCEPTION: 8,
  LOGINSTATE_ERROR: 9,
  USER_BEEN_KICKOUT: 10,
  NOT_INIT: 11,
  NOT_LOGIN: 12,
  /** User authentication is on, but the login carried no `userAuthCode`. */
  CUSTOMAUTH_NOINFO: 14,
  /** User authentication is off on this server, but the request needs it (e.g. change password). */
  CUSTOMAUTH_NOTSUPPORT: 15,
  /** The user authentication service (the customer's webhook) could not be reached or answered badly. */
  CUSTOMAUTH_EXCEPTION: 16,
  /** User authentication refused: wrong password or code, disabled user, or too many failed attempts. */
  CUSTOMAUTH_FAILED: 17,
  TOKEN_TIMEOUT: 18,
  /** The app ID is not known to this server. */
  TOKEN_APPIDNOTEXIST: 20,
  TOKEN_AUTH_FAILED: 21,
  NOSERVER_RSP: 202,
  SOCKETEXCEPTION: 204,
  SOCKETTIMEOUT: 205,
  CONNECTIONLOST: 207,
  /** TLS failed: the server's certificate is not trusted (or the handshake broke). */
  SSL_ERR: 209,
  /** Extension (no CloudRoom equivalent): too many requests at once or too often; retry later. */
  TOO_MANY_REQUESTS: 429,
  INVALID_CALLID: 600,
  ERR_CALL_EXIST: 601,
  ERR_BUSY: 602,
  ERR_OFFLINE: 603,
  ERR_NOANSWER: 604,
  ERR_USER_NOT_FOUND: 605,
  ERR_REFUSE: 606,
  MEETNOTEXIST: 800,
  AUTHERROR: 801,
  MEMBEROVERFLOWERROR: 802,
  /** Not part of this product (CloudRoom: service not enabled); also a login refused during a lockout. */
  SEVICE_NOTENABLED: 806,
  MIC_NORIGHT: 808,
  MIC_BEINGUSED: 809,
  MIC_UNKNOWERR: 810,
  /** 811–813 are speaker errors in CloudRoom's table. */
  SPK_NORIGHT: 811,
  SPK_BEINGUSED: 812,
  SPK_UNKNOWERR: 813,
  /** The H5 browser / device codes: `CRVideo_Init` rejects with them, the camera fails with them. */
  DEVICE_UNKNOW_ERR: 8001,
  DEVICE_NOTALLOWED_ERR: 8002,
  DEVICE_UPDATELIST_ERR: 8003,
  DEVICE_HAVENOTAPI_ERR: 8004,
  DEVICE_LOWVER_ERR: 8006,
  DEVICE_OPEN_DEVICE_ERR: 8007,
  /** The server's free disk space is below its floor: nothing new is stored. */
  RECORD_NO_DISK: 902,
  /** A limit of the server settings was hit (rate, count, back-off): retry later. */
  CFG_RESTRICTED: 904,
} as const;

export type SdkErrName = keyof typeof SdkErr;
export type SdkErrCode = (typeof SdkErr)[SdkErrName];

const names = new Map<number, string>(Object.entries(SdkErr).map(([name, code]) => [code, `CRVIDEOSDK_${name}`]));

/** `CRVIDEOSDK_…` name of a code, for logs and messages. */
export function sdkErrName(code: number): string {
  return names.get(code) ?? `CRVIDEOSDK_${code}`;
}

/** The one error type of the project: carries a CRVideo `sdkErr` code and an optional cause. */
export class CRVideoError extends Error {
  readonly code: number;

  constructor(code: number, message?: string, options?: { cause?: unknown }) {
    super(message ?? sdkErrName(code), options);
    this.name = 'CRVideoError';
    this.code = code;
  }

  /** The code of any thrown value: a CRVideoError's own, otherwise 1 (unknown). */
  static codeOf(err: unknown): number {
    return err instanceof CRVideoError ? err.code : SdkErr.UNKNOWERR;
  }
}
