import { InvalidInput } from '../errors.js';
import { MAX_BLUR_COST } from './edits.js';
import { FORMATS, type EncodableFormat } from './formats.js';
import { outputSize, type Fit } from './geometry.js';

/**
 * How much more an encoder costs per output pixel than JPEG, measured on this project's machine
 * (ms per output megapixel, from a 1024×1024 photo): JPEG 91, PNG 52, WebP 108, animated WebP 48,
 * AVIF 346, animated GIF 108 to 312, still GIF 1,348 (palette quantization). GIF's weight covers its
 * worst case; see docs/reliability.md.
 */
export const ENCODER_WEIGHT: Readonly<Record<EncodableFormat, number>> = { jpeg: 1, png: 1, webp: 1, avif: 3, gif: 8 };

export interface RenderBudget {
  /** Width × height × frames × encoder weight that one render may produce. */
  maxOutputPixels: number;
  /** Largest factor by which a variant may enlarge its source. */
  maxEnlargement: number;
}

export interface RenderShape {
  source: { width: number; height: number; frames: number; animated: boolean };
  /** The box in device pixels (dpr applied, capped at the largest variant dimension). */
  box: { width: number | null; height: number | null };
  fit: Fit;
  format: EncodableFormat;
  enlarge: boolean;
  /** Device pixels added on every side. */
  pad: number;
  /** Blur sigma (its cost grows with it), or null. */
  blur: number | null;
}

/**
 * Refuses, before any decoding, a variant whose output would cost more than the budget: too many
 * pixels (every frame counted, weighted by its encoder) or too large an enlargement. The error names
 * the parameter to change.
 */
export function checkRenderCost(shape: RenderShape, budget: RenderBudget): void {
  const { source, box, format } = shape;
  const resized = outputSize(source, box, shape.fit, shape.enlarge);
  const size = { width: resized.width + 2 * shape.pad, height: resized.height + 2 * shape.pad };
  const sizeField = box.width !== null ? 'w' : box.height !== null ? 'h' : 'format';
  if (shape.enlarge) {
    const factor = Math.max(size.width / source.width, size.height / source.height);
    if (factor > budget.maxEnlargement) {
      throw new InvalidInput({
        enlarge: [
          `Enlarging ${factor.toFixed(1)}× (${source.width}×${source.height} to ${size.width}×${size.height}) ` +
            `exceeds the limit of ${budget.maxEnlargement}×.`,
        ],
      });
    }
  }
  if (shape.blur !== null && (shape.blur * size.width * size.height) / 1e6 > MAX_BLUR_COST) {
    throw new InvalidInput({
      blur: [
        `A blur of ${shape.blur} over ${size.width}×${size.height} pixels costs too much: sigma × megapixels may be at most ` +
          `${MAX_BLUR_COST}. Ask for a smaller blur or size.`,
      ],
    });
  }
  const frames = source.animated && FORMATS[format].canAnimate ? source.frames : 1;
  const weighted = size.width * size.height * frames * ENCODER_WEIGHT[format];
  if (weighted > budget.maxOutputPixels) {
    const framesText = frames > 1 ? ` × ${frames} frames` : '';
    throw new InvalidInput({
      [sizeField]: [
        `The variant would be ${size.width}×${size.height}${framesText} in ${format.toUpperCase()}, which costs as much as ` +
          `${weighted} pixels; the limit is ${budget.maxOutputPixels}. Ask for a smaller size or another format.`,
      ],
    });
  }
}
