import {
  issueText,
  type MediaNotificationHandlers,
  type MediaNotificationName,
  mediaNotificationSchemas,
} from '../../protocol/index.js';
import type { MediaReceiver } from './MediaReceiver.js';
import type { RoomSession } from './RoomSession.js';

type Log = (msg: string, extra?: unknown) => void;

function isMediaNotification(name: string): name is MediaNotificationName {
  return Object.hasOwn(mediaNotificationSchemas, name);
}

/**
 * Checks one media notification against its schema in protocol/ and hands its data to its own handler
 * (an unknown name or a malformed payload is logged and dropped). It may come from the line in this
 * process or over IPC from main: both arrive here unchecked as far as this engine knows.
 */
export function dispatchMediaNotification<Ctx>(
  handlers: MediaNotificationHandlers<Ctx>,
  name: string,
  raw: unknown,
  ctx: Ctx,
  log: Log,
): void {
  if (!isMediaNotification(name)) return log(`unknown media notification ${name}`);
  deliver(handlers, name, raw, ctx, log);
}

function deliver<N extends MediaNotificationName, Ctx>(
  handlers: MediaNotificationHandlers<Ctx>,
  name: N,
  raw: unknown,
  ctx: Ctx,
  log: Log,
): void {
  const parsed = mediaNotificationSchemas[name].safeParse(raw);
  if (!parsed.success) return log(`malformed ${name} dropped: ${issueText(parsed.error)}`);
  handlers[name](parsed.data, ctx);
}

export interface MediaNotificationTargets {
  receiver: MediaReceiver;
  /** The ring-time preparation of room `meetID` was torn down by the server. */
  prepareEnded(room: RoomSession, meetID: number): void;
  log: Log;
}

/**
 * What the engine does with each media notification, by name. New consumers start at once
 * (mediasoup-client batches them); everything else is handled one after another in the room's inbox,
 * so a consumer's close never overtakes its creation.
 */
export function mediaNotificationHandlers(t: MediaNotificationTargets): MediaNotificationHandlers<RoomSession> {
  const { receiver } = t;
  const inOrder = (room: RoomSession, name: MediaNotificationName, fn: () => void | Promise<void>): void => {
    room.inbox = room.inbox
      .then(() => (room.closed ? undefined : fn()))
      .catch((err: unknown) => {
        if (!room.closed) t.log(`handling ${name} failed`, err);
      });
  };
  return {
    'media.newConsumer': (d, room) => receiver.newConsumer(room, d),
    'media.consumerClosed': (d, room) =>
      inOrder(room, 'media.consumerClosed', () => receiver.consumerClosed(room, d.id)),
    'media.status': (d, room) => inOrder(room, 'media.status', () => receiver.remote.update(d)),
    'media.peerLeft': (d, room) => inOrder(room, 'media.peerLeft', () => receiver.peerLeft(room, d)),
    'media.activeSpeaker': (d, room) => inOrder(room, 'media.activeSpeaker', () => receiver.speakerChanged(d.UID)),
    'media.prepareEnded': (d, room) => inOrder(room, 'media.prepareEnded', () => t.prepareEnded(room, d.meetID)),
    'media.consumerLayers': (d, room) => inOrder(room, 'media.consumerLayers', () => receiver.layersChanged(room, d)),
    'media.audioLevels': (d, room) => inOrder(room, 'media.audioLevels', () => receiver.audioLevels(d.levels)),
    // The member's status (media.status) tells the app; the track simply stops and goes on.
    'media.consumerPaused': (_d, room) => inOrder(room, 'media.consumerPaused', () => {}),
    'media.consumerResumed': (_d, room) => inOrder(room, 'media.consumerResumed', () => {}),
  };
}
