/**
 * The notifications a session keeps for replay after a resume: at most `size` of them and at most
 * `maxBytes` of frame text (the newest one always stays), oldest dropped first.
 *
 * A ring of parallel arrays, not one object or string per notification: a presence fan-out sends the
 * same status to hundreds of sessions, and each keeping its own copy of the frame for seconds made
 * every one of them survive young-generation collections and die in the old one (the GC pauses seen in
 * the presence storm of `npm run bench:hostile`). A fanned-out notification is kept as its notification
 * name and the shared, already serialised data (`store`); its frame text is rebuilt only when replayed.
 */
export class Outbox {
  readonly #size: number;
  readonly #maxBytes: number;
  readonly #seq: number[] = [];
  /** Notification name; null when `#data` holds the whole frame text. */
  readonly #name: (string | null)[] = [];
  readonly #data: string[] = [];
  /** Length of each entry's frame text (the byte bound counts frames as sent). */
  readonly #len: number[] = [];
  #start = 0;
  #count = 0;
  #bytes = 0;

  constructor(size: number, maxBytes: number) {
    this.#size = size;
    this.#maxBytes = maxBytes;
  }

  /** The frame text of a notification, as `Session` sends it. */
  static frame(seq: number, name: string, dataJSON: string): string {
    return `{"t":"ntf","seq":${seq},"name":${JSON.stringify(name)},"data":${dataJSON}}`;
  }

  /** Frame text bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps notification `seq` as its name and serialised data (`textLength`: its frame's length). */
  store(seq: number, name: string, dataJSON: string, textLength: number): void {
    this.#push(seq, name, dataJSON, textLength);
  }

  /** Keeps a whole frame text. */
  storeText(seq: number, text: string): void {
    this.#push(seq, null, text, text.length);
  }

  #push(seq: number, name: string | null, data: string, len: number): void {
    if (this.#count === this.#size) this.#dropOldest();
    const i = (this.#start + this.#count) % this.#size;
    this.#seq[i] = seq;
    this.#name[i] = name;
    this.#data[i] = data;
    this.#len[i] = len;
    this.#count++;
    this.#bytes += len;
    while (this.#bytes > this.#maxBytes && this.#count > 1) this.#dropOldest();
  }

  #dropOldest(): void {
    const i = this.#start;
    this.#bytes -= this.#len[i] ?? 0;
    this.#data[i] = ''; // let the text go now, not when the slot is reused
    this.#name[i] = null;
    this.#start = (i + 1) % this.#size;
    this.#count--;
  }

  /** Sequence number of the oldest notification kept, undefined when empty. */
  get firstSeq(): number | undefined {
    return this.#count > 0 ? this.#seq[this.#start] : undefined;
  }

  /** The kept notifications newer than `lastSeq`, oldest first, as frames. */
  since(lastSeq: number): { seq: number; text: string }[] {
    const out: { seq: number; text: string }[] = [];
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#start + k) % this.#size;
      const seq = this.#seq[i] as number;
      if (seq <= lastSeq) continue;
      const name = this.#name[i] ?? null;
      const data = this.#data[i] as string;
      out.push({ seq, text: name === null ? data : Outbox.frame(seq, name, data) });
    }
    return out;
  }

  clear(): void {
    this.#seq.length = 0;
    this.#name.length = 0;
    this.#data.length = 0;
    this.#len.length = 0;
    this.#start = 0;
    this.#count = 0;
    this.#bytes = 0;
  }
}
