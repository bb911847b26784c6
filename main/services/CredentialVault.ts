import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { createLog } from './log.js';

const log = createLog('CredentialVault');

/** The part of Electron's `safeStorage` the vault uses (injected, so tests run it with a stand-in). */
export interface SafeStoragePort {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** What "remember me" keeps: the server's refresh credential for one user, never a password. */
export const RememberedSignIn = z.object({
  serverAddr: z.string().max(512),
  appID: z.string().max(128),
  UID: z.string().min(1).max(128),
  refreshToken: z.string().min(16).max(256),
});
export type RememberedSignIn = z.infer<typeof RememberedSignIn>;

/**
 * "Remember me" of the desktop app: the refresh credential, encrypted with the OS keychain
 * (Electron `safeStorage`: Keychain, DPAPI, libsecret/kwallet) in one file of userData. Where the
 * OS offers no encryption it stores nothing: the user then types the password next time.
 */
export class CredentialVault {
  readonly #file: string;
  readonly #safe: SafeStoragePort;

  constructor(options: { file: string; safeStorage: SafeStoragePort }) {
    this.#file = options.file;
    this.#safe = options.safeStorage;
  }

  /** Stores `entry`; false (and nothing written) when the OS cannot encrypt. */
  save(entry: RememberedSignIn): boolean {
    const parsed = RememberedSignIn.safeParse(entry);
    if (!parsed.success) {
      log('refused to store a malformed sign-in');
      return false;
    }
    if (!this.#safe.isEncryptionAvailable()) {
      log('no OS encryption available: the sign-in is not remembered');
      this.clear();
      return false;
    }
    const sealed = this.#safe.encryptString(JSON.stringify(parsed.data)).toString('base64');
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: 1, sealed }), { mode: 0o600 });
    renameSync(tmp, this.#file);
    log(`remembered the sign-in of ${parsed.data.UID}`);
    return true;
  }

  /** The remembered sign-in, or null (none, unreadable, or not decryptable any more). */
  load(): RememberedSignIn | null {
    let raw: string;
    try {
      raw = readFileSync(this.#file, 'utf8');
    } catch {
      return null;
    }
    try {
      const { sealed } = z.object({ v: z.literal(1), sealed: z.string() }).parse(JSON.parse(raw));
      return RememberedSignIn.parse(JSON.parse(this.#safe.decryptString(Buffer.from(sealed, 'base64'))));
    } catch (err) {
      log(`dropping an unreadable remembered sign-in: ${err instanceof Error ? err.message : String(err)}`);
      this.clear();
      return null;
    }
  }

  clear(): void {
    rmSync(this.#file, { force: true });
  }
}
