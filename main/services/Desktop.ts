import type { TlsClientOptions } from '../../sdk/index.js';
import type { MediaEngineFactory } from '../../sdk/media/MediaEngine.js';
import { BridgeService } from './BridgeService.js';
import { companyTls } from './CompanyCa.js';
import { CompanyCaService } from './CompanyCaService.js';
import { type CoreClient, CoreHost } from './CoreHost.js';
import type { CredentialVault } from './CredentialVault.js';
import { parseLaunchArgs } from './DeepLink.js';
import { Dialer } from './Dialer.js';
import { IncomingCallNotifier } from './IncomingCallNotifier.js';
import { createLog } from './log.js';
import { MediaRelay } from './MediaRelay.js';
import type {
  IncomingWindowPort,
  IpcPort,
  LoginItemPort,
  MainWindowPort,
  NotificationPort,
  PagePort,
  RingtonePort,
  SenderInfo,
  TrayPort,
} from './ports.js';
import { SelfState } from './SelfState.js';
import { Settings } from './Settings.js';
import { stringsFor } from './strings.js';
import { TrayService } from './TrayService.js';
import { VaultService } from './VaultService.js';

const log = createLog('Desktop');

/** Where the core connects when neither the launch nor the settings name a server (the CLI's default port). */
export const DEFAULT_SERVER_ADDR = 'localhost:8080';

export interface DesktopOptions {
  /**
   * Builds the SDK core with the given media engine (the relay to the page's engine) and the TLS
   * options of the settings (a company CA), asked again at every connection.
   */
  createCore: (media: MediaEngineFactory, serverAddr: string, tls: () => TlsClientOptions) => CoreClient;
  ipc: IpcPort;
  page: () => PagePort | null;
  isTrusted: (sender: SenderInfo) => boolean;
  window: MainWindowPort;
  tray: TrayPort;
  notifications: NotificationPort;
  incomingWindow: IncomingWindowPort;
  ringtone: RingtonePort;
  loginItem: LoginItemPort;
  settingsFile: string;
  /**
   * A company CA PEM file given at launch (`--company-ca=PATH`, '' to forget it): saved in the settings,
   * trusted from this start on. Absent: the saved setting stands.
   */
  companyCaFile?: string | null;
  /** "Remember me" in the OS keychain; absent: nothing is remembered across starts. */
  vault?: CredentialVault | null;
  /** A server address given at launch (e.g. by `npm start`'s local server); wins over the saved one. */
  serverAddr?: string | null;
  lang: 'en' | 'zh-CN';
  pageOrigin: string;
  /** Really quit the app (tray Quit). */
  quit: () => void;
}

/**
 * The desktop app's main-process services wired together, Electron kept behind ports: the app builds
 * it from real Electron adapters, tests from recording fakes. Nothing here imports Electron.
 */
export class Desktop {
  readonly settings: Settings;
  readonly media: MediaRelay;
  readonly core: CoreClient;
  readonly host: CoreHost;
  readonly self: SelfState;
  readonly bridge: BridgeService;
  readonly tray: TrayService;
  readonly notifier: IncomingCallNotifier;
  readonly dialer: Dialer;
  readonly vault: VaultService;
  readonly companyCa: CompanyCaService;
  #closed = false;

  static create(options: DesktopOptions): Desktop {
    return new Desktop(options);
  }

  private constructor(o: DesktopOptions) {
    const strings = () => ({ ...stringsFor(o.lang), lang: o.lang });
    this.settings = Settings.create({ file: o.settingsFile, loginItem: o.loginItem });
    if (o.companyCaFile !== undefined && o.companyCaFile !== null) this.settings.setCompanyCaFile(o.companyCaFile);
    this.media = new MediaRelay();
    const serverAddr = o.serverAddr || this.settings.data.serverAddr || DEFAULT_SERVER_ADDR;
    // Read at every connect: a company CA trusted on the Settings page applies to the next sign-in.
    this.core = o.createCore(this.media.factory, serverAddr, () => companyTls(this.settings.data));
    this.host = CoreHost.create(this.core);
    this.self = SelfState.create(this.host);
    this.bridge = BridgeService.create({
      ipc: o.ipc,
      host: this.host,
      self: this.self,
      media: this.media,
      page: o.page,
      isTrusted: o.isTrusted,
      pageOrigin: o.pageOrigin,
      // A server the user typed in is remembered; the one `npm start` passed for this run is not.
      onServerAddr: (addr) => {
        if (addr !== o.serverAddr) this.settings.setServerAddr(addr);
      },
    });
    const notifyPage = (name: string, args: unknown[]) => this.bridge.notifyPage(name, args);
    this.tray = TrayService.create({
      tray: o.tray,
      self: this.self,
      settings: this.settings,
      strings,
      showWindow: () => o.window.show(),
      quit: o.quit,
    });
    this.notifier = IncomingCallNotifier.create({
      host: this.host,
      window: o.window,
      notifications: o.notifications,
      incomingWindow: o.incomingWindow,
      ringtone: o.ringtone,
      notifyPage,
      strings,
    });
    this.dialer = Dialer.create({ host: this.host, showWindow: () => o.window.show(), notifyPage });
    this.vault = VaultService.create({ ipc: o.ipc, vault: o.vault ?? null, isTrusted: o.isTrusted });
    this.companyCa = CompanyCaService.create({ ipc: o.ipc, settings: this.settings, isTrusted: o.isTrusted });
    log(`ready (server ${serverAddr})`);
  }

  /** The system woke up: re-establish the signaling line now instead of after the SDK's backoff. */
  reconnectNow(): void {
    const core = this.core.$core as { reconnectNow?: () => void; simulateNetworkDrop(offlineMs?: number): void };
    if (!this.host.loggedIn) return;
    if (core.reconnectNow) core.reconnectNow();
    else core.simulateNetworkDrop(0); // drop a possibly dead socket and reconnect + resume at once
  }

  /** Acts on a command line (first launch or a second instance): deep links become calls. */
  handleArgs(argv: readonly string[]): void {
    for (const link of parseLaunchArgs(argv).links) this.dialer.dial(link);
  }

  /** Logs out cleanly (waiting briefly for the server) and releases every service; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.notifier.close();
    this.dialer.close();
    this.vault.close();
    this.companyCa.close();
    this.tray.close();
    this.bridge.close();
    this.self.close();
    await this.host.closeGracefully();
  }
}
