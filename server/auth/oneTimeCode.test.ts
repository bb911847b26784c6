// One-time codes against the real SQLite store: expiry, single use under a race, and the code's shape.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { pino } from 'pino';
import { SdkErr } from '../../protocol/index.js';
import { sqliteAccounts } from './AccountBackend.js';
import { AccountStore } from './AccountStore.js';
import { newOneTimeCode, normalizeOneTimeCode } from './OneTimeCode.js';
import { UserAuth } from './UserAuth.js';

let dir: string;
let store: AccountStore;
let auth: UserAuth;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crvideo-otc-'));
  store = AccountStore.open(dir);
  auth = new UserAuth(sqliteAccounts(store), store.signingKey(), { mode: 'accounts' }, pino({ level: 'silent' }));
  await auth.add({ appID: 'app', UID: 'pat', password: 'pat-password' });
});

afterEach(() => {
  mock.timers.reset();
  auth.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a code expires after its minutes', async () => {
  const code = await auth.issueCode({ appID: 'app', UID: 'pat', minutes: 1 });
  const fresh = await auth.issueCode({ appID: 'app', UID: 'pat', minutes: 3 });
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 61_000 });
  await assert.rejects(auth.verifyCode('app', 'pat', code, '10.0.0.1'), { code: SdkErr.CUSTOMAUTH_FAILED });
  await assert.doesNotReject(auth.verifyCode('app', 'pat', fresh, '10.0.0.1'), 'a longer-lived code still works');
});

test('two sign-ins racing with one code: exactly one wins, also through a second store connection', async () => {
  const code = await auth.issueCode({ appID: 'app', UID: 'pat' });
  const other = AccountStore.open(dir);
  const auth2 = new UserAuth(
    sqliteAccounts(other),
    other.signingKey(),
    { mode: 'accounts' },
    pino({ level: 'silent' }),
  );
  try {
    const results = await Promise.allSettled([
      auth.verifyCode('app', 'pat', code, '10.0.0.1'),
      auth2.verifyCode('app', 'pat', code, '10.0.0.2'),
      auth.verifyCode('app', 'pat', code, '10.0.0.3'),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected', 'rejected']);
  } finally {
    auth2.close();
    other.close();
  }
});

test('codes are random, typed forgivingly, and never mistaken for a password', () => {
  const codes = new Set(Array.from({ length: 200 }, () => newOneTimeCode()));
  assert.equal(codes.size, 200);
  for (const c of codes) assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  assert.equal(normalizeOneTimeCode(' abcd efgh-jkmn-pqrs '), 'ABCDEFGHJKMNPQRS');
  assert.equal(normalizeOneTimeCode('0OIl-0000-0000-0000'), '0011000000000000', 'O read as 0, I and L as 1');
  assert.equal(normalizeOneTimeCode('pat-password'), null);
  assert.equal(normalizeOneTimeCode('U'.repeat(16)), null);
  assert.equal(normalizeOneTimeCode('A'.repeat(100)), null);
});

test('the store keeps only a hash of the code', async () => {
  const code = await auth.issueCode({ appID: 'app', UID: 'pat' });
  const files = ['crvideo.sqlite', 'crvideo.sqlite-wal'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('');
  assert.ok(bytes.length > 0);
  assert.ok(!bytes.includes(normalizeOneTimeCode(code) as string));
  assert.ok(!bytes.includes(code));
});
