#!/usr/bin/env node
// `npm run users -- add|disable|reset-password|code|list`: the admin's account tool. It writes the server's
// SQLite store directly (safe while the server runs: WAL), or with `--postgres URL` the PostgreSQL every
// node of a cluster shares; a running server ends a disabled user's sessions within two seconds.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { CRVideoError, SdkErr } from '../protocol/index.js';
import { type AccountBackend, sqliteAccounts } from './auth/AccountBackend.js';
import { AccountStore } from './auth/AccountStore.js';
import { CODE_MINUTES } from './auth/OneTimeCode.js';
import { UserAuth } from './auth/UserAuth.js';
import { PgAccounts } from './store/PgAccounts.js';
import { PgStore } from './store/PgStore.js';

const HELP = `npm run users -- COMMAND [options]

  add APPID UID [--nickname NAME]     create (or re-enable) a user
  reset-password APPID UID            set a new password (ends the user's saved sign-ins)
  disable APPID UID                   disable a user (their sessions end)
  code APPID UID [--minutes N]        print a one-time code that signs the user in once
                                      (instead of the password; default 60 minutes)
  list [APPID]                        list users

  --password-stdin    read the password from standard input (otherwise one is generated and printed)
  --data DIR          data folder (CRVIDEO_DATA, default ./data)
  --postgres URL      the PostgreSQL of a cluster (CRVIDEO_POSTGRES_URL): accounts every node shares
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    nickname: { type: 'string' },
    minutes: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    data: { type: 'string' },
    postgres: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, appID, UID] = positionals;
if (values.help || !command) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 2);
}

async function password(): Promise<{ password: string; generated: boolean }> {
  if (!values['password-stdin']) return { password: randomBytes(12).toString('base64url'), generated: true };
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return {
    password: Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, ''),
    generated: false,
  };
}

const postgresUrl = values.postgres ?? process.env.CRVIDEO_POSTGRES_URL;
let store: AccountStore | null = null;
let pgStore: PgStore | null = null;
let backend: AccountBackend;
try {
  if (postgresUrl) {
    pgStore = await PgStore.open(postgresUrl, pino({ level: 'silent' }), { poolSize: 1 });
    backend = new PgAccounts(pgStore);
  } else {
    store = AccountStore.open(resolve(values.data ?? process.env.CRVIDEO_DATA ?? './data'));
    backend = sqliteAccounts(store);
  }
} catch (err) {
  process.stderr.write(`users: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const auth = new UserAuth(backend, null, { mode: 'accounts' }, pino({ level: 'silent' }));
try {
  const need = (): [string, string] => {
    if (!appID || !UID) throw new CRVideoError(SdkErr.MEETPARAM_ERR, `${command} wants APPID UID`);
    return [appID, UID];
  };
  if (command === 'add' || command === 'reset-password') {
    const [a, u] = need();
    const p = await password();
    if (command === 'add') await auth.add({ appID: a, UID: u, password: p.password, nickname: values.nickname });
    else await auth.setPassword(a, u, p.password);
    process.stdout.write(`${command === 'add' ? 'added' : 'password set for'} ${u} in ${a}\n`);
    if (p.generated) process.stdout.write(`password: ${p.password}\n`);
  } else if (command === 'disable') {
    const [a, u] = need();
    await auth.disable(a, u);
    process.stdout.write(`disabled ${u} in ${a}\n`);
  } else if (command === 'code') {
    const [a, u] = need();
    const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
    const code = await auth.issueCode({ appID: a, UID: u, minutes });
    const until = new Date(Date.now() + (minutes ?? CODE_MINUTES.default) * 60_000).toISOString();
    process.stdout.write(`one-time code for ${u} in ${a} (valid until ${until}, once)\ncode: ${code}\n`);
  } else if (command === 'list') {
    for (const r of await auth.list(appID)) {
      process.stdout.write(`${r.appID}\t${r.UID}\t${r.nickname}\t${r.disabled ? 'disabled' : 'active'}\n`);
    }
  } else {
    process.stderr.write(`unknown command ${command}\n${HELP}`);
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`users: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  auth.close();
  store?.close();
  await pgStore?.close();
}
