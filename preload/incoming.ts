// Preload of the small incoming-call window (sandboxed, context-isolated). Its page has no script at all
// (CSP script-src 'none'): this preload fills in who is calling and sends Answer / Reject to main.
// Nothing is exposed to the page.
import { type IpcRendererEvent, ipcRenderer } from 'electron';
import { en, type Messages } from '../renderer/src/i18n/en.js';
import { zhCN } from '../renderer/src/i18n/zh-CN.js';
import { Channels } from '../sdk/bridge/channelNames.js';

/** The window's words, from the app's one message catalog (renderer/src/i18n). */
const LABELS: Record<string, { title: string; answer: string; reject: string; incoming: string }> = {
  en: labels(en),
  'zh-CN': labels(zhCN),
};

function labels(m: Messages): { title: string; answer: string; reject: string; incoming: string } {
  return {
    title: m['desktop.incomingCall'],
    answer: m['desktop.answer'],
    reject: m['desktop.reject'],
    incoming: m['desktop.isCalling'],
  };
}

let callID = '';
let info: { callerName: string; callerID: string; note: string; lang: string } | null = null;

function str(v: unknown, max: number): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

function render(): void {
  if (!info || document.readyState === 'loading') return;
  const l = LABELS[info.lang] ?? LABELS.en!;
  const set = (id: string, text: string) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  document.title = `${l.title}: ${info.callerName}`;
  document.documentElement.lang = info.lang;
  set('caller', info.callerName);
  set('uid', info.callerName === info.callerID ? '' : info.callerID);
  set('what', l.incoming);
  set('note', info.note);
  set('answer', l.answer);
  set('reject', l.reject);
}

/**
 * Keys answer only once the user has put the alert in front themselves (a click or tap in it): the window
 * may get the keyboard focus without being asked (Wayland ignores showInactive), and Enter or Escape typed
 * into another app must not answer or reject a call.
 */
let userFocused = false;

function act(action: 'answer' | 'reject'): void {
  if (!callID) return;
  ipcRenderer.send(Channels.incomingAction, { callID, action });
  callID = '';
}

ipcRenderer.on(Channels.incomingShow, (_event: IpcRendererEvent, payload: unknown) => {
  const p = (payload ?? {}) as Record<string, unknown>;
  callID = str(p.callID, 64);
  info = {
    callerName: str(p.callerName, 256),
    callerID: str(p.callerID, 128),
    note: str(p.note, 1024),
    lang: str(p.lang, 16),
  };
  render();
});

window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('answer')?.addEventListener('click', () => act('answer'));
  document.getElementById('reject')?.addEventListener('click', () => act('reject'));
  window.addEventListener('pointerdown', (e) => {
    if (e.isTrusted) userFocused = true;
  });
  window.addEventListener('blur', () => {
    userFocused = false;
  });
  window.addEventListener('keydown', (e) => {
    if (!userFocused || !e.isTrusted) return;
    if (e.key === 'Enter') act('answer');
    else if (e.key === 'Escape') act('reject');
  });
  render();
});
