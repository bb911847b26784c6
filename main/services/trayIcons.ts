import type { Presence } from '../../sdk/ClientState.js';
import { drawPng, type Rgba } from './png.js';

const COLORS: Record<Presence, Rgba> = {
  online: [34, 170, 85, 1],
  busy: [220, 60, 50, 1],
  dnd: [200, 40, 40, 1],
  offline: [140, 140, 140, 1],
};
const WHITE: Rgba = [255, 255, 255, 1];
const CAMERA: Rgba = [30, 110, 220, 1];

const BLACK: Rgba = [0, 0, 0, 1];

/**
 * The macOS menu-bar variant (a Template image: black and transparency only, which macOS tints for light
 * and dark menu bars): the camera glyph, and the presence as a shape — a full dot online, a dot with a
 * bar for do-not-disturb, a ring for busy, nothing offline.
 */
export function trayTemplatePng(presence: Presence, size: number): Buffer {
  return drawPng(size, (x, y) => {
    const dx = x - 0.74;
    const dy = y - 0.74;
    const d = Math.hypot(dx, dy);
    if (d <= 0.26) {
      if (presence === 'offline' || d > 0.2) return null;
      if (presence === 'dnd' && Math.abs(dy) < 0.045 && Math.abs(dx) < 0.13) return null;
      if (presence === 'busy' && d < 0.11) return null;
      return BLACK;
    }
    if (x >= 0.06 && x <= 0.6 && y >= 0.22 && y <= 0.62) return BLACK;
    if (x > 0.6 && x <= 0.9 && y >= 0.42 - (x - 0.6) * 0.55 && y <= 0.42 + (x - 0.6) * 0.55 && y <= 0.62) {
      return BLACK;
    }
    return null;
  });
}

/**
 * A Windows .ico holding PNG images (Vista and later read PNG entries), for the tray where Windows
 * wants ICO to pick the right size itself.
 */
export function icoFromPngs(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // width (0 = 256)
    header.writeUInt8(size >= 256 ? 0 : size, e + 1); // height
    header.writeUInt8(0, e + 2); // no palette
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/**
 * The tray icon for a presence, as PNG: a blue video-camera glyph with a presence dot in the lower right
 * (green online, red busy, red with a white bar for do-not-disturb, grey ring offline).
 */
export function trayIconPng(presence: Presence, size: number): Buffer {
  const dot = COLORS[presence];
  return drawPng(size, (x, y) => {
    // presence dot: centre (0.74, 0.74), radius 0.26, white outline
    const dx = x - 0.74;
    const dy = y - 0.74;
    const d = Math.hypot(dx, dy);
    if (d <= 0.26) {
      if (d > 0.2) return WHITE;
      if (presence === 'dnd' && Math.abs(dy) < 0.045 && Math.abs(dx) < 0.13) return WHITE;
      if (presence === 'offline' && d < 0.12) return WHITE;
      return dot;
    }
    // camera body and lens cone
    if (x >= 0.06 && x <= 0.6 && y >= 0.22 && y <= 0.62) return CAMERA;
    if (x > 0.6 && x <= 0.9 && y >= 0.42 - (x - 0.6) * 0.55 && y <= 0.42 + (x - 0.6) * 0.55 && y <= 0.62) {
      return CAMERA;
    }
    return null;
  });
}
