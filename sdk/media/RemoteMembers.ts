import { type MediaPeerInfo, type MediaStatus, SdkErr } from '../../protocol/index.js';

export interface RemoteMembersEvents {
  /** A member's mic (`audio`) or camera (`video`) status changed. */
  status(kind: 'audio' | 'video', UID: string, oldStatus: MediaStatus, newStatus: MediaStatus): void;
  log(msg: string, extra?: unknown): void;
}

interface Remote {
  peerId: string;
  audio: MediaStatus;
  video: MediaStatus;
  player: HTMLAudioElement | null;
}

type SinkAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

/**
 * The other members as this client sees them: their API statuses, and the hidden <audio> element per
 * member that plays their mic (on the selected speaker where the browser allows choosing one).
 */
export class RemoteMembers {
  readonly #members = new Map<string, Remote>();
  readonly #events: RemoteMembersEvents;
  #sinkId = '';
  #waitingForGesture = false;

  constructor(events: RemoteMembersEvents) {
    this.#events = events;
  }

  #get(UID: string, peerId: string): Remote {
    let r = this.#members.get(UID);
    if (!r) {
      r = { peerId, audio: 0, video: 0, player: null };
      this.#members.set(UID, r);
    }
    return r;
  }

  /** A member's statuses from the server; fires a change callback per status that moved. */
  update(info: MediaPeerInfo): void {
    const r = this.#get(info.UID, info.peerId);
    r.peerId = info.peerId;
    for (const kind of ['audio', 'video'] as const) {
      const old = r[kind];
      if (old === info[kind]) continue;
      r[kind] = info[kind];
      this.#events.status(kind, info.UID, old, info[kind]);
    }
  }

  /** The member's device left the room: stop its sound and forget it (another device of it may stay). */
  left(UID: string, peerId: string): void {
    const r = this.#members.get(UID);
    if (!r || r.peerId !== peerId) return;
    this.#stop(r);
    this.#members.delete(UID);
  }

  /** Plays a member's audio stream (replacing what played before). */
  play(UID: string, peerId: string, stream: MediaStream): void {
    const r = this.#get(UID, peerId);
    const doc = globalThis.document;
    if (!doc) return;
    if (!r.player) {
      const el = doc.createElement('audio');
      el.autoplay = true;
      el.hidden = true;
      el.dataset.crvideoUid = UID;
      doc.body?.appendChild(el);
      r.player = el;
      if (this.#sinkId) void this.#applySink(el, this.#sinkId);
    }
    r.player.srcObject = stream;
    r.player.play().catch((err: unknown) => {
      this.#events.log(`remote audio of ${UID} did not start`, err);
      if ((err as { name?: string })?.name === 'NotAllowedError') this.#playOnGesture();
    });
  }

  /** The browser blocked autoplay: start every member's audio on the user's next click or key press. */
  #playOnGesture(): void {
    const doc = globalThis.document;
    if (this.#waitingForGesture || !doc) return;
    this.#waitingForGesture = true;
    const resume = () => {
      this.#waitingForGesture = false;
      doc.removeEventListener('pointerdown', resume, true);
      doc.removeEventListener('keydown', resume, true);
      for (const el of this.players()) el.play().catch(() => {});
    };
    doc.addEventListener('pointerdown', resume, true);
    doc.addEventListener('keydown', resume, true);
  }

  /** Stops playing a member's audio if it is that stream's track that ended. */
  stopIfPlaying(UID: string, track: MediaStreamTrack): void {
    const r = this.#members.get(UID);
    const src = r?.player?.srcObject;
    if (r && src instanceof MediaStream && src.getTracks().includes(track)) this.#stop(r);
  }

  /** Routes every member's audio to speaker `deviceId` ('' = default); resolves to NOERR, or MEETPARAM_ERR (5) when a player refused it. */
  async setSink(deviceId: string): Promise<number> {
    this.#sinkId = deviceId;
    let code: number = SdkErr.NOERR;
    for (const r of this.#members.values()) {
      if (r.player && !(await this.#applySink(r.player, deviceId))) code = SdkErr.MEETPARAM_ERR;
    }
    return code;
  }

  async #applySink(el: SinkAudio, deviceId: string): Promise<boolean> {
    if (typeof el.setSinkId !== 'function') {
      this.#events.log('this browser cannot choose the speaker; using the default one');
      return true;
    }
    try {
      await el.setSinkId(deviceId);
      return true;
    } catch (err) {
      this.#events.log(`speaker ${deviceId} refused`, err);
      return false;
    }
  }

  #stop(r: Remote): void {
    if (!r.player) return;
    r.player.pause();
    r.player.srcObject = null;
    r.player.remove();
    r.player = null;
  }

  /** Leaving the room: silence everyone and forget their statuses (no callbacks). */
  clear(): void {
    for (const r of this.#members.values()) this.#stop(r);
    this.#members.clear();
  }

  /** Elements playing remote audio (tests, debugging). */
  players(): HTMLAudioElement[] {
    return [...this.#members.values()].flatMap((r) => (r.player ? [r.player] : []));
  }
}
