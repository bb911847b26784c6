import { audioContext } from './audio.js';

/** Which cadence to play: the callee's ringtone, the caller's ringback, or a short call-waiting beep. */
export type ToneKind = 'ringtone' | 'ringback' | 'waiting';

interface Cadence {
  /** Frequencies mixed during an "on" burst. */
  freqs: number[];
  /** Alternating on/off durations in seconds, repeated. */
  pattern: number[];
  gain: number;
}

const CADENCES: Record<ToneKind, Cadence> = {
  // A bright two-tone trill, 0.4 s on / 0.2 s off / 0.4 s on / 2 s off.
  ringtone: { freqs: [880, 1100], pattern: [0.4, 0.2, 0.4, 2], gain: 0.25 },
  // The Chinese/European ringback: 450 Hz, 1 s on, 4 s off.
  ringback: { freqs: [450], pattern: [1, 4], gain: 0.2 },
  // Two soft beeps every 4 s, quiet enough to talk over.
  waiting: { freqs: [440], pattern: [0.15, 0.15, 0.15, 3.5], gain: 0.12 },
};

/**
 * Plays call tones generated with Web Audio (no sound files). Only one tone plays at a time; `play()`
 * replaces the current one, `stop()` silences it at once.
 */
export class TonePlayer {
  #stop: (() => void) | null = null;
  #kind: ToneKind | null = null;
  volume = 0.8;

  get playing(): ToneKind | null {
    return this.#kind;
  }

  play(kind: ToneKind): void {
    if (this.#kind === kind) return;
    this.stop();
    let ac: AudioContext;
    try {
      ac = audioContext();
    } catch {
      return; // no audio output at all: the visual cues still work
    }
    const cadence = CADENCES[kind];
    const out = ac.createGain();
    out.gain.value = cadence.gain * this.volume;
    out.connect(ac.destination);
    const oscs = cadence.freqs.map((f) => {
      const osc = ac.createOscillator();
      osc.frequency.value = f;
      osc.connect(out);
      return osc;
    });
    const env = out.gain;
    const period = cadence.pattern.reduce((a, b) => a + b, 0);
    let scheduledUntil = ac.currentTime;
    const schedule = () => {
      // keep ~2 periods scheduled ahead
      while (scheduledUntil < ac.currentTime + period * 2) {
        let t = scheduledUntil;
        cadence.pattern.forEach((d, i) => {
          const level = i % 2 === 0 ? cadence.gain * this.volume : 0;
          env.setValueAtTime(level, t);
          t += d;
        });
        scheduledUntil = t;
      }
    };
    env.setValueAtTime(0, ac.currentTime);
    schedule();
    const timer = setInterval(schedule, period * 500);
    for (const o of oscs) o.start();
    this.#kind = kind;
    this.#stop = () => {
      clearInterval(timer);
      env.cancelScheduledValues(ac.currentTime);
      env.setValueAtTime(0, ac.currentTime);
      for (const o of oscs) {
        try {
          o.stop();
        } catch {}
        o.disconnect();
      }
      out.disconnect();
    };
  }

  /** A 1.5 s sample of the ringtone (settings' "Test ringtone"). */
  preview(): void {
    this.play('ringtone');
    setTimeout(() => {
      if (this.#kind === 'ringtone') this.stop();
    }, 1500);
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
    this.#kind = null;
  }
}

export const tones = new TonePlayer();
