export type Fit = 'cover' | 'contain' | 'inside' | 'outside' | 'fill';
export const FITS: readonly Fit[] = ['cover', 'contain', 'inside', 'outside', 'fill'];

/**
 * Where `fit=cover` cuts: a compass point (the side or corner kept), or one of sharp's strategies:
 * `entropy` keeps the busiest region, `attention` the one most likely to draw the eye (skin, saturated
 * colour, luminance); `focal` the image's own focal point (the centre when it has none).
 */
export type Position =
  | 'center'
  | 'north'
  | 'northeast'
  | 'east'
  | 'southeast'
  | 'south'
  | 'southwest'
  | 'west'
  | 'northwest'
  | 'entropy'
  | 'attention'
  | 'focal';
export const POSITIONS: readonly Position[] = [
  'center',
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  'entropy',
  'attention',
  'focal',
];

/** Width and height a resize will produce (sharp's rules; no enlargement unless asked). */
export function outputSize(
  source: { width: number; height: number },
  box: { width: number | null; height: number | null },
  fit: Fit,
  enlarge: boolean,
): { width: number; height: number } {
  const { width: sw, height: sh } = source;
  let width = box.width ?? Math.round((sw * (box.height ?? sh)) / sh);
  let height = box.height ?? Math.round((sh * (box.width ?? sw)) / sw);
  if (box.width !== null && box.height !== null && (fit === 'inside' || fit === 'outside')) {
    const scale = fit === 'inside' ? Math.min(box.width / sw, box.height / sh) : Math.max(box.width / sw, box.height / sh);
    width = Math.round(sw * scale);
    height = Math.round(sh * scale);
  }
  if (!enlarge && (width > sw || height > sh)) {
    const shrink = Math.min(sw / width, sh / height);
    if (fit === 'inside' || fit === 'outside' || box.width === null || box.height === null) {
      width = Math.round(width * shrink);
      height = Math.round(height * shrink);
    } else {
      width = Math.min(width, sw);
      height = Math.min(height, sh);
    }
  }
  return { width: Math.max(1, width), height: Math.max(1, height) };
}
