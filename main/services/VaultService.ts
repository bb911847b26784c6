import { Channels, VaultEntry } from '../../sdk/bridge/channels.js';
import type { CredentialVault } from './CredentialVault.js';
import { createLog } from './log.js';
import type { IpcPort, SenderInfo } from './ports.js';

const log = createLog('VaultService');

export interface VaultServiceOptions {
  ipc: IpcPort;
  /** The keychain-backed store; null where the app has none (then nothing is remembered). */
  vault: CredentialVault | null;
  /** Only the main window's own page may read or write the remembered sign-in. */
  isTrusted: (sender: SenderInfo) => boolean;
}

/**
 * The main end of the `vault:*` channels: the page's "remember me" keeps its refresh credential in the
 * OS keychain (CredentialVault over safeStorage) instead of localStorage. Checks the sender and the payload.
 */
export class VaultService {
  readonly #off: Array<() => void>;

  static create(options: VaultServiceOptions): VaultService {
    return new VaultService(options);
  }

  private constructor(o: VaultServiceOptions) {
    const trusted = (sender: SenderInfo, channel: string): boolean => {
      if (o.isTrusted(sender)) return true;
      log(`${channel} from untrusted sender (webContents ${sender.webContentsId}, ${sender.frameUrl}) dropped`);
      return false;
    };
    this.#off = [
      o.ipc.handle(Channels.vaultLoad, (sender): VaultEntry | null => {
        if (!trusted(sender, Channels.vaultLoad)) return null;
        return o.vault?.load() ?? null;
      }),
      o.ipc.handle(Channels.vaultSave, (sender, payload): boolean => {
        if (!trusted(sender, Channels.vaultSave)) return false;
        const parsed = VaultEntry.safeParse(payload);
        if (!parsed.success) {
          log(`bad ${Channels.vaultSave} payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
          return false;
        }
        return o.vault?.save(parsed.data) ?? false;
      }),
      o.ipc.handle(Channels.vaultClear, (sender): boolean => {
        if (!trusted(sender, Channels.vaultClear)) return false;
        o.vault?.clear();
        return true;
      }),
    ];
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
  }
}
