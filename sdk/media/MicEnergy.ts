/** CloudRoom's mic energy scale: 0 (silent) … 10 (loud). */
export const MAX_ENERGY = 10;

/** Level 0…10 of a voice at `dBov` (-127 silent … 0 loudest); -70 dBov and below count as silent. */
export function energyOf(dBov: number): number {
  if (!Number.isFinite(dBov)) return 0;
  return Math.max(0, Math.min(MAX_ENERGY, Math.round((dBov + 70) / 7)));
}

/**
 * Turns the server's audio levels (`media.audioLevels`, loud members only) into
 * `CRVideo_MicEnergyUpdate(UID, oldLevel, newLevel)` changes; members missing from a report fell silent.
 */
export class MicEnergy {
  readonly #levels = new Map<string, number>();

  /** The changes this report makes, as [UID, old, new]. */
  update(levels: readonly { UID: string; volume: number }[]): [string, number, number][] {
    const now = new Map<string, number>();
    for (const { UID, volume } of levels) now.set(UID, Math.max(now.get(UID) ?? 0, energyOf(volume)));
    const changes: [string, number, number][] = [];
    for (const [UID, old] of this.#levels) if (!now.has(UID) && old !== 0) changes.push([UID, old, 0]);
    for (const [UID, level] of now) {
      const old = this.#levels.get(UID) ?? 0;
      if (old !== level) changes.push([UID, old, level]);
    }
    this.#levels.clear();
    for (const [UID, level] of now) if (level > 0) this.#levels.set(UID, level);
    return changes;
  }

  /** Current level of `UID` (CRVideo_GetMicEnergy). */
  level(UID: string): number {
    return this.#levels.get(UID) ?? 0;
  }

  clear(): void {
    this.#levels.clear();
  }
}
