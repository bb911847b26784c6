// npm run cluster -- [--port 8080] [--nodes 3] [--node-port N] [--redis-port N] [--pg-port N] [--no-media]
//                    [--announced-address A] [--log-level L]
// Several nodes on one machine, with the real processes and no containers: redis-server, PostgreSQL in a
// temp data dir (run as the `postgres` user when we are root), N server nodes (dist/server/cli.js, media
// on, one mediasoup worker each) and haproxy in front of them. Prints the balancer URL (the web app is
// served there) and the app's credentials; Ctrl-C / SIGTERM / an error stops everything and removes the
// temp dirs. README "Running several nodes".
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startCluster, type TestCluster } from '../server/testing/cluster.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    nodes: { type: 'string', default: '3' },
    'node-port': { type: 'string' },
    'redis-port': { type: 'string' },
    'pg-port': { type: 'string' },
    'no-media': { type: 'boolean' },
    'announced-address': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    [
      'npm run cluster -- [options]   redis-server + PostgreSQL + N nodes + haproxy on this machine',
      '  --port N               balancer port (default 8080)',
      '  --nodes N              how many nodes (default 3)',
      '  --node-port N          first node port, the others follow (default: free ports)',
      '  --redis-port N         (default: a free port)',
      '  --pg-port N            (default: a free port)',
      '  --no-media             signaling only',
      '  --announced-address A  the IP browsers on other machines reach the media ports at',
      '  --log-level L          node log level (default warn)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`cluster: --${name} wants a port number, got ${v}\n`);
    process.exit(2);
  }
  return n;
};
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) {
  process.stderr.write(`cluster: --nodes wants 1..16, got ${values.nodes}\n`);
  process.exit(2);
}

const app = { appID: 'crvideo-cluster', appSecret: randomBytes(12).toString('base64url') };
let cluster: TestCluster | null = null;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\ncluster: stopping haproxy, the nodes, Redis and PostgreSQL…\n');
    await cluster?.stop();
  }
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown(0));

try {
  process.stdout.write(`cluster: starting redis-server, PostgreSQL, ${nodes} node(s) and haproxy…\n`);
  const balancerPort = int('port', values.port);
  const nodePort = int('node-port', values['node-port']);
  const redisPort = int('redis-port', values['redis-port']);
  const pgPort = int('pg-port', values['pg-port']);
  cluster = await startCluster({
    nodes,
    media: !values['no-media'],
    postgres: true,
    entry: 'dist',
    app,
    ...(balancerPort ? { port: balancerPort } : {}),
    ...(nodePort ? { nodePort } : {}),
    ...(redisPort ? { redisPort } : {}),
    ...(pgPort ? { pgPort } : {}),
    args: [
      '--log-level',
      values['log-level'],
      ...(values['announced-address'] ? ['--announced-address', values['announced-address']] : []),
    ],
    onOutput: (nodeId, text) => {
      for (const line of text.split('\n')) if (line.trim()) process.stdout.write(`[${nodeId}] ${line}\n`);
    },
  });
  const c = cluster;
  process.stdout.write(
    [
      '',
      `CRVideo Phone cluster: ${c.balancer.url}   (haproxy, least connections)`,
      `  web app:  ${c.balancer.url}/`,
      `  SDK:      ${c.balancer.url}/sdk/crvideo.js`,
      `  app ID:   ${c.app.appID}`,
      `  secret:   ${c.app.appSecret}`,
      '  sign-in:  none (any UID)',
      ...c.nodes.map((n) => `  node ${n.nodeId}:  ${n.url}  (pid ${n.pid})`),
      `  Redis:    ${c.redis.url}`,
      `  Postgres: ${c.pg?.url ?? '-'}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`cluster: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await shutdown(1);
}
