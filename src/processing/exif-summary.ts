import exifr from 'exifr';
import type { ExifSummary } from '../schemas/images.js';

export type { ExifSummary };

const PICKED = ['Make', 'Model', 'LensModel', 'DateTimeOriginal', 'ExposureTime', 'FNumber', 'ISO', 'FocalLength'];

function exifDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}` : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.replace(/\0/g, '').trim().slice(0, 100) : undefined;
}

/**
 * The summary of an upload's EXIF block, as the probe's metadata read found it (no second read of
 * the file); null when it has none worth showing. The block is a TIFF structure after its
 * `Exif\0\0` name, which exifr reads as such.
 */
export async function summariseExif(exif: Buffer | null, includeLocation: boolean): Promise<ExifSummary | null> {
  if (!exif) return null;
  const block = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(block, {
      pick: includeLocation
        ? [...PICKED, 'latitude', 'longitude', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef']
        : PICKED,
      reviveValues: false,
      gps: includeLocation,
      translateValues: false,
    });
  } catch {
    return null;
  }
  if (!tags) return null;
  const summary: ExifSummary = {};
  const make = text(tags.Make);
  const model = text(tags.Model);
  if (model) summary.camera = make && !model.toLowerCase().startsWith(make.toLowerCase().split(' ')[0]!) ? `${make} ${model}` : model;
  else if (make) summary.camera = make;
  const lens = text(tags.LensModel);
  if (lens) summary.lens = lens;
  const takenAt = exifDate(tags.DateTimeOriginal);
  if (takenAt) summary.taken_at = takenAt;
  const parts: string[] = [];
  if (typeof tags.ExposureTime === 'number')
    parts.push(tags.ExposureTime < 1 ? `1/${Math.round(1 / tags.ExposureTime)} s` : `${tags.ExposureTime} s`);
  if (typeof tags.FNumber === 'number') parts.push(`f/${tags.FNumber}`);
  if (typeof tags.ISO === 'number') parts.push(`ISO ${tags.ISO}`);
  if (typeof tags.FocalLength === 'number') parts.push(`${tags.FocalLength} mm`);
  if (parts.length > 0) summary.exposure = parts.join(', ');
  if (includeLocation && typeof tags.latitude === 'number' && typeof tags.longitude === 'number') {
    summary.location = { latitude: tags.latitude, longitude: tags.longitude };
  }
  return Object.keys(summary).length > 0 ? summary : null;
}
