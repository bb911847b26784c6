/** One member as CloudRoom's `CRVideo_MemberInfo` has it (`userID` as CloudRoom's SDK names it, `UID` as its reference). */
export interface MemberInfo {
  userID: string;
  UID: string;
  nickname: string;
  audioStatus: number;
  videoStatus: number;
}

/**
 * The SDK's own copy of the room it is in: who is there, their names and mic / camera statuses, kept up
 * to date by the server's notifications, so CloudRoom's synchronous getters can answer at once.
 */
export class Roster {
  readonly #members = new Map<string, MemberInfo>();
  /** Statuses and energy of members, also known outside rooms for the own UID. */
  readonly #energy = new Map<string, number>();

  /** Entered a room: the members (with the own entry) replace whatever was there. */
  reset(members: readonly { UID: string; nickname?: string }[]): void {
    const old = new Map(this.#members);
    this.#members.clear();
    for (const m of members) {
      if (this.#members.has(m.UID) && m.nickname === undefined) continue;
      this.add(m.UID, m.nickname ?? old.get(m.UID)?.nickname ?? m.UID, old.get(m.UID));
    }
  }

  add(UID: string, nickname?: string, prev?: MemberInfo): void {
    const cur = this.#members.get(UID) ?? prev;
    this.#members.set(UID, {
      userID: UID,
      UID,
      nickname: nickname ?? cur?.nickname ?? UID,
      audioStatus: cur?.audioStatus ?? 0,
      videoStatus: cur?.videoStatus ?? 0,
    });
  }

  remove(UID: string): void {
    this.#members.delete(UID);
    this.#energy.delete(UID);
  }

  clear(): void {
    this.#members.clear();
    this.#energy.clear();
  }

  setStatus(UID: string, kind: 'audio' | 'video', status: number): void {
    const m = this.#members.get(UID);
    if (!m) return;
    if (kind === 'audio') m.audioStatus = status;
    else m.videoStatus = status;
  }

  /** Returns the old name, or null when the member is not here. */
  rename(UID: string, nickname: string): string | null {
    const m = this.#members.get(UID);
    if (!m) return null;
    const old = m.nickname;
    m.nickname = nickname;
    return old;
  }

  /** Sets a member's mic level (0–10); returns the previous one. */
  setEnergy(UID: string, level: number): number {
    const old = this.#energy.get(UID) ?? 0;
    this.#energy.set(UID, level);
    return old;
  }

  energy(UID: string): number {
    return this.#energy.get(UID) ?? 0;
  }

  get(UID: string): MemberInfo | undefined {
    const m = this.#members.get(UID);
    return m ? { ...m } : undefined;
  }

  has(UID: string): boolean {
    return this.#members.has(UID);
  }

  list(): MemberInfo[] {
    return [...this.#members.values()].map((m) => ({ ...m }));
  }
}
