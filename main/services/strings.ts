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

const en: MainStrings = {
  appName: 'CRVideo Phone',
  presence: { online: 'Online', busy: 'Busy', dnd: 'Do not disturb', offline: 'Offline' },
  signedOut: 'Not signed in',
  dnd: 'Do not disturb',
  show: 'Show CRVideo Phone',
  openAtLogin: 'Open at login',
  quit: 'Quit',
  callingYou: (name) => `${name} is calling you`,
  incomingCall: 'Incoming call',
  answer: 'Answer',
  reject: 'Reject',
};

const zh: MainStrings = {
  appName: 'CRVideo Phone',
  presence: { online: '在线', busy: '忙碌', dnd: '免打扰', offline: '离线' },
  signedOut: '未登录',
  dnd: '免打扰',
  show: '显示 CRVideo Phone',
  openAtLogin: '开机启动',
  quit: '退出',
  callingYou: (name) => `${name} 邀请你通话`,
  incomingCall: '来电',
  answer: '接听',
  reject: '拒绝',
};

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
