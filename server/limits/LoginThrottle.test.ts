import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { addressKey, LoginThrottle } from './LoginThrottle.js';
import { memoryBackend } from './RateLimit.js';

test('addresses: IPv4 as is (also IPv4-mapped), IPv6 by its /64', () => {
  assert.equal(addressKey('10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64', 'one subscriber, many addresses');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey(undefined), 'unknown');
});

test('a throttle counts failures per account and per address; success forgets the account', async () => {
  const throttle = new LoginThrottle(
    memoryBackend,
    {
      freeFailures: { account: 2, address: 100 },
      backoffMs: 60_000,
      backoffMaxMs: 60_000,
      lockoutFailures: { account: 4, address: 100 },
      windowMs: 60_000,
      lockoutMs: 60_000,
    },
    pino({ level: 'silent' }),
  );
  const keys = { address: '10.0.0.1', account: 'app\u0000alice' };
  for (let i = 0; i < 2; i++) await (await throttle.begin(keys)).failed();
  await (await throttle.begin(keys)).succeeded();
  for (let i = 0; i < 3; i++) await (await throttle.begin(keys)).failed();
  await assert.rejects(throttle.begin(keys), { code: 904 }, 'the third failure after the reset starts a back-off');
  await assert.doesNotReject(throttle.begin({ ...keys, account: 'app\u0000bob' }), 'another account from the address');
});
