import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { TlsClientOptions } from '../../sdk/index.js';
import { createLog } from './log.js';
import type { SettingsData } from './Settings.js';

const log = createLog('CompanyCa');

/** Largest CA bundle we read (a company chain is a few KiB). */
const MAX_PEM_BYTES = 256 * 1024;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The SDK's TLS options for the desktop settings: with `companyCaFile` set, the core trusts that PEM
 * CA (bundle) besides Node's bundled public roots, so a server with a self-signed company certificate connects.
 * An unreadable or non-PEM file is logged and ignored: the connection then fails with 209 (SSL_ERR)
 * like any untrusted certificate, and the sign-in form says so. Verification is never switched off.
 */
export function companyTls(settings: Pick<SettingsData, 'companyCaFile'>): TlsClientOptions {
  const file = settings.companyCaFile;
  if (!file) return {};
  let pem: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_PEM_BYTES) {
      log(`company CA ${file} is larger than ${MAX_PEM_BYTES} bytes: ignored`);
      return {};
    }
    pem = bytes.toString('utf8');
  } catch (err) {
    log(`company CA ${file} cannot be read (${err instanceof Error ? err.message : String(err)}): ignored`);
    return {};
  }
  if (!PEM_CERT.test(pem)) {
    log(`company CA ${file} holds no PEM certificate: ignored`);
    return {};
  }
  log(`trusting the company CA in ${file}`);
  // The SDK's `ca` replaces the default roots: keep the public ones so other servers still connect.
  return { ca: `${rootCertificates.join('\n')}\n${pem}` };
}
