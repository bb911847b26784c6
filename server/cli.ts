#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clusterSettings } from './cluster/cliOptions.js';
import { type MediaPlaneOptions, type ServerLimits, startServer, type TransportLimits } from './index.js';

const HELP = `crvideo-phone server

  --host HOST             listen address            (CRVIDEO_HOST, default 127.0.0.1)
  --port PORT             listen port, 0 = any free  (CRVIDEO_PORT, default 8080)
  --data DIR              data folder (SQLite)       (CRVIDEO_DATA, default ./data)
  --app ID:SECRET         an app (repeatable)        (CRVIDEO_APPS, comma separated)
  --call-timeout MS       no-answer timeout          (CRVIDEO_CALL_TIMEOUT_MS, default 30000)
  --grace MS              session grace on drop      (CRVIDEO_GRACE_MS, default 20000)
  --multi-device          several devices per UID    (CRVIDEO_MULTI_DEVICE=1)
  --no-media              signaling only, no mediasoup (CRVIDEO_MEDIA=0)
  --announced-address A   public/LAN IP for media    (CRVIDEO_ANNOUNCED_ADDRESS)
  --media-listen-ip IP    media listen IP            (CRVIDEO_MEDIA_LISTEN_IP, default 127.0.0.1)
  --rtc-port PORT         first media port           (CRVIDEO_RTC_PORT, default 40000)
  --workers N             mediasoup workers          (CRVIDEO_WORKERS, default: CPU cores)
  --log-level LEVEL       pino level                 (CRVIDEO_LOG_LEVEL, default info)
  --user-auth MODE        accounts | webhook | none  (CRVIDEO_USER_AUTH, default accounts)
  --webhook-url URL       the customer's user check  (CRVIDEO_WEBHOOK_URL; with --user-auth webhook)
  --webhook-timeout MS    user check timeout         (CRVIDEO_WEBHOOK_TIMEOUT_MS, default 5000)
  --tls-cert FILE          PEM certificate (chain): serve https/wss  (CRVIDEO_TLS_CERT; reloaded on SIGHUP)
  --tls-key FILE           PEM private key                           (CRVIDEO_TLS_KEY)
  --trust-proxy           behind nginx/Caddy: client address from X-Forwarded-For (CRVIDEO_TRUST_PROXY=1)
  --turn-url URL          TURN relay for clients (repeatable)  (CRVIDEO_TURN_URLS, comma separated)
  --turn-secret SECRET    coturn static-auth-secret            (CRVIDEO_TURN_SECRET)
  --dev-user              ensure the dev app has a user "dev" (printed password on creation; npm start)
  --allow-origin ORIGIN   extra WebSocket origin, '*' = any (repeatable; CRVIDEO_ALLOWED_ORIGINS, comma separated)
  --allow-host NAME       extra host name browsers may use (repeatable; CRVIDEO_ALLOWED_HOSTS, comma separated)
  --source-maps           serve the web app's source maps (CRVIDEO_SOURCE_MAPS=1)
  --limit NAME=VALUE      one limit, e.g. socketsPerAddress=1000 (repeatable)
  --limits JSON           limits to change, e.g. '{"minFreeDiskBytes":0}' (CRVIDEO_LIMITS; README "Limits and protections")

 Several nodes (README "Running several nodes"):
  --redis URL             Redis shared by the nodes, redis://host:port  (CRVIDEO_REDIS_URL; with --node-id)
  --node-id ID            this node's name: letters, digits, - _, <= 32  (CRVIDEO_NODE_ID; with --redis)
  --postgres URL          PostgreSQL store, postgres://user@host:port/db (CRVIDEO_POSTGRES_URL; default SQLite in --data)
  --no-rooms              pin no rooms (no mediasoup routers) to this node (CRVIDEO_ROOMS=0)
`;

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    app: { type: 'string', multiple: true },
    'call-timeout': { type: 'string' },
    grace: { type: 'string' },
    'multi-device': { type: 'boolean' },
    'no-media': { type: 'boolean' },
    'announced-address': { type: 'string' },
    'media-listen-ip': { type: 'string' },
    'rtc-port': { type: 'string' },
    workers: { type: 'string' },
    'log-level': { type: 'string' },
    'user-auth': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-timeout': { type: 'string' },
    'dev-user': { type: 'boolean' },
    'tls-cert': { type: 'string' },
    'turn-url': { type: 'string', multiple: true },
    'turn-secret': { type: 'string' },
    'trust-proxy': { type: 'boolean' },
    'tls-key': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    'allow-host': { type: 'string', multiple: true },
    'source-maps': { type: 'boolean' },
    limits: { type: 'string' },
    limit: { type: 'string', multiple: true },
    redis: { type: 'string' },
    'node-id': { type: 'string' },
    postgres: { type: 'string' },
    'no-rooms': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const env = process.env;
