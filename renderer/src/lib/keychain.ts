import { BRIDGE_GLOBAL, type VaultBridge } from '../../../sdk/bridge/BridgeApi.js';

/**
 * The desktop app's "remember me" store in the OS keychain (the preload's vault functions), or null in
 * the web app, which keeps its sign-in in localStorage as before.
 */
export function desktopVault(): VaultBridge | null {
  const bridge = (window as unknown as Record<string, Partial<VaultBridge> | undefined>)[BRIDGE_GLOBAL];
  if (
    !bridge ||
    typeof bridge.vaultLoad !== 'function' ||
    typeof bridge.vaultSave !== 'function' ||
    typeof bridge.vaultClear !== 'function'
  )
    return null;
  return bridge as VaultBridge;
}
