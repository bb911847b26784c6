// The CLI's cluster flags (`--redis`, `--node-id`, `--postgres`, `--no-rooms` and their CRVIDEO_* twins)
// turned into `ServerOptions.cluster` / `ServerOptions.store`, or a message saying what is wrong.
import type { ClusterOptions, StoreOptions } from './options.js';

/** A node ID: letters, digits, `-` and `_`, 1 to 32 of them (it names Redis keys and channels). */
export const NODE_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface ClusterFlags {
  redis?: string;
  'node-id'?: string;
  postgres?: string;
  'no-rooms'?: boolean;
}

export type ClusterSettings =
  | { ok: true; cluster?: ClusterOptions; store?: StoreOptions }
  | { ok: false; message: string };

function hasScheme(url: string, schemes: string[]): boolean {
  try {
    return schemes.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** Flags win over the environment (`CRVIDEO_REDIS_URL`, `CRVIDEO_NODE_ID`, `CRVIDEO_POSTGRES_URL`, `CRVIDEO_ROOMS=0`). */
export function clusterSettings(flags: ClusterFlags, env: NodeJS.ProcessEnv): ClusterSettings {
  const redisUrl = flags.redis ?? (env.CRVIDEO_REDIS_URL || undefined);
  const nodeId = flags['node-id'] ?? (env.CRVIDEO_NODE_ID || undefined);
  const postgresUrl = flags.postgres ?? (env.CRVIDEO_POSTGRES_URL || undefined);
  const noRooms = flags['no-rooms'] ?? env.CRVIDEO_ROOMS === '0';
  if (!!redisUrl !== !!nodeId) {
    return { ok: false, message: '--redis and --node-id go together (cluster mode needs both)' };
  }
  if (redisUrl && !hasScheme(redisUrl, ['redis:', 'rediss:'])) {
    return { ok: false, message: `--redis wants redis://host:port, got ${redisUrl.slice(0, 100)}` };
  }
  if (nodeId !== undefined && !NODE_ID.test(nodeId)) {
    return {
      ok: false,
      message: `--node-id wants 1-32 letters, digits, - or _, got ${JSON.stringify(nodeId.slice(0, 40))}`,
    };
  }
  if (postgresUrl && !hasScheme(postgresUrl, ['postgres:', 'postgresql:'])) {
    return { ok: false, message: `--postgres wants postgres://user@host:port/db, got ${postgresUrl.slice(0, 100)}` };
  }
  if (noRooms && !redisUrl) {
    return { ok: false, message: '--no-rooms applies to cluster mode only (with --redis and --node-id)' };
  }
  return {
    ok: true,
    ...(redisUrl && nodeId ? { cluster: { redisUrl, nodeId, ...(noRooms ? { hostsRooms: false } : {}) } } : {}),
    ...(postgresUrl ? { store: { postgresUrl } } : {}),
  };
}
