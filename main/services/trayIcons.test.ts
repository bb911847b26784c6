import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { icoFromPngs, trayIconPng, trayTemplatePng } from './trayIcons.js';

/** Decodes the PNGs encodePng writes (8-bit RGBA, filter 0): width, height and the RGBA of a pixel. */
function decode(png: Buffer) {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    if (png.toString('ascii', off + 4, off + 8) === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, (width * 4 + 1) * height);
  const at = (x: number, y: number) => [
    ...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 5 + x * 4),
  ];
  return { width, height, at };
}

test('the tray icon shows the presence as the colour of its dot', () => {
  const dot = (presence: 'online' | 'busy' | 'dnd' | 'offline') => decode(trayIconPng(presence, 32)).at(21, 27);
  const [r1, g1] = dot('online');
  assert.ok(g1! > 150 && r1! < 80, 'online is green');
  const [r2, g2] = dot('busy');
  assert.ok(r2! > 180 && g2! < 90, 'busy is red');
  const [r3, g3, b3] = dot('offline');
  assert.ok(Math.abs(r3! - g3!) < 10 && Math.abs(g3! - b3!) < 10, 'offline is grey');
  const { width, height, at } = decode(trayIconPng('dnd', 32));
  assert.deepEqual([width, height], [32, 32]);
  assert.deepEqual(at(24, 24).slice(0, 3), [255, 255, 255], 'DND carries a white bar');
  assert.equal(at(0, 0)[3], 0, 'transparent around the glyph');
});

test('macOS template icons are black and transparent only, and still tell the presences apart', () => {
  for (const presence of ['online', 'busy', 'dnd', 'offline'] as const) {
    const { at } = decode(trayTemplatePng(presence, 32));
    for (let y = 0; y < 32; y += 3) {
      for (let x = 0; x < 32; x += 3) {
        const [r, g, b] = at(x, y);
        assert.deepEqual([r, g, b], [0, 0, 0], `${presence} (${x},${y}) is black or transparent`);
      }
    }
  }
  const dot = (p: 'online' | 'busy' | 'offline') => decode(trayTemplatePng(p, 32)).at(23, 23)[3];
  assert.ok(dot('online')! > 0, 'online: a filled dot');
  assert.equal(dot('busy'), 0, 'busy: a ring (hole in the middle)');
  assert.equal(dot('offline'), 0, 'offline: no dot');
});

test('the Windows .ico carries every size as a PNG entry', () => {
  const pngs = [16, 32, 48].map((size) => ({ size, png: trayIconPng('online', size) }));
  const ico = icoFromPngs(pngs);
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], [0, 1, 3]);
  pngs.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    assert.equal(ico.readUInt8(e), size);
    const len = ico.readUInt32LE(e + 8);
    const off = ico.readUInt32LE(e + 12);
    assert.ok(ico.subarray(off, off + len).equals(png), `entry ${size} is the PNG`);
  });
});
