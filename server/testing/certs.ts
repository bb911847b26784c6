// A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with the openssl command
// (Debian package openssl) in a temporary folder: for the TLS and webhook tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** PEM of the CA (what a client is told to trust). */
  ca: string;
  caFile: string;
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** base64 SHA-256 of the server key's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spki: string;
  dispose(): void;
}

function ssl(dir: string, args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes a CA and a leaf for `names` (default localhost + 127.0.0.1), signed by that CA; `days` may be negative-free only. */
export function makeTestCerts(names: string[] = ['DNS:localhost', 'IP:127.0.0.1']): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-certs-'));
  ssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=CRVideo Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  ssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
  ssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  const pub = ssl(dir, ['pkey', '-in', 'server.key', '-pubout', '-outform', 'DER']);
  const spki = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: pub }).toString('base64');
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    spki,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
