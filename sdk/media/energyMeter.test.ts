import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnergyMeter, type LevelReceiver, levelOf, receiverLevel } from './EnergyMeter.js';

const receiver = (sources: { audioLevel?: number; timestamp: number }[]): LevelReceiver => ({
  getSynchronizationSources: () => sources,
});

test('a member level is read from the newest packet levels, silence once they are a second old', () => {
  const now = 50_000;
  const epoch = 1_800_000_000_000;
  assert.equal(levelOf(1), 10);
  assert.equal(levelOf(0.01), 4, '-40 dBFS');
  assert.equal(levelOf(0), 0);
  assert.equal(receiverLevel(receiver([{ audioLevel: 0.01, timestamp: now - 100 }]), now, epoch), 4);
  // A browser that stamps packets in epoch time (older Chromium) is read the same way.
  assert.equal(receiverLevel(receiver([{ audioLevel: 0.01, timestamp: epoch - 100 }]), now, epoch), 4);
  // DTX: a member who stopped talking sends nothing, so the last packet's level goes stale.
  assert.equal(receiverLevel(receiver([{ audioLevel: 0.5, timestamp: now - 1500 }]), now, epoch), 0);
  assert.equal(receiverLevel(receiver([{ timestamp: now }]), now, epoch), 0, 'no level in the packets');
  assert.equal(receiverLevel(receiver([]), now, epoch), 0);
});

test('a member measured from its receiver reports MicEnergyUpdate changes without any AudioContext', async () => {
  const updates: [string, number, number][] = [];
  let contexts = 0;
  const meter = new EnergyMeter(
    (UID, old, level) => updates.push([UID, old, level]),
    () => {
      contexts++;
      return null;
    },
  );
  let level = 0.1;
  const track = { readyState: 'live', enabled: true } as MediaStreamTrack;
  meter.setReceiver('bob', track, {
    getSynchronizationSources: () => [{ audioLevel: level, timestamp: performance.now() }],
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(updates, [['bob', 0, levelOf(0.1)]]);
  level = 0;
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(updates.at(-1), ['bob', levelOf(0.1), 0]);
  meter.close();
  assert.equal(contexts, 0, 'no audio context was asked for');
});
