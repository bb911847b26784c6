/** What the server is told about one video consumer's tile (`media.setTileSize`). */
export interface TileView {
  width: number;
  height: number;
  hidden?: boolean;
}

type Send = (consumerId: string, view: TileView) => void;

/**
 * How the app shows each member's video: the size of its tile (extension
 * `CRVideo_SetVideoTileSize(UID, width, height)`, 0 × 0 = not shown) and whether the page itself is
 * hidden (minimised window, background tab). Tells the server per video consumer, which picks the
 * simulcast layer from it and pauses what nobody looks at.
 */
export class TileViews {
  readonly #send: Send;
  /** Tile size per member UID, as the app last told it. */
  readonly #sizes = new Map<string, { width: number; height: number }>();
  /** Video consumers by id → the UID they show. */
  readonly #consumers = new Map<string, string>();
  #pageHidden = false;
  readonly #unlisten: () => void;

  constructor(send: Send) {
    this.#send = send;
    const doc = (globalThis as { document?: Document }).document;
    if (doc && typeof doc.addEventListener === 'function') {
      const onVisibility = () => this.setPageHidden(doc.visibilityState === 'hidden');
      doc.addEventListener('visibilitychange', onVisibility);
      this.#pageHidden = doc.visibilityState === 'hidden';
      this.#unlisten = () => doc.removeEventListener('visibilitychange', onVisibility);
    } else {
      this.#unlisten = () => {};
    }
  }

  #view(UID: string): TileView {
    const size = this.#sizes.get(UID);
    const hidden = this.#pageHidden || (size !== undefined && (size.width === 0 || size.height === 0));
    return { width: size?.width ?? 0, height: size?.height ?? 0, ...(hidden ? { hidden: true } : {}) };
  }

  /** The app shows `UID`'s video at `width` × `height` CSS pixels (0 × 0: not at all). */
  setSize(UID: string, width: number, height: number): void {
    const w = Math.max(0, Math.min(16384, Math.round(width) || 0));
    const h = Math.max(0, Math.min(16384, Math.round(height) || 0));
    this.#sizes.set(UID, { width: w, height: h });
    for (const [id, uid] of this.#consumers) if (uid === UID) this.#send(id, this.#view(UID));
  }

  setPageHidden(hidden: boolean): void {
    if (hidden === this.#pageHidden) return;
    this.#pageHidden = hidden;
    for (const [id, uid] of this.#consumers) this.#send(id, this.#view(uid));
  }

  /** A new video consumer of `UID`: tells its view when there is something to tell. */
  added(consumerId: string, UID: string): void {
    this.#consumers.set(consumerId, UID);
    if (this.#sizes.has(UID) || this.#pageHidden) this.#send(consumerId, this.#view(UID));
  }

  removed(consumerId: string): void {
    this.#consumers.delete(consumerId);
  }

  /** Leaving the room: consumers are gone (the sizes the app told stay for the next room). */
  clear(): void {
    this.#consumers.clear();
  }

  close(): void {
    this.clear();
    this.#unlisten();
  }
}