const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
const list = (v: string | undefined): string[] | undefined => (v ? v.split(',').filter(Boolean) : undefined);
const appSpecs = values.app ?? (env.CRVIDEO_APPS ? env.CRVIDEO_APPS.split(',') : []);
const apps = appSpecs.map((spec) => {
  const i = spec.indexOf(':');
  if (i <= 0) throw new Error(`--app wants ID:SECRET, got ${spec}`);
  return { appID: spec.slice(0, i), appSecret: spec.slice(i + 1) };
});
const noMedia = values['no-media'] ?? env.CRVIDEO_MEDIA === '0';
const media: MediaPlaneOptions = {};
const announced = values['announced-address'] ?? env.CRVIDEO_ANNOUNCED_ADDRESS;
if (announced) media.announcedAddress = announced;
const listenIp = values['media-listen-ip'] ?? env.CRVIDEO_MEDIA_LISTEN_IP;
if (listenIp) media.listenIp = listenIp;
const rtcPort = num(values['rtc-port'] ?? env.CRVIDEO_RTC_PORT);
if (rtcPort !== undefined) media.rtcMinPort = rtcPort;
const workers = num(values.workers ?? env.CRVIDEO_WORKERS);
if (workers !== undefined) media.numWorkers = workers;

// Limits: `--limits JSON` and/or `--limit NAME=VALUE` (repeatable); CRVIDEO_LIMITS takes either form.
const envLimits = env.CRVIDEO_LIMITS?.trim();
const limitsJson = values.limits ?? (envLimits?.startsWith('{') ? envLimits : undefined);
const limitPairs = values.limit ?? (envLimits && !envLimits.startsWith('{') ? list(envLimits) : []) ?? [];
const limits: Partial<ServerLimits & TransportLimits> = {
  ...(limitsJson ? (JSON.parse(limitsJson) as Partial<ServerLimits>) : {}),
  ...Object.fromEntries(
    limitPairs.map((spec) => {
      const [name, value] = spec.split('=');
      if (!name || value === undefined || value === '') throw new Error(`--limit wants NAME=VALUE, got ${spec}`);
      return [name.trim(), Number(value)];
    }),
  ),
};

const userAuth = values['user-auth'] ?? env.CRVIDEO_USER_AUTH ?? 'accounts';
if (userAuth !== 'accounts' && userAuth !== 'webhook' && userAuth !== 'none') {
  process.stderr.write(`--user-auth wants accounts, webhook or none, got ${userAuth}\n`);
  process.exit(2);
}
const webhookUrl = values['webhook-url'] ?? env.CRVIDEO_WEBHOOK_URL;
const webhookTimeout = num(values['webhook-timeout'] ?? env.CRVIDEO_WEBHOOK_TIMEOUT_MS);

const tlsCert = values['tls-cert'] ?? env.CRVIDEO_TLS_CERT;
const tlsKey = values['tls-key'] ?? env.CRVIDEO_TLS_KEY;
if (!!tlsCert !== !!tlsKey) {
  process.stderr.write('--tls-cert and --tls-key go together\n');
  process.exit(2);
}
const readTls = () =>
  tlsCert && tlsKey ? { cert: readFileSync(tlsCert, 'utf8'), key: readFileSync(tlsKey, 'utf8') } : undefined;

