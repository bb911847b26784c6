import { Channels, type CompanyCaInfo, type CompanyCaSetReply } from '../../sdk/bridge/channels.js';
import { companyCaPem, parseCompanyCa } from './CompanyCa.js';
import { createLog } from './log.js';
import type { IpcPort, SenderInfo } from './ports.js';
import type { Settings } from './Settings.js';

const log = createLog('CompanyCaService');

export interface CompanyCaServiceOptions {
  ipc: IpcPort;
  settings: Settings;
  /** Only the main window's own page may change what the app trusts. */
  isTrusted: (sender: SenderInfo) => boolean;
}

/**
 * The main end of the `companyCa:*` channels: the Settings page trusts a self-signed company CA
 * (pasted or picked PEM), sees its subject and fingerprint, and removes it. Main checks the sender
 * and the text (PEM certificates only, size-capped) and keeps it in the settings; the SDK core reads
 * it at its next connection (Desktop passes `companyTls` as a function).
 */
export class CompanyCaService {
  readonly #off: Array<() => void>;

  static create(options: CompanyCaServiceOptions): CompanyCaService {
    return new CompanyCaService(options);
  }

  private constructor(o: CompanyCaServiceOptions) {
    const trusted = (sender: SenderInfo, channel: string): boolean => {
      if (o.isTrusted(sender)) return true;
      log(`${channel} from untrusted sender (webContents ${sender.webContentsId}, ${sender.frameUrl}) dropped`);
      return false;
    };
    const current = (): CompanyCaInfo | null => {
      const pem = companyCaPem(o.settings.data);
      if (!pem) return null;
      const parsed = parseCompanyCa(pem);
      return parsed.ok ? parsed.info : null;
    };
    this.#off = [
      o.ipc.handle(Channels.companyCaGet, (sender): CompanyCaInfo | null =>
        trusted(sender, Channels.companyCaGet) ? current() : null,
      ),
      o.ipc.handle(Channels.companyCaSet, (sender, payload): CompanyCaSetReply => {
        if (!trusted(sender, Channels.companyCaSet)) return { ok: false, problem: 'refused' };
        const parsed = parseCompanyCa(payload);
        if (!parsed.ok) {
          log(`company CA refused: ${parsed.problem}`);
          return parsed;
        }
        o.settings.setCompanyCaPem(parsed.pem);
        const first = parsed.info.certificates[0];
        log(`trusting company CA ${first?.subject ?? '?'} (${first?.fingerprint256 ?? '?'})`);
        return { ok: true, info: parsed.info };
      }),
      o.ipc.handle(Channels.companyCaClear, (sender): boolean => {
        if (!trusted(sender, Channels.companyCaClear)) return false;
        o.settings.setCompanyCaPem(null);
        return true;
      }),
    ];
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
  }
}
