import type { CRVideoClient } from '../CRVideoClient.js';

/** `CRVideo_CreateUIParams`: the <video>'s poster and style. */
export interface CreateUIParams {
  poster?: string;
  style?: Record<string, string>;
}

/**
 * The latest camera stream of every member (and the own preview), from CRVideo_NotifyVideoStream, for the
 * video objects: a video object shows its member's stream now and every later one.
 */
export class VideoStreams {
  readonly #streams = new Map<string, MediaStream>();
  readonly #watchers = new Set<VideoObj>();

  constructor(client: CRVideoClient) {
    client.$core.onEmit((name, args) => {
      if (name === 'CRVideo_NotifyVideoStream') {
        const [UID, stream] = args as [string, MediaStream];
        this.#streams.set(UID, stream);
        for (const w of this.#watchers) w.streamChanged(UID);
      } else if (name === 'CRVideo_UserLeftMeeting') {
        const [UID] = args as [string];
        this.#streams.delete(UID);
        for (const w of this.#watchers) w.streamChanged(UID);
      }
    });
  }

  get(UID: string): MediaStream | undefined {
    return this.#streams.get(UID);
  }

  watch(o: VideoObj): void {
    this.#watchers.add(o);
  }

  unwatch(o: VideoObj): void {
    this.#watchers.delete(o);
  }
}

/**
 * CloudRoom's `CRVideo_VideoObj`: `handler()` is a DOM element the app inserts; `setVideo(UID, camID?)`
 * shows that member's camera (-1 / omitted = their default camera, 0 = none), the own UID the preview.
 */
export class VideoObj {
  readonly #client: CRVideoClient;
  readonly #streams: VideoStreams;
  readonly #root: HTMLDivElement;
  readonly #video: HTMLVideoElement;
  readonly #name: HTMLSpanElement;
  #id = '';
  #UID = '';
  #camID = 0;
  #nameVisible = true;
  #nameContent: string | null = null;
  #dblFull = true;
  #hidden = false;

  constructor(client: CRVideoClient, streams: VideoStreams, params: CreateUIParams = {}) {
    this.#client = client;
    this.#streams = streams;
    const doc = globalThis.document;
    this.#root = doc.createElement('div');
    this.#root.className = 'crvideo-videoobj';
    Object.assign(this.#root.style, { position: 'relative', width: '100%', height: '100%', overflow: 'hidden' });
    this.#video = doc.createElement('video');
    this.#video.autoplay = true;
    this.#video.playsInline = true;
    // Sound comes with the SDK's own audio; the picture alone here.
    this.#video.muted = true;
    if (typeof params?.poster === 'string') this.#video.poster = params.poster;
    Object.assign(this.#video.style, { width: '100%', height: '100%', objectFit: 'contain', background: '#000' });
    if (params?.style && typeof params.style === 'object') Object.assign(this.#video.style, params.style);
    this.#name = doc.createElement('span');
    this.#name.className = 'crvideo-videoobj-name';
    Object.assign(this.#name.style, { position: 'absolute', left: '8px', bottom: '8px', color: '#fff' });
    this.#root.append(this.#video, this.#name);
    this.#root.addEventListener('dblclick', () => {
      if (!this.#dblFull) return;
      if (doc.fullscreenElement) void doc.exitFullscreen().catch(() => {});
      else void this.#root.requestFullscreen?.().catch(() => {});
    });
    streams.watch(this);
  }

  /** Called when a member's stream changed. */
  streamChanged(UID: string): void {
    if (UID === this.#UID) this.#show();
  }

  #show(): void {
    const stream = this.#UID && this.#camID !== 0 && !this.#hidden ? this.#streams.get(this.#UID) : undefined;
    if (this.#video.srcObject !== (stream ?? null)) {
      this.#video.srcObject = stream ?? null;
      if (stream) void this.#video.play().catch(() => {});
    }
    this.#name.textContent =
      this.#nameContent ?? (this.#UID ? this.#client.CRVideo_GetMemberNickName(this.#UID) || this.#UID : '');
    this.#name.style.display = this.#nameVisible && this.#name.textContent ? '' : 'none';
  }

  #px(prop: 'width' | 'height' | 'left' | 'top', v?: unknown): string | undefined {
    if (v === undefined)
      return String(
        Number.parseFloat(this.#root.style[prop]) ||
          (prop === 'width' ? this.#root.clientWidth : prop === 'height' ? this.#root.clientHeight : 0),
      );
    if (prop === 'left' || prop === 'top') this.#root.style.position = 'absolute';
    this.#root.style[prop] = typeof v === 'number' ? `${v}px` : String(v);
    return undefined;
  }

  id(ID?: string): string | undefined {
    if (ID === undefined) return this.#id;
    this.#id = String(ID);
    this.#root.id = this.#id;
    return undefined;
  }
  height(v?: unknown) {
    return this.#px('height', v);
  }
  width(v?: unknown) {
    return this.#px('width', v);
  }
  left(v?: unknown) {
    return this.#px('left', v);
  }
  top(v?: unknown) {
    return this.#px('top', v);
  }
  show(): void {
    this.#hidden = false;
    this.#root.style.display = '';
    this.#show();
  }
  hide(): void {
    this.#hidden = true;
    this.#root.style.display = 'none';
    this.#show();
  }
  handler(): HTMLDivElement {
    return this.#root;
  }
  setVideo(UID: unknown, camID: unknown = -1): void {
    this.#UID = UID === null || UID === undefined ? '' : String(UID);
    const cam = Number(camID);
    this.#camID = Number.isFinite(cam) ? cam : -1;
    this.#show();
  }
  getVideoID(): number {
    if (this.#camID !== -1) return this.#camID;
    return this.#UID ? this.#client.CRVideo_GetDefaultVideo(this.#UID) : 0;
  }
  clear(): void {
    this.#UID = '';
    this.#camID = 0;
    this.#show();
  }
  isPicEmpty(): 0 | 1 {
    return this.#video.srcObject && this.#video.videoWidth > 0 ? 1 : 0;
  }
  setNickNameStyle(style: unknown): void {
    if (style && typeof style === 'object') Object.assign(this.#name.style, style);
  }
  setNickNameContent(content: unknown): void {
    this.#nameContent = content === null || content === undefined ? null : String(content);
    this.#show();
  }
  setVisibleNickName(visible: unknown): void {
    this.#nameVisible = !!visible;
    this.#show();
  }
  getVisibleNickName(): boolean {
    return this.#nameVisible;
  }
  dblClickFullScreen(on?: unknown): boolean | undefined {
    if (on === undefined) return this.#dblFull;
    this.#dblFull = !!on;
    return undefined;
  }
  savePicToBase64(format: unknown = 'png'): string {
    if (this.isPicEmpty() === 0) return '';
    const canvas = globalThis.document.createElement('canvas');
    canvas.width = this.#video.videoWidth;
    canvas.height = this.#video.videoHeight;
    canvas.getContext('2d')?.drawImage(this.#video, 0, 0);
    const f = String(format || 'png').toLowerCase();
    return canvas.toDataURL(`image/${f === 'jpg' ? 'jpeg' : f}`);
  }
  savePic(fileName: unknown = 'picture.png'): void {
    const name = String(fileName || 'picture.png');
    const url = this.savePicToBase64(name.split('.').pop() ?? 'png');
    if (!url) return;
    const a = globalThis.document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
  }
  destroy(): void {
    this.#streams.unwatch(this);
    this.#video.srcObject = null;
    this.#root.remove();
  }
}
