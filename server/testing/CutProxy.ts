// A TCP proxy between one SDK client and the server, to cut that client's link the way a network does:
// every open connection is reset and new ones are refused (accepted and reset at once) until the cut
// ends. `mute()` instead keeps the client's side open but silent while dropping the server's side, so
// the server sees the drop long before the client does (a link that dies without a reset).
import { createServer, type Server, Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  muted: boolean;
}

export class CutProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  /** Client sockets kept open but silent by `mute()`. */
  readonly #silent = new Set<Socket>();
  #targetPort: number;
  #cutUntil = 0;
  #cutTimer: NodeJS.Timeout | null = null;
  #port = 0;
  /** Resolves when the current cut ends (link back). */
  #restored: (() => void) | null = null;

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#server = createServer((client) => this.#onClient(client));
  }

  static async create(targetPort: number): Promise<CutProxy> {
    const p = new CutProxy(targetPort);
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject);
      p.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = p.#server.address();
    p.#port = typeof addr === 'object' && addr ? addr.port : 0;
    return p;
  }

  /** `http://127.0.0.1:PORT` of the proxy: give it to the SDK as the server address. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get isCut(): boolean {
    return Date.now() < this.#cutUntil;
  }

  #onClient(client: Socket): void {
    client.on('error', () => undefined);
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream, muted: false };
    this.#pairs.add(pair);
    const drop = (): void => {
      this.#pairs.delete(pair);
      if (pair.muted) return;
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    upstream.connect(this.#targetPort, '127.0.0.1', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Cuts the link for `ms`: resets every connection now and refuses new ones until then. Resolves when it is back. */
  cut(ms: number): Promise<void> {
    this.#cutUntil = Date.now() + ms;
    for (const { client, upstream } of [...this.#pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.#pairs.clear();
    return this.#arm(ms);
  }

  /**
   * Silent cut for `ms`: the server's side is reset at once, the client's side stays open but gets
   * nothing (its packets vanish), as when a NAT forgets the flow. New connections are refused.
   */
  mute(ms: number): Promise<void> {
    this.#cutUntil = Date.now() + ms;
    for (const pair of [...this.#pairs]) {
      pair.muted = true;
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.on('data', () => undefined); // what the client sends vanishes
      pair.upstream.resetAndDestroy();
      const silent = pair.client;
      this.#silent.add(silent);
      // The client's socket is reset when the link comes back (its next packet would get an RST).
      setTimeout(() => {
        this.#silent.delete(silent);
        silent.resetAndDestroy();
      }, ms).unref();
    }
    this.#pairs.clear();
    return this.#arm(ms);
  }

  #arm(ms: number): Promise<void> {
    if (this.#cutTimer) clearTimeout(this.#cutTimer);
    this.#restored?.();
    return new Promise((resolve) => {
      this.#restored = resolve;
      this.#cutTimer = setTimeout(() => {
        this.#cutTimer = null;
        this.#restored = null;
        resolve();
      }, ms);
    });
  }

  /** Points new connections at another server port (a restarted server). */
  retarget(port: number): void {
    this.#targetPort = port;
  }

  async close(): Promise<void> {
    if (this.#cutTimer) clearTimeout(this.#cutTimer);
    this.#restored?.();
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    for (const s of this.#silent) s.destroy();
    this.#silent.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
