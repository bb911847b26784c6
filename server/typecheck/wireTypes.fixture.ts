// Compile-time proof that a message outside protocol/ cannot be sent, handled or answered. Never run.
// `npm run check` type-checks this file: every line after a `@ts-expect-error` must fail to compile,
// or the check fails ("unused directive"). server/typecheck/wireTypes.test.ts compiles it again without
// the directives and asserts the exact error of each tagged line, and that the untagged lines compile.
import type {
  MediaNotificationHandlers,
  NotificationData,
  NotificationHandlers,
  NotificationName,
} from '../../protocol/index.js';
import type { Line } from '../../sdk/Line.js';
import type { MediaPeer } from '../MediaHooks.js';
import type { Session } from '../Session.js';
import type { RequestHandlers } from '../SignalingServer.js';

/** Server → client notifications: names and data come from protocol/. */
export function notifications(s: Session, peer: MediaPeer): void {
  s.notify('callHungup', { callID: 'c1', usrExtDat: '' });
  s.notify('callHungup', { callID: 'c1', usrExtDat: '', sdkErr: 207 });
  // @ts-expect-error [misspelled-name] no notification of that name
  s.notify('callHungUp', { callID: 'c1', usrExtDat: '' });
  // @ts-expect-error [wrong-type] callID is a string
  s.notify('callHungup', { callID: 1, usrExtDat: '' });
  // @ts-expect-error [missing-field] lineOff carries its sdkErr
  s.notify('lineOff', {});
  // @ts-expect-error [extra-field] not a field of dndChanged
  s.notify('dndChanged', { DNDStatus: 1, dnd: true });
  peer.notify('media.consumerClosed', { id: 'consumer-1' });
  // @ts-expect-error [media-name] no media notification of that name
  peer.notify('media.consumerClose', { id: 'consumer-1' });
  // @ts-expect-error [media-seam] the media plane sends media.* notifications only
  peer.notify('meetingStopped', { meetID: 12345678 });
}

// @ts-expect-error [missing-handler] every request type of protocol/ needs its handler
export const incomplete: RequestHandlers = { ping: () => ({ now: 0 }) };

export const answers: Pick<RequestHandlers, 'ping' | 'getLiveCalls'> = {
  // @ts-expect-error [wrong-answer] a handler answers its request's response shape
  ping: () => ({ now: 'now' }),
  getLiveCalls: () => ({ calls: [] }),
};

/** Client side: a notification reaches its own handler with its own data type, without a cast. */
export function receive<N extends NotificationName>(
  handlers: NotificationHandlers,
  name: N,
  data: NotificationData<N>,
): void {
  handlers[name](data);
  // @ts-expect-error [handler-data] a notification's handler is given that notification's data
  handlers[name]({ meetID: 12345678 });
}

/** Client side: a response has its request's response type (and was checked against its schema). */
export async function responses(line: Line): Promise<number> {
  const pong = await line.request('ping', {});
  // @ts-expect-error [response-field] ping answers a number
  const when: string = pong.now;
  return pong.now + when.length;
}

/** Client side, media: the SDK's media notification table (sdk/media/MediaNotifications.ts) is of this type. */
// @ts-expect-error [media-handler-missing] every media notification of protocol/ needs its handler
export const mediaIncomplete: MediaNotificationHandlers = { 'media.status': () => {} };

export const mediaHandlers: Pick<
  MediaNotificationHandlers,
  'media.status' | 'media.peerLeft' | 'media.consumerClosed'
> = {
  'media.status': (d) => void d.audio,
  // @ts-expect-error [media-handler-misspelt] no media notification of that name
  'media.peerleft': () => {},
  // @ts-expect-error [media-handler-data] a media notification's handler is given that notification's data
  'media.consumerClosed': (d) => void d.UID,
};
