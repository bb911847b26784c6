import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { firstLanAddress, resolveMediaOptions } from './config.js';

test('defaults: one worker per core, loopback, ports 40000–40999, TCP on, active speaker on', () => {
  const o = resolveMediaOptions({});
  assert.equal(o.numWorkers, os.availableParallelism());
  assert.equal(o.listenIp, '127.0.0.1');
  assert.equal(o.announcedAddress, undefined);
  assert.deepEqual([o.rtcMinPort, o.rtcMaxPort], [40000, 40999]);
  assert.equal(o.enableTcp, true);
  assert.equal(o.activeSpeaker, true);
});

test('settings given as strings (CLI, environment) are read; bad ones are refused with the setting named', () => {
  const o = resolveMediaOptions({ numWorkers: '3', rtcMinPort: '45000', enableTcp: 'false', activeSpeaker: '0' });
  assert.equal(o.numWorkers, 3);
  assert.deepEqual([o.rtcMinPort, o.rtcMaxPort], [45000, 45999]);
  assert.equal(o.enableTcp, false);
  assert.equal(o.activeSpeaker, false);
  assert.throws(() => resolveMediaOptions({ numWorkers: 0 }), /numWorkers/);
  assert.throws(() => resolveMediaOptions({ rtcMinPort: 'x' }), /rtcMinPort/);
  assert.throws(() => resolveMediaOptions({ rtcMinPort: 50000, rtcMaxPort: 40000 }), /rtcMaxPort/);
});

test('listening on every interface announces a LAN address unless one is given', () => {
  assert.equal(resolveMediaOptions({ listenIp: '0.0.0.0' }).announcedAddress, firstLanAddress());
  assert.equal(
    resolveMediaOptions({ listenIp: '0.0.0.0', announcedAddress: 'media.example.com' }).announcedAddress,
    'media.example.com',
  );
  assert.equal(resolveMediaOptions({ listenIp: '10.0.0.5' }).announcedAddress, undefined);
});
