import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { CompanyCaInfo } from '../../sdk/bridge/channels.js';
import type { TlsClientOptions } from '../../sdk/index.js';
import { createLog } from './log.js';

const log = createLog('CompanyCa');

/** Largest CA bundle we accept (a company chain is a few KiB). */
export const MAX_PEM_BYTES = 64 * 1024;
/** Most certificates in one bundle. */
const MAX_CERTS = 8;
const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** The settings that name a company CA (Settings.ts). */
type CaSettings = { companyCaFile?: string | null; companyCaPem?: string | null };

/** Why a pasted or picked PEM was refused (the page words it). */
export type CompanyCaProblem = 'tooLarge' | 'notPem' | 'badCertificate';

/**
 * Checks text offered as a company CA: only PEM `CERTIFICATE` blocks (nothing else, no private key),
 * at most 64 KiB and 8 certificates, each one a certificate Node can parse. Returns the canonical PEM
 * and what the page shows (subject, SHA-256 fingerprint, expiry of each), or the problem.
 */
export function parseCompanyCa(
  text: unknown,
): { ok: true; pem: string; info: CompanyCaInfo } | { ok: false; problem: CompanyCaProblem } {
  if (typeof text !== 'string') return { ok: false, problem: 'notPem' };
  if (Buffer.byteLength(text, 'utf8') > MAX_PEM_BYTES) return { ok: false, problem: 'tooLarge' };
  const blocks = [...text.matchAll(PEM_CERT)];
  const rest = text.replace(PEM_CERT, '').trim();
  if (blocks.length === 0 || rest !== '') return { ok: false, problem: 'notPem' };
  if (blocks.length > MAX_CERTS) return { ok: false, problem: 'tooLarge' };
  const certs: CompanyCaInfo['certificates'] = [];
  const pems: string[] = [];
  for (const b of blocks) {
    let x: X509Certificate;
    try {
      x = new X509Certificate(Buffer.from((b[1] ?? '').replace(/\s/g, ''), 'base64'));
    } catch {
      return { ok: false, problem: 'badCertificate' };
    }
    certs.push({
      subject: x.subject.replace(/\n/g, ', '),
      issuer: x.issuer.replace(/\n/g, ', '),
      fingerprint256: x.fingerprint256,
      validTo: new Date(x.validTo).toISOString(),
      isCa: x.ca,
    });
    pems.push(x.toString().trim());
  }
  return { ok: true, pem: `${pems.join('\n')}\n`, info: { certificates: certs } };
}

/** The company CA in effect: the PEM saved from Settings, else the file named at launch; null: none. */
export function companyCaPem(settings: CaSettings): string | null {
  if (settings.companyCaPem) return settings.companyCaPem;
  const file = settings.companyCaFile;
  if (!file) return null;
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_PEM_BYTES) {
      log(`company CA ${file} is larger than ${MAX_PEM_BYTES} bytes: ignored`);
      return null;
    }
    text = bytes.toString('utf8');
  } catch (err) {
    log(`company CA ${file} cannot be read (${err instanceof Error ? err.message : String(err)}): ignored`);
    return null;
  }
  // A file may carry comments or a key beside the certificates: take the certificates only.
  const certs = text.match(PEM_CERT)?.join('\n') ?? '';
  const parsed = parseCompanyCa(certs);
  if (!parsed.ok) {
    log(`company CA ${file} holds no usable PEM certificate: ignored`);
    return null;
  }
  return parsed.pem;
}

/**
 * The SDK's TLS options for the desktop settings: with a company CA set (Settings page, or
 * `companyCaFile` from `--company-ca`), the core trusts it besides Node's bundled public roots, so a
 * server with a self-signed company certificate connects. Anything unusable is logged and ignored:
 * the connection then fails with 209 (SSL_ERR) like any untrusted certificate, and the sign-in form
 * says so. Verification is never switched off.
 */
export function companyTls(settings: CaSettings): TlsClientOptions {
  const pem = companyCaPem(settings);
  if (!pem) return {};
  // The SDK's `ca` replaces the default roots: keep the public ones so other servers still connect.
  return { ca: `${rootCertificates.join('\n')}\n${pem}` };
}
