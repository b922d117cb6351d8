import sharp from 'sharp';

/** A photo-like JPEG (noisy, so that compression and damage behave as on real photos). */
export async function noisyJpeg(width = 400, height = 300, quality = 90): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 256;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** The same JPEG with bytes in the middle of its entropy-coded data flipped: libjpeg warns, then decodes garbage blocks. */
export function withCorruptScan(jpeg: Buffer): Buffer {
  const damaged = Buffer.from(jpeg);
  const middle = Math.floor(jpeg.length * 0.5);
  for (let i = 0; i < 40; i++) damaged[middle + i * 3] = damaged[middle + i * 3]! ^ 0x5a;
  return damaged;
}

export function truncated(file: Buffer, fraction: number): Buffer {
  return file.subarray(0, Math.floor(file.length * fraction));
}

export type TiffEntry = [tag: number, type: number, count: number, value: number];

export interface TiffOptions {
  /** Extra IFD entries (tag, type, count, inline value). */
  extra?: TiffEntry[];
  /** Tags of the baseline set to leave out. */
  without?: number[];
}

/**
 * An 8×8 uncompressed RGB TIFF written by hand, so that its directory can carry what encoders do not
 * write: private tags with odd counts, ASCII without its NUL, a missing StripByteCounts.
 */
export function handMadeTiff(options: TiffOptions = {}): Buffer {
  const width = 8;
  const height = 8;
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  const BITS = 258;
  const OFFSETS = 273;
  const baseline: TiffEntry[] = [
    [256, 3, 1, width],
    [257, 3, 1, height],
    [BITS, 3, 3, 0],
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [OFFSETS, 4, 1, 0],
    [277, 3, 1, 3],
    [278, 3, 1, height],
    [279, 4, 1, pixels.length],
    [284, 3, 1, 1],
  ];
  const entries = [...baseline.filter(([tag]) => !options.without?.includes(tag)), ...(options.extra ?? [])].sort((a, b) => a[0] - b[0]);
  const ifd = 8;
  const bits = ifd + 2 + entries.length * 12 + 4;
  const data = bits + 6;
  const file = Buffer.alloc(data + pixels.length);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(ifd, 4);
  file.writeUInt16LE(entries.length, ifd);
  entries.forEach(([tag, type, count, value], index) => {
    const at = ifd + 2 + index * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(count, at + 4);
    if (tag === BITS) file.writeUInt32LE(bits, at + 8);
    else if (tag === OFFSETS) file.writeUInt32LE(data, at + 8);
    else if (type === 3) file.writeUInt16LE(value, at + 8);
    else file.writeUInt32LE(value, at + 8);
  });
  for (let i = 0; i < 3; i++) file.writeUInt16LE(8, bits + i * 2);
  pixels.copy(file, data);
  return file;
}

/** A solid-colour image in the given format. */
export function solid(
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff',
  width: number,
  height: number,
  colour: string,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer();
}

/** Decodes strictly (libvips warnings are errors): throws on anything a careful decoder would complain about. */
export async function decodesStrictly(file: Buffer): Promise<{ width: number; height: number }> {
  const { info } = await sharp(file, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}
