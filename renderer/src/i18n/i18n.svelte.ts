import { en, type MessageKey, type Messages } from './en.js';
import { zhCN } from './zh-CN.js';

export type Lang = 'en' | 'zh-CN';
export const LANGS: readonly Lang[] = ['en', 'zh-CN'];
const CATALOGS: Record<Lang, Messages> = { en, 'zh-CN': zhCN };

/** Maps any language tag to one we have: Chinese variants to zh-CN, everything else to English. */
export function matchLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const t = tag.toLowerCase();
  if (t.startsWith('zh')) return 'zh-CN';
  if (t.startsWith('en')) return 'en';
  return null;
}

/**
 * The UI language, switchable at run time. `t()` reads `lang`, so any template or $derived that calls it
 * re-renders when the language changes.
 */
export class I18n {
  lang = $state<Lang>('en');

  t = (key: MessageKey, params?: Record<string, string | number>): string => {
    const text = CATALOGS[this.lang][key] ?? en[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };

  has(key: string): key is MessageKey {
    return key in en;
  }

  /** A CRVideo sdkErr in words ("network error"), falling back to "error N". */
  err = (code: number): string => {
    const key = `err.${code}`;
    return this.has(key) ? this.t(key) : this.t('err.code', { code });
  };

  set(lang: Lang): void {
    this.lang = lang;
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }

  /** Date and time in the current language. */
  dateTime(ms: number): string {
    return new Intl.DateTimeFormat(this.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  }
}

export const i18n = new I18n();
export type { MessageKey };
