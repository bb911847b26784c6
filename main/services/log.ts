/** One-line logs with a per-class prefix (`[TrayService] dnd on ok`); tests may silence them. */
export type Log = (line: string) => void;

let sink: Log = (line) => console.info(line);

/** Replaces where log lines go (tests collect them; the app keeps the console). */
export function setLogSink(next: Log): void {
  sink = next;
}

export function createLog(prefix: string): Log {
  return (line) => sink(`[${prefix}] ${line}`);
}
