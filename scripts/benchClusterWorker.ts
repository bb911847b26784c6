// One load-generator process of `bench:cluster --capacity`: signs users in straight at the nodes (round robin),
// prints `{"ready":N,"failed":F,"seconds":S}` once they are all in, and keeps them connected until stdin closes.
// Several of these carry more users than one process may open sockets.
import { parseArgs } from 'node:util';
import { type CRVideoClient, md5Hex } from '../sdk/index.js';
import { client, wait } from './benchKit.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    from: { type: 'string' },
    count: { type: 'string' },
    app: { type: 'string' },
    secret: { type: 'string' },
  },
});
const urls = (values.nodes ?? '').split(',').filter(Boolean);
const from = Number(values.from ?? 0);
const count = Number(values.count ?? 0);
const md5 = md5Hex(values.secret ?? '');
const clients: CRVideoClient[] = [];
let failed = 0;
const t0 = Date.now();
for (let i = 0; i < count; i += 250) {
  await Promise.all(
    Array.from({ length: Math.min(250, count - i) }, async (_, k) => {
      const n = from + i + k;
      const c = client(urls[n % urls.length] as string);
      clients.push(c);
      const ok = wait(c, 'CRVideo_LoginSuccess').then(() => true);
      const fail = wait(c, 'CRVideo_LoginFail').then(() => false);
      c.CRVideo_Login(values.app ?? '', md5, `c${n}`, `c${n}`, '');
      if (!(await Promise.race([ok, fail]))) failed++;
    }),
  );
}
process.stdout.write(`${JSON.stringify({ ready: count - failed, failed, seconds: (Date.now() - t0) / 1000 })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  for (const c of clients) c.CRVideo_Logout();
  setTimeout(() => process.exit(0), 500);
});
