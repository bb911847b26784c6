// A UDP relay that drops a share of the packets going to a server: the benchmarks' stand-in for
// `tc netem` (this machine's kernel has no netem qdisc, and DevTools' packetLoss emulation does not reach
// Chromium's WebRTC sockets). The media server announces `listenHost:port` as its ICE candidate while it
// listens on `targetHost:port`; every client address gets its own upstream socket, so the server sees
// one distinct peer per client and its answers go back to the client they belong to.
import { createSocket, type Socket } from 'node:dgram';

export interface LossyUdpProxy {
  /** Packets seen and dropped so far, per direction. */
  readonly counts: { up: number; upDropped: number; down: number; downDropped: number };
  /** Changes the loss (percent, 0–100) of packets to the server and of packets back to clients. */
  setLoss(upPercent: number, downPercent?: number): void;
  close(): Promise<void>;
}

export async function startLossyUdpProxy(o: {
  listenHost: string;
  targetHost: string;
  port: number;
  upLossPercent?: number;
  downLossPercent?: number;
}): Promise<LossyUdpProxy> {
  let up = (o.upLossPercent ?? 0) / 100;
  let down = (o.downLossPercent ?? 0) / 100;
  const counts = { up: 0, upDropped: 0, down: 0, downDropped: 0 };
  const front = createSocket('udp4');
  const upstream = new Map<string, Socket>();
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let s = upstream.get(key);
    if (!s) {
      const sock = createSocket('udp4');
      sock.on('message', (back) => {
        counts.down++;
        if (Math.random() < down) counts.downDropped++;
        else front.send(back, from.port, from.address);
      });
      sock.on('error', () => undefined);
      sock.bind(0, o.targetHost);
      upstream.set(key, sock);
      s = sock;
    }
    counts.up++;
    if (Math.random() < up) counts.upDropped++;
    else s.send(msg, o.port, o.targetHost);
  });
  front.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(o.port, o.listenHost, () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    counts,
    setLoss(u, d = 0) {
      up = u / 100;
      down = d / 100;
    },
    async close() {
      const all = [front, ...upstream.values()];
      upstream.clear();
      await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** A UDP port free on both hosts right now (the media server and the relay bind it next). */
export async function freeUdpPort(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(0, hosts[0], () => resolve(probe.address().port));
    });
    const others = await Promise.all(
      hosts.slice(1).map(
        (h) =>
          new Promise<boolean>((resolve) => {
            const s = createSocket('udp4');
            s.once('error', () => resolve(false));
            s.bind(port, h, () => s.close(() => resolve(true)));
          }),
      ),
    );
    await new Promise<void>((r) => probe.close(() => r()));
    if (others.every(Boolean)) return port;
  }
  throw new Error('no free UDP port');
}
