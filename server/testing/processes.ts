// Small pieces the cluster harness shares: free loopback ports, waiting for a child to exit or a check
// to pass, and a last-resort clean-up when the test process exits with children still running.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; a tiny race with other processes remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP (a mediasoup WebRtcServer listens on both). */
export async function freeTcpUdpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (await udpFree(p)) return p;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1');
}

/** Resolves once `child` has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal` and waits for the exit; a process still there after `graceMs` gets SIGKILL. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (signal === 'SIGKILL') return done;
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** Polls `check` every 100 ms until it resolves true; rejects after `ms` naming `what` and the last error. */
export async function waitUntil(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within ${ms} ms${last ? `: ${String(last)}` : ''}`);
}

// Synchronous clean-ups run when the process exits (a failed test that never reached its `after`, an
// uncaught error in a script): they SIGKILL children and remove temp dirs. Each returns its unregister.
const atExit = new Set<() => void>();
let hooked = false;

function runAll(): void {
  for (const f of atExit) {
    try {
      f();
    } catch {
      // best effort: the process is going away
    }
  }
  atExit.clear();
}

export function cleanUpAtExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', runAll);
    // A signal ends the process without 'exit' (the test runner cancelling a file, Ctrl-C): unless the
    // program handles that signal itself (the scripts stop their cluster gracefully), clean up and die of it.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = () => {
        if (process.listenerCount(sig) > 1) return;
        runAll();
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      };
      process.on(sig, onSignal);
    }
  }
  atExit.add(fn);
  return () => atExit.delete(fn);
}

/** SIGKILL for a child still running (for `cleanUpAtExit`). */
export function killNow(child: ChildProcess | null): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
