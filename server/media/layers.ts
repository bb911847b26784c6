/**
 * Simulcast / SVC layer choice for a video tile. The SDK sends three layers at 1/4, 1/2 and full size of
 * the camera (a 720p camera: 180p, 360p, 720p); a tile gets the smallest layer at least about as tall as
 * it is shown, so a thumbnail never pulls the full-size stream.
 */
export const LAYER_HEIGHTS = [200, 400] as const;

/** The spatial layer (0 = smallest) for a tile `height` CSS pixels tall, of `layers` available; unknown → top. */
export function layerForTile(height: number | undefined, layers: number): number {
  const top = Math.max(0, layers - 1);
  if (height === undefined) return top;
  let layer = 0;
  while (layer < LAYER_HEIGHTS.length && height > (LAYER_HEIGHTS[layer] as number)) layer++;
  return Math.min(layer, top);
}
