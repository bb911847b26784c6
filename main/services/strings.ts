import { en as enMessages, type Messages } from '../../renderer/src/i18n/en.js';
import { zhCN } from '../../renderer/src/i18n/zh-CN.js';
import type { Presence } from '../../sdk/ClientState.js';

/** The few words main shows itself (tray, notification, incoming window), in English and Chinese. */
export interface MainStrings {
  appName: string;
  presence: Record<Presence, string>;
  signedOut: string;
  dnd: string;
  show: string;
  openAtLogin: string;
  quit: string;
  callingYou: (name: string) => string;
  incomingCall: string;
  answer: string;
  reject: string;
}

/** The product's name: the same in every language. */
const APP_NAME = 'CRVideo Phone';

/** Main's words from the app's one message catalog (renderer/src/i18n), so main and the page never disagree. */
function fromCatalog(m: Messages): MainStrings {
  return {
    appName: APP_NAME,
    presence: { online: m['status.1'], busy: m['status.2'], dnd: m['status.dnd'], offline: m['status.0'] },
    signedOut: m['desktop.signedOut'],
    dnd: m['me.dnd'],
    show: m['desktop.show'],
    openAtLogin: m['desktop.openAtLogin'],
    quit: m['desktop.quit'],
    callingYou: (name) => m['desktop.callingYou'].replace('{name}', name),
    incomingCall: m['desktop.incomingCall'],
    answer: m['desktop.answer'],
    reject: m['desktop.reject'],
  };
}

const en = fromCatalog(enMessages);
const zh = fromCatalog(zhCN);

/** 'zh-CN' for any Chinese system locale, else 'en'. */
export function pickLang(locale: string): 'en' | 'zh-CN' {
  return /^zh\b/i.test(locale) ? 'zh-CN' : 'en';
}

export function stringsFor(lang: string): MainStrings {
  return lang === 'zh-CN' ? zh : en;
}

/**
 * The note a caller attached: `usrExtDat` is the note itself, or JSON carrying a `note` (or `msg`)
 * string; anything else shows no note.
 */
export function noteOf(usrExtDat: unknown): string {
  if (typeof usrExtDat !== 'string' || usrExtDat === '') return '';
  const text = usrExtDat.trim();
  if (text.startsWith('{')) {
    try {
      const obj = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['note', 'msg', 'message']) if (typeof obj[key] === 'string') return obj[key];
      return '';
    } catch {
      // not JSON after all: show it as written
    }
  }
  return text.slice(0, 500);
}
