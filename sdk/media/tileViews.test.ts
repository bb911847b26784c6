import assert from 'node:assert/strict';
import { test } from 'node:test';
import { energyOf, MicEnergy } from './MicEnergy.js';
import { type TileView, TileViews } from './TileViews.js';

function recorder(): { sent: [string, TileView][]; views: TileViews } {
  const sent: [string, TileView][] = [];
  return { sent, views: new TileViews((id, v) => sent.push([id, v])) };
}

test('a tile size reaches every video consumer of that member, now and later', () => {
  const { sent, views } = recorder();
  views.added('c1', 'bob');
  assert.deepEqual(sent, [], 'nothing to tell before the app told a size');
  views.setSize('bob', 320.4, 180);
  views.setSize('carol', 640, 360);
  assert.deepEqual(sent, [['c1', { width: 320, height: 180 }]]);
  views.added('c2', 'carol');
  assert.deepEqual(sent.at(-1), ['c2', { width: 640, height: 360 }]);
  views.close();
});

test('0 × 0 and a hidden page pause; showing the page again restores the sizes', () => {
  const { sent, views } = recorder();
  views.added('c1', 'bob');
  views.added('c2', 'carol');
  views.setSize('bob', 0, 0);
  assert.deepEqual(sent.at(-1), ['c1', { width: 0, height: 0, hidden: true }]);
  views.setPageHidden(true);
  assert.deepEqual(sent.slice(-2), [
    ['c1', { width: 0, height: 0, hidden: true }],
    ['c2', { width: 0, height: 0, hidden: true }],
  ]);
  views.setPageHidden(false);
  assert.deepEqual(sent.slice(-2), [
    ['c1', { width: 0, height: 0, hidden: true }],
    ['c2', { width: 0, height: 0 }],
  ]);
  views.removed('c2');
  views.setPageHidden(true);
  assert.deepEqual(sent.at(-1)?.[0], 'c1');
  views.close();
});

test('hostile sizes are clamped, not passed on', () => {
  const { sent, views } = recorder();
  views.added('c1', 'bob');
  views.setSize('bob', Number.NaN, 1e9);
  assert.deepEqual(sent.at(-1), ['c1', { width: 0, height: 16384, hidden: true }]);
  views.close();
});

test('mic energy: dBov → 0…10, and only changes are reported, silence included', () => {
  assert.equal(energyOf(-127), 0);
  assert.equal(energyOf(-70), 0);
  assert.equal(energyOf(0), 10);
  assert.equal(energyOf(Number.NaN), 0);
  const e = new MicEnergy();
  assert.deepEqual(e.update([{ UID: 'bob', volume: -14 }]), [['bob', 0, 8]]);
  assert.deepEqual(e.update([{ UID: 'bob', volume: -14 }]), []);
  assert.equal(e.level('bob'), 8);
  assert.deepEqual(e.update([{ UID: 'carol', volume: -35 }]), [
    ['bob', 8, 0],
    ['carol', 0, 5],
  ]);
  assert.deepEqual(e.update([]), [['carol', 5, 0]]);
});
