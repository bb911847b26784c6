/**
 * Microphone levels 0–10 of audio tracks (the own mic and each member's), sampled a few times a second
 * with Web Audio, for CRVideo_MicEnergyUpdate / CRVideo_GetMicEnergy. Silent where Web Audio is missing.
 */
export class EnergyMeter {
  #ctx: AudioContext | null = null;
  readonly #tracks = new Map<
    string,
    { track: MediaStreamTrack; node: AnalyserNode; src: MediaStreamAudioSourceNode }
  >();
  readonly #levels = new Map<string, number>();
  readonly #onLevel: (UID: string, oldLevel: number, newLevel: number) => void;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(onLevel: (UID: string, oldLevel: number, newLevel: number) => void) {
    this.#onLevel = onLevel;
  }

  /** Measures this UID's track (null stops measuring it, its level goes to 0). */
  set(UID: string, track: MediaStreamTrack | null): void {
    const cur = this.#tracks.get(UID);
    if (cur?.track === track) return;
    if (cur) {
      cur.src.disconnect();
      this.#tracks.delete(UID);
    }
    if (!track) {
      this.#report(UID, 0);
      if (this.#tracks.size === 0) this.#stop();
      return;
    }
    const AC = globalThis.AudioContext;
    if (!AC) return;
    try {
      this.#ctx ??= new AC();
      const src = this.#ctx.createMediaStreamSource(new MediaStream([track]));
      const node = this.#ctx.createAnalyser();
      node.fftSize = 512;
      src.connect(node);
      this.#tracks.set(UID, { track, node, src });
      this.#timer ??= setInterval(() => this.#sample(), 250);
    } catch {
      // No level for this track; everything else goes on.
    }
  }

  #sample(): void {
    if (this.#ctx?.state === 'suspended') void this.#ctx.resume().catch(() => {});
    const buf = new Float32Array(512);
    for (const [UID, { node, track }] of this.#tracks) {
      let level = 0;
      if (track.readyState === 'live' && track.enabled) {
        node.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        const rms = Math.sqrt(sum / buf.length);
        // -60 dBFS → 0, -10 dBFS → 10.
        const db = rms > 0 ? 20 * Math.log10(rms) : -100;
        level = Math.max(0, Math.min(10, Math.round((db + 60) / 5)));
      }
      this.#report(UID, level);
    }
  }

  #report(UID: string, level: number): void {
    const old = this.#levels.get(UID) ?? 0;
    if (old === level) return;
    this.#levels.set(UID, level);
    this.#onLevel(UID, old, level);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  clear(): void {
    for (const UID of [...this.#tracks.keys()]) this.set(UID, null);
    this.#stop();
  }

  close(): void {
    this.clear();
    void this.#ctx?.close().catch(() => {});
    this.#ctx = null;
  }
}
