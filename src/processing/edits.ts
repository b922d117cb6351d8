import { InvalidInput } from '../errors.js';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Rotation = 0 | 90 | 180 | 270;
export const ROTATIONS: readonly Rotation[] = [90, 180, 270];
/** Mirror left-right (`h`), top-bottom (`v`) or both. */
export type Flip = 'h' | 'v' | 'hv';
export const FLIPS: readonly Flip[] = ['h', 'v', 'hv'];

/**
 * The edits a variant may ask for besides its size. They are applied in one fixed order: crop (in
 * pixels of the upright original), rotate (clockwise), flip, trim, then the resize and its crop
 * position; after it grayscale, pad, blur and sharpen; background fills the pad, contain's
 * letterbox and (flattened) transparency.
 */
export interface Edits {
  crop: Rect | null;
  rotate: Rotation;
  flip: Flip | null;
  /** Threshold (1–255) of the uniform border trim removes; null: no trim. */
  trim: number | null;
  /** Gaussian blur sigma in output pixels; null: none. */
  blur: number | null;
  /** Sharpen sigma in output pixels; null: none. */
  sharpen: number | null;
  grayscale: boolean;
  /** Pixels added on every side, in CSS pixels (multiplied by dpr); 0: none. */
  pad: number;
  /** `rrggbb` or `rrggbbaa`, lower case; null: transparent where the format has alpha. */
  background: string | null;
}

export const NO_EDITS: Edits = {
  crop: null,
  rotate: 0,
  flip: null,
  trim: null,
  blur: null,
  sharpen: null,
  grayscale: false,
  pad: 0,
  background: null,
};

/** Above this, blur sigma × output megapixels is refused before rendering (a sigma-100 blur of 16 MP takes seconds). */
export const MAX_BLUR_COST = 400;

/** `x,y,w,h` as the query gives it (the schema has checked the shape). */
export function parseCrop(text: string): Rect {
  const [left, top, width, height] = text.split(',').map(Number) as [number, number, number, number];
  return { left, top, width, height };
}

/** The query parameters of the edits, in their fixed order, defaults left out (links made before edits keep their form). */
export function editsQuery(edits: Edits): string[] {
  const parts: string[] = [];
  if (edits.crop) parts.push(`crop=${edits.crop.left},${edits.crop.top},${edits.crop.width},${edits.crop.height}`);
  if (edits.rotate !== 0) parts.push(`rotate=${edits.rotate}`);
  if (edits.flip) parts.push(`flip=${edits.flip}`);
  if (edits.trim !== null) parts.push(`trim=${edits.trim}`);
  if (edits.blur !== null) parts.push(`blur=${edits.blur}`);
  if (edits.sharpen !== null) parts.push(`sharpen=${edits.sharpen}`);
  if (edits.grayscale) parts.push('grayscale=true');
  if (edits.pad !== 0) parts.push(`pad=${edits.pad}`);
  if (edits.background !== null) parts.push(`background=${edits.background}`);
  return parts;
}

/** The edits' part of a variant cache key, with the pad already in device pixels; "" when there are none. */
export function editsKey(edits: Edits, padPixels: number): string {
  let key = '';
  if (edits.crop) key += `-c${edits.crop.left}_${edits.crop.top}_${edits.crop.width}_${edits.crop.height}`;
  if (edits.rotate !== 0) key += `-r${edits.rotate}`;
  if (edits.flip) key += `-f${edits.flip}`;
  if (edits.trim !== null) key += `-t${edits.trim}`;
  if (edits.blur !== null) key += `-b${edits.blur}`;
  if (edits.sharpen !== null) key += `-s${edits.sharpen}`;
  if (edits.grayscale) key += '-g';
  if (padPixels !== 0) key += `-p${padPixels}`;
  if (edits.background !== null) key += `-bg${edits.background}`;
  return key;
}

/**
 * Refuses edits that cannot apply to this source, before any decoding: a crop outside the upright
 * image, a trim of an animation (libvips trims one frame).
 */
export function checkEdits(edits: Edits, source: { width: number; height: number; animated: boolean }): void {
  const { crop } = edits;
  if (crop && (crop.width < 1 || crop.height < 1 || crop.left + crop.width > source.width || crop.top + crop.height > source.height)) {
    throw new InvalidInput({
      crop: [
        `The rectangle ${crop.left},${crop.top},${crop.width},${crop.height} (x,y,w,h) is not inside the ` +
          `${source.width}×${source.height} image.`,
      ],
    });
  }
  if (edits.trim !== null && source.animated) {
    throw new InvalidInput({ trim: ['Not for animated images: the border of one frame is not the border of the others.'] });
  }
}

