import { BRIDGE_GLOBAL, type CompanyCaBridge } from '../../../sdk/bridge/BridgeApi.js';

/** The desktop app's company CA setting (the preload's companyCa functions), or null in the web app. */
export function desktopCompanyCa(): CompanyCaBridge | null {
  const bridge = (window as unknown as Record<string, Partial<CompanyCaBridge> | undefined>)[BRIDGE_GLOBAL];
  if (
    !bridge ||
    typeof bridge.companyCaGet !== 'function' ||
    typeof bridge.companyCaSet !== 'function' ||
    typeof bridge.companyCaClear !== 'function'
  )
    return null;
  return bridge as CompanyCaBridge;
}
