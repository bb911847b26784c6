import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { createLog } from './log.js';
import type { LoginItemPort } from './ports.js';

const log = createLog('Settings');

export const SettingsData = z.object({
  /** Start with the system, hidden in the tray. */
  openAtLogin: z.boolean().default(false),
  /** The server the core talks to; null: the one given at start (local server) or the default. */
  serverAddr: z.string().max(512).nullable().default(null),
  /**
   * Path of a PEM file with the company CA to trust (a server with a self-signed company certificate);
   * null: only public CAs. Read when the app starts (CompanyCa.ts).
   */
  companyCaFile: z.string().max(4096).nullable().default(null),
  /** A company CA pasted or picked on the Settings page (checked PEM certificates; wins over the file). */
  companyCaPem: z
    .string()
    .max(64 * 1024)
    .nullable()
    .default(null),
});
export type SettingsData = z.infer<typeof SettingsData>;

const DEFAULTS: SettingsData = { openAtLogin: false, serverAddr: null, companyCaFile: null, companyCaPem: null };

/** The desktop app's own settings, one JSON file in userData; a broken file falls back to defaults. */
export class Settings {
  readonly #file: string;
  readonly #loginItem: LoginItemPort;
  #data: SettingsData;

  static create(options: { file: string; loginItem: LoginItemPort }): Settings {
    return new Settings(options.file, options.loginItem);
  }

  private constructor(file: string, loginItem: LoginItemPort) {
    this.#file = file;
    this.#loginItem = loginItem;
    this.#data = Settings.#read(file);
  }

  get data(): Readonly<SettingsData> {
    return this.#data;
  }

  setOpenAtLogin(on: boolean): void {
    this.#loginItem.set(on);
    this.#update({ openAtLogin: on });
    log(`open at login ${on ? 'on' : 'off'}`);
  }

  setServerAddr(addr: string | null): void {
    if (addr === this.#data.serverAddr) return;
    this.#update({ serverAddr: addr });
    log(`server address ${addr ?? '(default)'}`);
  }

  /** Trusts the company CA in this PEM file (null: public CAs only); replaces one set on the Settings page. */
  setCompanyCaFile(file: string | null): void {
    const value = file?.trim() || null;
    if (value === this.#data.companyCaFile && this.#data.companyCaPem === null) return;
    this.#update({ companyCaFile: value, companyCaPem: null });
    log(`company CA ${value ?? '(none)'}`);
  }

  /** Trusts this (already checked) PEM as the company CA, from the next connection on; null forgets it. */
  setCompanyCaPem(pem: string | null): void {
    this.#update({ companyCaPem: pem, companyCaFile: null });
    log(pem ? 'company CA set from the Settings page' : 'company CA removed');
  }

  #update(patch: Partial<SettingsData>): void {
    this.#data = { ...this.#data, ...patch };
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      const tmp = `${this.#file}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(this.#data, null, 2)}\n`);
      renameSync(tmp, this.#file);
    } catch (err) {
      log(`cannot write ${this.#file}: ${String(err)}`);
    }
  }

  static #read(file: string): SettingsData {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { ...DEFAULTS };
    }
    try {
      const parsed = SettingsData.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      log(`${file} has bad fields, using defaults: ${parsed.error.issues[0]?.message}`);
    } catch {
      log(`${file} is not JSON, using defaults`);
    }
    return { ...DEFAULTS };
  }
}