type Size = { width: number; height: number };
type Point = { x: number; y: number };

/** The size after crop and rotation (what resize sees, before trim). */
export function editedSize(size: Size, edits: Pick<Edits, 'crop' | 'rotate'>): Size {
  const cropped = edits.crop ? { width: edits.crop.width, height: edits.crop.height } : size;
  return edits.rotate === 90 || edits.rotate === 270 ? { width: cropped.height, height: cropped.width } : cropped;
}

/** A point of an image of `size` after a clockwise rotation (continuous coordinates). */
function rotatePoint(point: Point, size: Size, rotate: Rotation): Point {
  switch (rotate) {
    case 0:
      return point;
    case 90:
      return { x: size.height - point.y, y: point.x };
    case 180:
      return { x: size.width - point.x, y: size.height - point.y };
    case 270:
      return { x: point.y, y: size.width - point.x };
  }
}

function flipPoint(point: Point, size: Size, flip: Flip | null): Point {
  return {
    x: flip === 'h' || flip === 'hv' ? size.width - point.x : point.x,
    y: flip === 'v' || flip === 'hv' ? size.height - point.y : point.y,
  };
}

/** Where a point of the whole upright image lands after rotate and flip (no crop). */
function orientPoint(point: Point, size: Size, edits: Pick<Edits, 'rotate' | 'flip'>): Point {
  const rotated = rotatePoint(point, size, edits.rotate);
  return flipPoint(rotated, editedSize(size, { crop: null, rotate: edits.rotate }), edits.flip);
}

/**
 * A focal point (fractions of the upright original) as fractions of the edited image: moved into the
 * crop when outside it, then rotated and flipped with the image.
 */
export function editedFocal(focal: Point, size: Size, edits: Pick<Edits, 'crop' | 'rotate' | 'flip'>): Point {
  const crop = edits.crop ?? { left: 0, top: 0, ...size };
  const inside = {
    x: Math.min(Math.max(focal.x * size.width, crop.left), crop.left + crop.width) - crop.left,
    y: Math.min(Math.max(focal.y * size.height, crop.top), crop.top + crop.height) - crop.top,
  };
  const cropSize = { width: crop.width, height: crop.height };
  const moved = orientPoint(inside, cropSize, edits);
  const result = editedSize(cropSize, { crop: null, rotate: edits.rotate });
  return { x: moved.x / result.width, y: moved.y / result.height };
}

/**
 * The same crop, rotation and flip as sharp can run them. sharp mirrors before it rotates, and does
 * both before its pre-resize extract only when a rotation is asked: so the wanted map (flip after
 * rotate) is written as one mirror followed by a rotation that is not 0 whenever the map is not the
 * identity (a lone top-bottom mirror is a left-right one turned 180°), and the crop rectangle is moved
 * to where it lies after them.
 */
export function sharpOrientation(
  size: Size,
  edits: Pick<Edits, 'crop' | 'rotate' | 'flip'>,
): { angle: Rotation; mirror: 'none' | 'vertical' | 'horizontal'; extract: Rect | null } {
  // With H, V the mirrors and R a clockwise rotation: H∘R(θ) = R(180−θ)∘V, V∘R(θ) = R(−θ)∘V, H∘V = R(180).
  const theta: number = edits.rotate;
  let [angle, mirror]: [number, 'none' | 'vertical' | 'horizontal'] =
    edits.flip === 'h'
      ? [180 - theta, 'vertical']
      : edits.flip === 'v'
        ? [-theta, 'vertical']
        : edits.flip === 'hv'
          ? [theta + 180, 'none']
          : [theta, 'none'];
  angle = ((angle % 360) + 360) % 360;
  if (angle === 0 && mirror === 'vertical') [angle, mirror] = [180, 'horizontal'];
  let extract: Rect | null = null;
  if (edits.crop) {
    const { left, top, width, height } = edits.crop;
    const a = orientPoint({ x: left, y: top }, size, edits);
    const b = orientPoint({ x: left + width, y: top + height }, size, edits);
    extract = { left: Math.min(a.x, b.x), top: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
  }
  return { angle: angle as Rotation, mirror, extract };
}

/** `rrggbb[aa]` as sharp's colour object. */
export function colour(hex: string): { r: number; g: number; b: number; alpha: number } {
  const byte = (index: number) => parseInt(hex.slice(index, index + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: hex.length === 8 ? byte(6) / 255 : 1 };
}
