import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerForTile } from './layers.js';

test('a tile gets the smallest layer about as tall as it is shown', () => {
  assert.equal(layerForTile(90, 3), 0);
  assert.equal(layerForTile(200, 3), 0);
  assert.equal(layerForTile(240, 3), 1);
  assert.equal(layerForTile(400, 3), 1);
  assert.equal(layerForTile(720, 3), 2);
});

test('an unknown size gets the top layer; never a layer the sender does not have', () => {
  assert.equal(layerForTile(undefined, 3), 2);
  assert.equal(layerForTile(720, 2), 1);
  assert.equal(layerForTile(720, 1), 0);
  assert.equal(layerForTile(undefined, 0), 0);
});
