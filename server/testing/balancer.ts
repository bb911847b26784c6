// A real haproxy in front of the nodes (README "Running several nodes" shows the same configuration):
// least connections, WebSocket upgrades tunnelled, nodes health-checked on /healthz every 500 ms.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpAtExit, exited, freePort, killNow, stopChild, waitUntil } from './processes.js';

export interface Backend {
  host: string;
  port: number;
  /** haproxy's name for it (default `node<i>`); answers carry it in `X-CRVideo-Node`. */
  name?: string;
}

export interface Balancer {
  /** `http://127.0.0.1:PORT`: the web app, `/ws` and `/healthz` of whichever node it picks. */
  url: string;
  port: number;
  /** Stops haproxy (open sockets are cut); safe to call twice. */
  stop(): Promise<void>;
}

/** The response header naming the node that answered (tests and the cluster bench read it). */
export const NODE_HEADER = 'x-crvideo-node';

export interface HaproxyConfigOptions {
  port: number;
  backends: Backend[];
  /** Listen address (default 127.0.0.1). */
  bind?: string;
  /** Connections haproxy accepts in all (default: what its file-descriptor limit allows, two per connection). */
  maxconn?: number;
}

/** haproxy.cfg for the nodes: the configuration README "Running several nodes" shows. */
export function haproxyConfig(o: HaproxyConfigOptions): string {
  const servers = o.backends.map(
    (b, i) => `  server ${b.name ?? `node${i + 1}`} ${b.host}:${b.port} check inter 500 fall 2 rise 1`,
  );
  return `global
${o.maxconn ? `  maxconn ${o.maxconn}\n` : ''}
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # An upgraded WebSocket is a tunnel: the SDK's heartbeats keep it busy, so allow long silences.
  timeout tunnel 1h
  timeout http-request 10s
  # A node that refuses the connection (just killed, not yet marked down) costs a retry on another node.
  retries 2
  option redispatch
  # The nodes read the client address from X-Forwarded-For (run them with --trust-proxy).
  option forwardfor

frontend crvideo
  bind ${o.bind ?? '127.0.0.1'}:${o.port}
  default_backend nodes

backend nodes
  balance leastconn
  option httpchk GET /healthz
  http-check expect status 200
  # Which node answered (also on the WebSocket's 101): for debugging, tests and the cluster bench.
  http-response set-header X-CRVideo-Node %[srv_name]
${servers.join('\n')}
`;
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** Starts haproxy (`haproxy -db -f cfg`, in the foreground as our child) and waits until it serves a node. */
export async function startBalancer(backends: Backend[], o: { port?: number; bind?: string } = {}): Promise<Balancer> {
  const port = o.port || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'crvideo-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig({ port, backends, ...(o.bind ? { bind: o.bind } : {}) }));
  let output = '';
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const unregister = cleanUpAtExit(() => {
    killNow(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://${o.bind && o.bind !== '0.0.0.0' ? o.bind : '127.0.0.1'}:${port}`;
  const stop = async () => {
    await stopChild(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    unregister();
  };
  const died = exited(child).then(() => {
    throw new Error(`haproxy exited at start (${child.exitCode ?? child.signalCode}): ${output}`);
  });
  try {
    await Promise.race([waitUntil(`haproxy on ${port}`, () => healthy(url)), died]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    died.catch(() => undefined);
  }
  return { url, port, stop };
}
