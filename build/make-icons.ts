// Generates the app icons electron-builder packs (build/icon.png, build/icons/NxN.png for Linux) and the
// 256 px Windows icon source. Run: node --import tsx build/make-icons.ts (outputs are committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawPng, type Rgba } from '../main/services/png.js';

const here = dirname(fileURLToPath(import.meta.url));

function inRoundedRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

/** Blue rounded square with a white video-camera glyph and a green "online" dot. */
function appIcon(size: number): Buffer {
  return drawPng(size, (x, y) => {
    if (!inRoundedRect(x, y, 0.04, 0.04, 0.96, 0.96, 0.2)) return null;
    const dot = Math.hypot(x - 0.74, y - 0.28);
    if (dot <= 0.1) return dot > 0.075 ? [255, 255, 255, 1] : [46, 204, 113, 1];
    const body = inRoundedRect(x, y, 0.2, 0.36, 0.6, 0.68, 0.06);
    const cone = x > 0.6 && x <= 0.82 && Math.abs(y - 0.52) <= 0.06 + (x - 0.6) * 0.7 && y >= 0.36 && y <= 0.68;
    if (body || cone) return [255, 255, 255, 1];
    const t = y;
    const bg: Rgba = [Math.round(52 - 26 * t), Math.round(132 - 56 * t), Math.round(246 - 50 * t), 1];
    return bg;
  });
}

function write(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  console.log(`wrote ${path} (${data.length} bytes)`);
}

write(join(here, 'icon.png'), appIcon(1024));
for (const size of [16, 32, 48, 64, 128, 256, 512]) write(join(here, 'icons', `${size}x${size}.png`), appIcon(size));