const turnUrls = values['turn-url'] ?? (env.CRVIDEO_TURN_URLS ? env.CRVIDEO_TURN_URLS.split(',') : []);
const turnSecret = values['turn-secret'] ?? env.CRVIDEO_TURN_SECRET;
if (turnUrls.length > 0 && !turnSecret) {
  process.stderr.write('--turn-url needs --turn-secret (coturn static-auth-secret)\n');
  process.exit(2);
}

const clustering = clusterSettings(values, env);
if (!clustering.ok) {
  process.stderr.write(`${clustering.message}\n`);
  process.exit(2);
}

const server = await startServer({
  ...(clustering.cluster ? { cluster: clustering.cluster } : {}),
  ...(clustering.store ? { store: clustering.store } : {}),
  tls: readTls(),
  trustProxy: values['trust-proxy'] ?? env.CRVIDEO_TRUST_PROXY === '1',
  ...(turnUrls.length > 0 && turnSecret ? { turn: { urls: turnUrls, secret: turnSecret } } : {}),
  host: values.host ?? env.CRVIDEO_HOST ?? '127.0.0.1',
  port: num(values.port ?? env.CRVIDEO_PORT) ?? 8080,
  dataDir: values.data ?? env.CRVIDEO_DATA ?? './data',
  apps,
  callTimeoutMs: num(values['call-timeout'] ?? env.CRVIDEO_CALL_TIMEOUT_MS),
  graceMs: num(values.grace ?? env.CRVIDEO_GRACE_MS),
  multiDevice: values['multi-device'] ?? env.CRVIDEO_MULTI_DEVICE === '1',
  logLevel: values['log-level'] ?? env.CRVIDEO_LOG_LEVEL ?? 'info',
  media: noMedia ? false : media,
  userAuth,
  ...(webhookUrl ? { webhook: { url: webhookUrl, ...(webhookTimeout ? { timeoutMs: webhookTimeout } : {}) } } : {}),
  allowedOrigins: values['allow-origin'] ?? list(env.CRVIDEO_ALLOWED_ORIGINS),
  allowedHosts: values['allow-host'] ?? list(env.CRVIDEO_ALLOWED_HOSTS),
  serveSourceMaps: values['source-maps'] ?? env.CRVIDEO_SOURCE_MAPS === '1',
  limits,
});

const app = server.devApp ?? server.apps[0];
process.stdout.write(
  `\nCRVideo Phone server: ${server.url}\n  web app:  ${server.url}/\n  SDK:      ${server.url}/sdk/crvideo.js\n` +
    (app ? `  app ID:   ${app.appID}\n  secret:   ${app.appSecret}\n` : '') +
    (clustering.cluster ? `  node:     ${clustering.cluster.nodeId} (cluster mode)\n` : '') +
    `  sign-in:  ${userAuth === 'accounts' ? 'user accounts (npm run users)' : userAuth}\n` +
    (await devUserLine()) +
    '\n',
);

/** `--dev-user` (npm start): the dev app gets a user "dev"; its password is printed once, when created. */
async function devUserLine(): Promise<string> {
  if (!values['dev-user'] || userAuth !== 'accounts' || !app) return '';
  const existing = await server.accounts.list(app.appID);
  if (existing.some((a) => a.UID === 'dev')) {
    return `  dev user: dev (password printed when it was created; new one: npm run users -- reset-password ${app.appID} dev)\n`;
  }
  const password = randomBytes(9).toString('base64url');
  await server.accounts.add({ appID: app.appID, UID: 'dev', password, nickname: 'Dev' });
  return `  dev user: dev\n  password: ${password}\n`;
}

// SIGHUP: read the certificate and key again (after a renewal, e.g. by certbot); a bad pair keeps the old one.
process.on('SIGHUP', () => {
  const tls = readTls();
  if (!tls) return;
  try {
    server.reloadTls(tls);
    process.stdout.write('TLS certificate reloaded\n');
  } catch (err) {
    server.logger.error({ err }, 'TLS reload failed; keeping the previous certificate');
  }
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void server.close().then(() => process.exit(0));
  });
}
