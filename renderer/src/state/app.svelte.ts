import { i18n, type Lang, matchLang } from '../i18n/i18n.svelte.js';
import { clientState, installDispatcher } from '../lib/crvideo.js';
import { loadSdk, SDK_PATH } from '../lib/sdk.js';
import type { Calls } from './calls.svelte.js';
import type { Session } from './session.svelte.js';
import type { Settings } from './settings.svelte.js';

export type View = 'home' | 'history' | 'settings';

/** Start-up and navigation. */
export class AppState {
  /** What this store works with (passed in by state/stores.ts). */
  readonly #d: { session: Session; settings: Settings; calls: Calls };

  boot = $state<'loading' | 'ready' | 'failed'>('loading');
  view = $state<View>('home');
  readonly sdkUrl = SDK_PATH;

  constructor(deps: { session: Session; settings: Settings; calls: Calls }) {
    this.#d = deps;
    this.#d.session.onSignedIn(() => {
      this.view = 'home';
    });
  }

  /** Language: `?lang=` in the URL, else the saved choice, else the system's. */
  pickLanguage(): void {
    const fromUrl = matchLang(new URLSearchParams(location.search).get('lang'));
    const fromSystem = navigator.languages?.map((l) => matchLang(l)).find((l) => l) ?? matchLang(navigator.language);
    i18n.set(fromUrl ?? this.#d.settings.lang ?? fromSystem ?? 'en');
  }

  setLanguage(lang: Lang): void {
    i18n.set(lang);
    this.#d.settings.setLang(lang);
  }

  async start(): Promise<void> {
    try {
      const api = await loadSdk(window);
      installDispatcher(api);
      // The SDK's state model (calls, own DND): followed rather than re-derived.
      const state = clientState(window);
      if (state) {
        this.#d.calls.follow(state);
        this.#d.session.follow(state);
      } else console.warn('[ui] this SDK build has no state model (CRVideoSDK.state)');
      try {
        // Call waiting on: a second call rings while in one (the app shows it); CloudRoom's default is busy.
        Promise.resolve(api.CRVideo_Init({ callWaiting: true })).catch((err: unknown) =>
          console.warn('[ui] CRVideo_Init', err),
        );
      } catch (err) {
        console.warn('[ui] CRVideo_Init', err);
      }
      // Desktop: the remembered sign-in is in the OS keychain; read it before signing in automatically.
      await this.#d.settings.loadRemembered();
      this.boot = 'ready';
      this.#d.session.autoSignIn();
    } catch (err) {
      console.error('[ui] SDK not available', err);
      this.boot = 'failed';
    }
  }
}
