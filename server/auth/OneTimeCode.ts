import { randomInt } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so a code read out over the phone survives; 16 symbols = 80 bits.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 16;
const SHAPE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** Default and longest lifetime of a one-time code, in minutes. */
export const CODE_MINUTES = { default: 60, max: 7 * 24 * 60 } as const;

/** A fresh one-time code, shown as `XXXX-XXXX-XXXX-XXXX`. */
export function newOneTimeCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return raw.match(/.{4}/g)?.join('-') ?? raw;
}

/**
 * The canonical form of something typed as a one-time code (case, dashes and spaces ignored, O read
 * as 0 and I/L as 1), or null when it cannot be one, so a password is never looked up as a code.
 */
export function normalizeOneTimeCode(typed: string): string | null {
  if (typed.length > 64) return null;
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return SHAPE.test(s) ? s : null;
}
