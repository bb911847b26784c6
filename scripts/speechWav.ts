// A speech-like test signal for Chromium's fake microphone (`--use-file-for-fake-audio-capture=PATH`),
// synthesised here so nothing is downloaded. Chromium's default fake mic is a pure beep, which Opus codes
// in its CELT mode, where in-band FEC does not exist; this signal is voiced, with a moving pitch and
// moving formants, syllables, fricative noise and pauses, so Opus codes it in its SILK (speech) modes,
// which carry in-band FEC (LBRR) when the receiver reports loss.
import { writeFileSync } from 'node:fs';

/** Vowel formants (Hz): roughly /a/, /i/, /u/, /e/, /o/ of an adult voice. */
const VOWELS: readonly (readonly [number, number, number])[] = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [570, 840, 2410],
];

/** A deterministic pseudo-random generator (mulberry32), so every run plays the same "speech". */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two-pole resonator (one formant), its coefficients recomputed as the formant moves. */
class Resonator {
  #y1 = 0;
  #y2 = 0;
  step(x: number, freq: number, bw: number, rate: number): number {
    const r = Math.exp((-Math.PI * bw) / rate);
    const c = 2 * r * Math.cos((2 * Math.PI * freq) / rate);
    const g = 1 - r;
    const y = g * x + c * this.#y1 - r * r * this.#y2;
    this.#y2 = this.#y1;
    this.#y1 = y;
    return y;
  }
}

/**
 * `seconds` of mono 16-bit PCM at `rate` Hz: phrases of 4–9 syllables (consonant noise, then a vowel
 * with a gliding pitch of 90–230 Hz and formants moving towards the next vowel) separated by pauses.
 */
export function speechLikePcm(seconds = 12, rate = 48_000): Int16Array {
  const rand = rng(15);
  const n = Math.floor(seconds * rate);
  const out = new Float32Array(n);
  const formants = [new Resonator(), new Resonator(), new Resonator()];
  const noiseBand = new Resonator();
  let i = 0;
  let phase = 0;
  while (i < n) {
    const syllables = 4 + Math.floor(rand() * 6);
    let pitch = 110 + rand() * 80;
    for (let s = 0; s < syllables && i < n; s++) {
      const from = VOWELS[Math.floor(rand() * VOWELS.length)] as readonly number[];
      const to = VOWELS[Math.floor(rand() * VOWELS.length)] as readonly number[];
      const consonant = Math.floor((0.03 + rand() * 0.06) * rate);
      const vowel = Math.floor((0.12 + rand() * 0.16) * rate);
      const fric = 2500 + rand() * 3500;
      for (let k = 0; k < consonant && i < n; k++, i++) {
        const env = Math.sin((Math.PI * k) / consonant);
        out[i] = 0.25 * env * noiseBand.step(rand() * 2 - 1, fric, 900, rate);
      }
      const glide = (rand() - 0.5) * 60;
      for (let k = 0; k < vowel && i < n; k++, i++) {
        const t = k / vowel;
        const f0 = Math.max(85, Math.min(240, pitch + glide * t + 6 * Math.sin(2 * Math.PI * 5 * (k / rate))));
        phase += f0 / rate;
        // A glottal-like pulse: a sharp pulse once per pitch period, plus a little breath noise.
        const frac = phase - Math.floor(phase);
        const pulse = frac < 0.08 ? Math.sin((Math.PI * frac) / 0.08) : 0;
        const src = pulse + 0.03 * (rand() * 2 - 1);
        let y = 0;
        for (let f = 0; f < 3; f++) {
          const freq = (from[f] as number) + ((to[f] as number) - (from[f] as number)) * t;
          y += (formants[f] as Resonator).step(src, freq, 80 + 40 * f, rate) / (f + 1);
        }
        const env = Math.min(1, t * 8) * Math.min(1, (1 - t) * 5);
        out[i] = 0.9 * env * y;
      }
      pitch = Math.max(90, Math.min(220, pitch + (rand() - 0.6) * 25));
    }
    // A pause between phrases (DTX sends next to nothing meanwhile).
    i += Math.floor((0.25 + rand() * 0.5) * rate);
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  const pcm = new Int16Array(n);
  const gain = peak > 0 ? (0.7 * 32767) / peak : 0;
  for (let k = 0; k < n; k++) pcm[k] = Math.round((out[k] as number) * gain);
  return pcm;
}

/** Writes `pcm` (mono, `rate` Hz) as a RIFF WAVE file. */
export function writeWav(path: string, pcm: Int16Array, rate = 48_000): void {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}
