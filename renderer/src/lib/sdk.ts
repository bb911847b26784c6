import type { CRVideoAPI } from '../../../sdk/api.js';
import { hasGlobals } from './crvideo.js';

/** Where the browser bundle of the SDK lives on our server. */
export const SDK_PATH = '/sdk/crvideo.js';

/**
 * Makes sure the CRVideo_* globals exist. In Electron the preload bridge installs them before the app
 * runs (we only wait); in a browser the page comes from our server, which also serves the SDK bundle.
 */
export async function loadSdk(target: Window, timeoutMs = 15000): Promise<CRVideoAPI> {
  if (!hasGlobals(target) && /^https?:$/.test(location.protocol)) {
    await injectScript(new URL(SDK_PATH, location.origin).href);
  }
  const started = Date.now();
  while (!hasGlobals(target)) {
    if (Date.now() - started > timeoutMs) throw new Error('CRVideo globals did not appear');
    await new Promise((r) => setTimeout(r, 50));
  }
  return target as unknown as CRVideoAPI;
}

function injectScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}
