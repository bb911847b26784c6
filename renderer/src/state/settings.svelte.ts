import type { CRVideoDevice } from '../../../sdk/api.js';
import type { Lang } from '../i18n/i18n.svelte.js';
import { desktopVault } from '../lib/keychain.js';

const STORAGE_KEY = 'crvideo-phone.settings.v1';

/**
 * What the sign-in form remembers. Never a password or the app secret itself: for the password method
 * a refresh credential the server issued (only with "remember me"), for the secret method its MD5.
 */
export interface SavedLogin {
  serverAddr: string;
  appID: string;
  method: 'password' | 'secret' | 'token';
  secretMd5: string;
  token: string;
  UID: string;
  nickname: string;
  /**
   * The server's refresh credential (password method with "remember me"), else ''. The desktop app keeps
   * it in the OS keychain (main's CredentialVault), never in localStorage: there it lives only in memory.
   */
  refreshToken: string;
}

interface Persisted {
  login: SavedLogin;
  autoSignIn: boolean;
  ringVolume: number;
  lang: Lang | null;
  devices: Partial<Record<CRVideoDevice['kind'], string>>;
  /** Per UID: epoch ms of the newest call record seen in the History view (drives the missed badge). */
  historySeen: Record<string, number>;
}

const DEFAULTS: Persisted = {
  login: {
    serverAddr: '',
    appID: '',
    method: 'password',
    secretMd5: '',
    token: '',
    UID: '',
    nickname: '',
    refreshToken: '',
  },
  autoSignIn: false,
  ringVolume: 0.8,
  lang: null,
  devices: {},
  historySeen: {},
};

function load(): Persisted {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return structuredClone(DEFAULTS);
    const parsed = JSON.parse(raw) as Partial<Persisted>;
    return {
      ...structuredClone(DEFAULTS),
      ...parsed,
      login: { ...DEFAULTS.login, ...parsed.login },
    };
  } catch {
    return structuredClone(DEFAULTS);
  }
}

/** Preferences kept in localStorage across starts (in the desktop app the refresh credential in the keychain). */
export class Settings {
  #data = $state<Persisted>(load());
  readonly #vault = desktopVault();

  /**
   * Desktop: reads the remembered sign-in from the OS keychain into memory (before an automatic sign-in).
   * A credential an older version left in localStorage moves into the keychain.
   */
  async loadRemembered(): Promise<void> {
    const vault = this.#vault;
    if (!vault) return;
    const login = this.#data.login;
    if (login.refreshToken) {
      console.info('[ui] moving the remembered sign-in into the keychain');
      this.setRefreshToken(login.refreshToken);
      return;
    }
    try {
      const entry = await vault.vaultLoad();
      const now = this.#data.login;
      if (entry && entry.UID === now.UID && entry.serverAddr === now.serverAddr && !now.refreshToken)
        this.#data.login = { ...now, refreshToken: entry.refreshToken };
    } catch (err) {
      console.warn('[ui] keychain not readable', err);
    }
  }

  get login(): SavedLogin {
    return this.#data.login;
  }
  get autoSignIn(): boolean {
    return this.#data.autoSignIn;
  }
  get ringVolume(): number {
    return this.#data.ringVolume;
  }
  get lang(): Lang | null {
    return this.#data.lang;
  }
  get devices(): Partial<Record<CRVideoDevice['kind'], string>> {
    return this.#data.devices;
  }

  saveLogin(login: SavedLogin, autoSignIn: boolean): void {
    this.#data.login = { ...login };
    this.#data.autoSignIn = autoSignIn;
    if (!login.refreshToken) this.#keychain('');
    this.#persist();
  }

  setAutoSignIn(on: boolean): void {
    this.#data.autoSignIn = on;
    this.#persist();
  }

  /** Keeps (or with '' forgets) the refresh credential of "remember me". */
  setRefreshToken(refreshToken: string): void {
    this.#data.login = { ...this.#data.login, refreshToken };
    this.#keychain(refreshToken);
    this.#persist();
  }

  /** Desktop: keeps (or with '' forgets) the refresh credential in the OS keychain. */
  #keychain(refreshToken: string): void {
    const vault = this.#vault;
    if (!vault) return;
    const { serverAddr, appID, UID } = this.#data.login;
    const done = refreshToken ? vault.vaultSave({ serverAddr, appID, UID, refreshToken }) : vault.vaultClear();
    done
      .then((ok) => {
        if (!ok && refreshToken) console.warn('[ui] the keychain did not keep the sign-in (no OS encryption?)');
      })
      .catch((err: unknown) => console.warn('[ui] keychain', err));
  }

  setRingVolume(v: number): void {
    this.#data.ringVolume = Math.max(0, Math.min(1, v));
    this.#persist();
  }

  setLang(lang: Lang): void {
    this.#data.lang = lang;
    this.#persist();
  }

  setDevice(kind: CRVideoDevice['kind'], deviceId: string): void {
    this.#data.devices = { ...this.#data.devices, [kind]: deviceId };
    this.#persist();
  }

  historySeen(UID: string): number {
    return this.#data.historySeen[UID] ?? 0;
  }

  setHistorySeen(UID: string, at: number): void {
    this.#data.historySeen = { ...this.#data.historySeen, [UID]: at };
    this.#persist();
  }

  #persist(): void {
    try {
      const data = $state.snapshot(this.#data);
      // The desktop app never writes the refresh credential to localStorage (it is in the keychain).
      if (this.#vault) data.login.refreshToken = '';
      localStorage.setItem(STORAGE_KEY, JSON.stringify(data));
    } catch (err) {
      console.warn('[ui] settings not saved', err);
    }
  }
}
