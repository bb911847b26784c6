import type {
  MediaNotificationData,
  MediaNotificationName,
  MediaRequestType,
  MediaResponseData,
} from '../protocol/index.js';

/**
 * The seam between the signaling core (rooms, sessions) and the media plane (mediasoup). The core
 * calls these; the media plane never reaches into the core, it only emits through `notify` and the
 * room-dropped listener.
 */
export interface MediaPeer {
  /** Unique per logged-in device session. */
  readonly peerId: string;
  readonly UID: string;
  /** Sends a `media.*` notification of protocol/media.ts to this peer's client (name and data checked by the compiler). */
  notify<N extends MediaNotificationName>(name: N, data: MediaNotificationData<N>): void;
}

export interface RoomMediaPlane {
  /** A member entered room `meetID` (the router is created on the first one). */
  join(meetID: number, peer: MediaPeer): Promise<void>;
  /** A member left, was dropped or its session ended: close everything it owns; the router closes when the room empties. */
  leave(meetID: number, peerId: string): void;
  /**
   * A `media.*` request from a member of `meetID`; the payload is checked against protocol/media.ts (again)
   * before it is handled, and the answer is that request's response shape. Throws CRVideoError.
   */
  handle<T extends MediaRequestType>(
    meetID: number,
    peerId: string,
    type: T,
    payload: unknown,
  ): Promise<MediaResponseData<T>>;
  /** Listener for rooms lost with a dead worker: the core tells those peers MeetingDropped and removes them from the room. */
  onRoomDropped(listener: (meetID: number, peerIds: string[]) => void): void;
  close(): Promise<void>;
  /**
   * Ring-time preparation: media for `peer` in `meetID` before it enters; invisible to the others except
   * the prepared members of the same `group` (the ringing call), whose consumers stay paused until both enter.
   */
  prepare?(meetID: number, peer: MediaPeer, group?: string): Promise<void>;
  /** Tears a preparation down unless the peer entered meanwhile; true when there was one. */
  unprepare?(meetID: number, peerId: string): boolean;
  /**
   * The call of these prepared peers was answered: their held producers resume and the consumers between
   * them start (with a key frame) at once, before either has entered the room.
   */
  answered?(meetID: number, peerIds: readonly string[]): void;
  /** The room a peer is prepared in (its media requests go there until it enters a room). */
  preparedRoomOf?(peerId: string): number | undefined;
}
