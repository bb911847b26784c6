/**
 * The one IPC channel registry of the desktop app. Main, the preloads and the renderer side of the
 * bridge all import the names from here (payload schemas: channels.ts); nothing else crosses the process line.
 * Direction: R→M renderer to main (invoke = request/response), M→R main to renderer (send = event).
 */
export const Channels = {
  /** R→M invoke: call a `CRVideo_*` function of the core in main. Payload InvokeRequest → InvokeReply. */
  invoke: 'crvideo:invoke',
  /** M→R send: a `CRVideo_*` callback fired by the core. Payload CallbackEvent. */
  callback: 'crvideo:callback',
  /** R→M invoke: the page (re)started; main drops a session left by a previous page. Payload none → HelloReply. */
  hello: 'crvideo:hello',
  /** R→M invoke: a `media.*` signaling request of the renderer's media engine. MediaRequest → MediaReply. */
  mediaRequest: 'media:request',
  /** M→R send: drive the renderer's media engine (enter, exit, notifications…). Payload MediaCommand. */
  mediaCommand: 'media:command',
  /** M→R send: start or stop the incoming-call ringtone. Payload RingtoneCommand. */
  ringtone: 'ringtone:set',
  /** M→incoming window send: who is calling. Payload IncomingInfo. */
  incomingShow: 'incoming:show',
  /** incoming window→M send: the user pressed Answer or Reject. Payload IncomingAction. */
  incomingAction: 'incoming:action',
  /** R→M invoke: the "remember me" sign-in kept in the OS keychain (safeStorage). Payload none → VaultEntry | null. */
  vaultLoad: 'vault:load',
  /** R→M invoke: keep a "remember me" sign-in (a refresh credential, never a password). VaultEntry → boolean. */
  vaultSave: 'vault:save',
  /** R→M invoke: forget the remembered sign-in. Payload none → true. */
  vaultClear: 'vault:clear',
  /** R→M invoke: the company CA the app trusts besides the public ones. Payload none → CompanyCaInfo | null. */
  companyCaGet: 'companyCa:get',
  /** R→M invoke: trust this PEM (pasted or picked; main checks it: certificates only, ≤ 64 KiB). string → CompanyCaSetReply. */
  companyCaSet: 'companyCa:set',
  /** R→M invoke: trust public CAs only again. Payload none → true. */
  companyCaClear: 'companyCa:clear',
} as const;

export type ChannelName = (typeof Channels)[keyof typeof Channels];
