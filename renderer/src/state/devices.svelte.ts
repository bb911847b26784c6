import { SdkErr } from '../../../protocol/errors.js';
import type { CRVideoDevice } from '../../../sdk/api.js';
import { crv } from '../lib/crvideo.js';
import type { Session } from './session.svelte.js';
import type { Settings } from './settings.svelte.js';

export type DeviceKind = CRVideoDevice['kind'];

/** Mic, camera and speaker choice through the CRVideo_GetDevices / CRVideo_SetDevice extension. */
export class Devices {
  /** What this store works with (passed in by state/stores.ts). */
  readonly #d: { session: Session; settings: Settings };

  list = $state.raw<CRVideoDevice[]>([]);
  error = $state<number | null>(null);

  readonly byKind = $derived.by(() => {
    const out: Record<DeviceKind, CRVideoDevice[]> = { audioinput: [], videoinput: [], audiooutput: [] };
    for (const d of this.list) out[d.kind]?.push(d);
    return out;
  });

  constructor(deps: { session: Session; settings: Settings }) {
    this.#d = deps;
    this.#d.session.onSignedIn(() => void this.#applySaved());
    if (typeof navigator !== 'undefined' && navigator.mediaDevices) {
      navigator.mediaDevices.addEventListener('devicechange', () => void this.refresh());
    }
  }

  selected(kind: DeviceKind): string {
    return this.#d.settings.devices[kind] ?? '';
  }

  async refresh(): Promise<void> {
    try {
      this.list = await crv().CRVideo_GetDevices();
    } catch (err) {
      console.warn('[ui] listing devices failed', err);
    }
  }

  async choose(kind: DeviceKind, deviceId: string): Promise<void> {
    this.#d.settings.setDevice(kind, deviceId);
    if (!deviceId) return;
    const code = await crv().CRVideo_SetDevice(kind, deviceId);
    this.error = code === SdkErr.NOERR ? null : code;
    if (code !== SdkErr.NOERR) console.warn(`[ui] SetDevice ${kind} sdkErr=${code}`);
  }

  async #applySaved(): Promise<void> {
    await this.refresh();
    for (const [kind, id] of Object.entries(this.#d.settings.devices) as [DeviceKind, string][]) {
      if (id && this.list.some((d) => d.kind === kind && d.deviceId === id)) {
        await crv().CRVideo_SetDevice(kind, id);
      }
    }
  }
}
