/**
 * One shared AudioContext for tones and level meters. Browsers keep a context suspended until the user
 * has interacted with the page, so start-up calls `unlockAudioOnGesture()` and the context resumes on
 * the first click or key press.
 */
let ctx: AudioContext | null = null;

export function audioContext(): AudioContext {
  if (!ctx) ctx = new AudioContext();
  if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
  return ctx;
}

export function unlockAudioOnGesture(): void {
  const unlock = () => {
    audioContext();
    if (ctx?.state === 'running') {
      window.removeEventListener('pointerdown', unlock, true);
      window.removeEventListener('keydown', unlock, true);
    }
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
}

/** Measures the loudness of a MediaStream's audio (0…1, RMS of the waveform). */
export class LevelMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #buf: Float32Array<ArrayBuffer>;

  constructor(stream: MediaStream) {
    const ac = audioContext();
    this.#source = ac.createMediaStreamSource(stream);
    this.#analyser = ac.createAnalyser();
    this.#analyser.fftSize = 512;
    this.#buf = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#buf);
    let sum = 0;
    for (const v of this.#buf) sum += v * v;
    return Math.min(1, Math.sqrt(sum / this.#buf.length) * 4);
  }

  close(): void {
    this.#source.disconnect();
    this.#analyser.disconnect();
  }
}
