import { drawPng, type Rgba } from './png.js';
import type { Presence } from './SelfState.js';

const COLORS: Record<Presence, Rgba> = {
  online: [34, 170, 85, 1],
  busy: [220, 60, 50, 1],
  dnd: [200, 40, 40, 1],
  offline: [140, 140, 140, 1],
};
const WHITE: Rgba = [255, 255, 255, 1];
const CAMERA: Rgba = [30, 110, 220, 1];

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
