/** A ringtone the desktop's main process starts and stops through the bridge. */
export interface Ringtone {
  start(): void;
  stop(): void;
  readonly playing: boolean;
}

/**
 * Two-tone ring generated with Web Audio (no sound file): 0.4 s on, 0.2 s off, 0.4 s on, 2 s pause.
 * Main runs the page with autoplay allowed and background throttling off, so it rings while hidden.
 */
export function createWebAudioRingtone(volume = 0.25): Ringtone {
  let ctx: AudioContext | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;

  const burst = (at: number): void => {
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(volume, at + 0.02);
    gain.gain.setValueAtTime(volume, at + 0.38);
    gain.gain.linearRampToValueAtTime(0, at + 0.4);
    gain.connect(ctx.destination);
    for (const freq of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(at);
      osc.stop(at + 0.42);
    }
  };
  const cycle = (): void => {
    if (!ctx) return;
    const t = ctx.currentTime + 0.05;
    burst(t);
    burst(t + 0.6);
  };

  return {
    get playing() {
      return timer !== null;
    },
    start() {
      if (timer) return;
      ctx = new AudioContext();
      void ctx.resume().catch(() => {});
      cycle();
      timer = setInterval(cycle, 3000);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      void ctx?.close().catch(() => {});
      ctx = null;
    },
  };
}
