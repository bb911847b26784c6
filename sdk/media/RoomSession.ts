import type { Device, types } from 'mediasoup-client';
import type { LocalKind } from './LocalMedia.js';

export interface RemoteConsumer {
  consumer: types.Consumer;
  UID: string;
  peerId: string;
}

/** One stay in one room: the device, the two transports, and what runs on them. */
export class RoomSession {
  readonly meetID: number;
  /** Set while prepared for this ringing call (`media.prepare`), until the room is entered. */
  readonly callID: string | null;
  /** False while only prepared: producers stay paused and nobody is received. */
  entered: boolean;
  /** The ringing call was answered: what it captures sends at once (the server forwards it to the other party). */
  answered = false;
  /** The set-up under way or done (an enter after a preparation waits for it). */
  setUp: Promise<boolean> = Promise.resolve(true);
  /** Producers paused because the call still rings (resumed on enter). */
  readonly heldForRing = new Set<types.Producer>();
  /** The capture each producer sends a copy of. */
  readonly sources = new WeakMap<types.Producer, MediaStreamTrack>();
  /** Streams received while the call rings, told to the app on enter. */
  heldStreams: (() => void)[] = [];
  device: Device | null = null;
  send: types.Transport | null = null;
  recv: types.Transport | null = null;
  readonly producers: Record<LocalKind, types.Producer | null> = { audio: null, video: null };
  readonly consumers = new Map<string, RemoteConsumer>();
  /** Consumers being created: started at once (mediasoup-client batches them), awaited by their close. */
  readonly consuming = new Map<string, Promise<void>>();
  /** Set once `media.ready` is answered: status updates start then. */
  ready = false;
  closed = false;
  /** Notifications are handled one after another (a consumer's close never overtakes its creation). */
  inbox: Promise<void> = Promise.resolve();
  readonly publishing: Record<LocalKind, Promise<void>> = { audio: Promise.resolve(), video: Promise.resolve() };
  readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(meetID: number, callID: string | null = null) {
    this.meetID = meetID;
    this.callID = callID;
    this.entered = callID === null;
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.consumers.values()) c.consumer.close();
    this.consumers.clear();
    this.send?.close();
    this.recv?.close();
  }
}
