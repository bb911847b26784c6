/**
 * Microphone levels 0–10 (the own mic and each member's), sampled a few times a second, for
 * CRVideo_MicEnergyUpdate / CRVideo_GetMicEnergy.
 *
 * The own mic is measured with Web Audio (an analyser on the capture). A member's voice is not: its
 * level is what the browser already knows of the packets it receives (RFC 6464 audio levels, forwarded by
 * the SFU, read from the receiver's synchronization sources), so receiving a member adds no audio graph.
 * An analyser per remote track in its own AudioContext made the answer of a call cost the caller's
 * browser ~50 ms before the first video frame (bench:media --trace) and grows with the room.
 */

/** What the browser's RTCRtpReceiver gives of the packets it got (the part this meter reads). */
export interface LevelReceiver {
  getSynchronizationSources(): { audioLevel?: number; timestamp: number }[];
}

/** A packet level older than this counts as silence (DTX sends nothing while a member is quiet). */
const STALE_MS = 1000;

/** dBFS of an RMS / linear level 0…1 → 0…10 (-60 dBFS → 0, -10 dBFS → 10). */
export function levelOf(linear: number): number {
  const db = linear > 0 ? 20 * Math.log10(linear) : -100;
  return Math.max(0, Math.min(10, Math.round((db + 60) / 5)));
}

/**
 * The newest packet level of a receiver as 0…10, or 0 when it is older than STALE_MS. `now` is the
 * caller's clock in the timestamps' base (browsers give either performance.now() or epoch time).
 */
export function receiverLevel(receiver: LevelReceiver, perfNow: number, epochNow: number): number {
  let best = 0;
  for (const s of receiver.getSynchronizationSources()) {
    if (typeof s.audioLevel !== 'number') continue;
    const age = (s.timestamp > 1e12 ? epochNow : perfNow) - s.timestamp;
    if (age > STALE_MS) continue;
    best = Math.max(best, levelOf(s.audioLevel));
  }
  return best;
}

type Source =
  | { kind: 'track'; track: MediaStreamTrack; node: AnalyserNode; src: MediaStreamAudioSourceNode }
  | { kind: 'receiver'; track: MediaStreamTrack; receiver: LevelReceiver };

export class EnergyMeter {
  readonly #context: () => AudioContext | null;
  readonly #sources = new Map<string, Source>();
  readonly #levels = new Map<string, number>();
  readonly #onLevel: (UID: string, oldLevel: number, newLevel: number) => void;
  #timer: ReturnType<typeof setInterval> | null = null;

  /** `context` gives the AudioContext the own mic's analyser runs in (shared with the remote mix). */
  constructor(onLevel: (UID: string, oldLevel: number, newLevel: number) => void, context: () => AudioContext | null) {
    this.#onLevel = onLevel;
    this.#context = context;
  }

  /** Measures this UID's captured track with an analyser (null stops measuring it, its level goes to 0). */
  set(UID: string, track: MediaStreamTrack | null): void {
    const cur = this.#sources.get(UID);
    if (cur?.kind === 'track' && cur.track === track) return;
    this.#drop(UID);
    if (!track) return this.#gone(UID);
    const ctx = this.#context();
    if (!ctx) return;
    try {
      const src = ctx.createMediaStreamSource(new MediaStream([track]));
      const node = ctx.createAnalyser();
      node.fftSize = 512;
      src.connect(node);
      this.#sources.set(UID, { kind: 'track', track, node, src });
      this.#start();
    } catch {
      // No level for this track; everything else goes on.
    }
  }

  /** Measures a member's received audio from its receiver's packet levels (null: stop, level 0). */
  setReceiver(UID: string, track: MediaStreamTrack | null, receiver: LevelReceiver | null | undefined): void {
    const cur = this.#sources.get(UID);
    if (cur?.kind === 'receiver' && cur.track === track) return;
    this.#drop(UID);
    if (!track || !receiver) return this.#gone(UID);
    this.#sources.set(UID, { kind: 'receiver', track, receiver });
    this.#start();
  }

  #drop(UID: string): void {
    const cur = this.#sources.get(UID);
    if (cur?.kind === 'track') cur.src.disconnect();
    this.#sources.delete(UID);
  }

  #gone(UID: string): void {
    this.#report(UID, 0);
    if (this.#sources.size === 0) this.#stop();
  }

  #start(): void {
    this.#timer ??= setInterval(() => this.#sample(), 250);
  }

  #sample(): void {
    // Members measured from their receivers need no audio context: only an analyser makes one run.
    if ([...this.#sources.values()].some((s) => s.kind === 'track')) {
      const ctx = this.#context();
      if (ctx?.state === 'suspended') void ctx.resume().catch(() => {});
    }
    const buf = new Float32Array(512);
    const perfNow = globalThis.performance?.now() ?? 0;
    const epochNow = Date.now();
    for (const [UID, s] of this.#sources) {
      let level = 0;
      if (s.track.readyState === 'live' && s.track.enabled) {
        if (s.kind === 'receiver') {
          try {
            level = receiverLevel(s.receiver, perfNow, epochNow);
          } catch {
            level = 0;
          }
        } else {
          s.node.getFloatTimeDomainData(buf);
          let sum = 0;
          for (const v of buf) sum += v * v;
          level = levelOf(Math.sqrt(sum / buf.length));
        }
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
    for (const UID of [...this.#sources.keys()]) {
      this.#drop(UID);
      this.#gone(UID);
    }
    this.#stop();
  }

  close(): void {
    this.clear();
  }
}
