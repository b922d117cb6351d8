import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Lossless metadata removal: the image data is copied byte for byte, only the containers'
 * metadata blocks (EXIF, XMP, IPTC, comments, text chunks, trailing data) are left out. Colour
 * profiles and everything needed to decode and animate are kept. Works from a file with bounded
 * memory: a plan of byte ranges to keep is built from the headers, then copied.
 */

type Piece = { start: number; end: number } | Buffer;

export class MalformedContainerError extends Error {}

const WINDOW = 64 * 1024;
/** Scan data is walked through in larger reads: 64 KB windows were 80 reads (and buffers) per 5 MB JPEG. */
const SCAN_WINDOW = 1024 * 1024;

/**
 * Random-access reads over a file, with one read-ahead window so that walking small blocks stays cheap.
 * The reads are synchronous: the file is an upload just written to local temporary storage, so they
 * are copies from the page cache (microseconds for 64 KB), where each asynchronous read waited for a
 * turn of a busy event loop (tens of milliseconds per upload under load).
 */
class FileReader {
  private windowStart = 0;
  private window = Buffer.alloc(0);

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  async bytes(position: number, length: number): Promise<Buffer> {
    if (position < 0 || position + length > this.size) throw new MalformedContainerError('unexpected end of file');
    if (position < this.windowStart || position + length > this.windowStart + this.window.length) {
      const size = Math.min(Math.max(length, WINDOW), this.size - position);
      // Every byte is overwritten by the read; only what it returns is used.
      const buffer = Buffer.allocUnsafe(size);
      const bytesRead = readSync(this.fd, buffer, 0, size, position);
      this.windowStart = position;
      this.window = buffer.subarray(0, bytesRead);
      if (bytesRead < length) throw new MalformedContainerError('unexpected end of file');
    }
    return this.window.subarray(position - this.windowStart, position - this.windowStart + length);
  }

  async byte(position: number): Promise<number> {
    return (await this.bytes(position, 1))[0]!;
  }
}

// ---- JPEG ----

/** A minimal EXIF block holding only the orientation, so that viewers still show the picture upright. */
function orientationOnlyExif(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

async function keepJpegAppSegment(reader: FileReader, marker: number, dataStart: number, dataLength: number): Promise<boolean> {
  const signature = (length: number) => reader.bytes(dataStart, Math.min(length, dataLength)).then((b) => b.toString('latin1'));
  if (marker === 0xe0) return (await signature(5)) === 'JFIF\0'; // JFXX carries a thumbnail
  if (marker === 0xe2) return (await signature(12)) === 'ICC_PROFILE\0';
  if (marker === 0xee) return (await signature(5)) === 'Adobe'; // colour transform flag, needed to decode
  return false;
}

async function planJpeg(reader: FileReader, orientation: number): Promise<Piece[]> {
  if ((await reader.bytes(0, 2)).readUInt16BE(0) !== 0xffd8) throw new MalformedContainerError('not a JPEG');
  const pieces: Piece[] = [{ start: 0, end: 2 }];
  let position = 2;
  let insertedOrientation = orientation < 2 || orientation > 8;
  for (;;) {
    if ((await reader.byte(position)) !== 0xff) throw new MalformedContainerError('expected a JPEG marker');
    let marker = await reader.byte(position + 1);
    while (marker === 0xff) marker = await reader.byte(++position + 1);
    const segmentStart = position;
    if (marker === 0xd9) {
      pieces.push({ start: segmentStart, end: segmentStart + 2 });
      return pieces; // anything after the end of the image (e.g. MPF secondary images) is left out
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pieces.push({ start: segmentStart, end: segmentStart + 2 });
      position += 2;
      continue;
    }
    const length = (await reader.bytes(position + 2, 2)).readUInt16BE(0);
    if (length < 2) throw new MalformedContainerError('bad JPEG segment length');
    const segmentEnd = position + 2 + length;
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const keep = marker === 0xfe ? false : isApp ? await keepJpegAppSegment(reader, marker, position + 4, length - 2) : true;
    if (!insertedOrientation && !(marker === 0xe0 && keep)) {
      pieces.push(orientationOnlyExif(orientation));
      insertedOrientation = true;
    }
    if (keep) pieces.push({ start: segmentStart, end: segmentEnd });
    position = segmentEnd;
    if (marker === 0xda) {
      // Entropy-coded data follows the scan header: copy it up to the next real marker.
      const dataEnd = await findJpegMarkerAfterScan(reader, position);
      pieces.push({ start: position, end: dataEnd });
      position = dataEnd;
    }
  }
}

/** In scan data, 0xFF is followed by 0x00 (stuffing) or a restart marker; anything else ends the scan. */
async function findJpegMarkerAfterScan(reader: FileReader, from: number): Promise<number> {
  let position = from;
  while (position < reader.size - 1) {
    const chunk = await reader.bytes(position, Math.min(SCAN_WINDOW, reader.size - position));
    let index = chunk.indexOf(0xff);
    while (index !== -1 && index < chunk.length - 1) {
      const next = chunk[index + 1]!;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return position + index;
      index = chunk.indexOf(0xff, index + 1);
    }
    position += Math.max(1, chunk.length - 1);
  }
  throw new MalformedContainerError('JPEG scan data runs to the end of the file');
}

// ---- PNG ----

const PNG_KEPT_CHUNKS = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'sBIT',
  'pHYs',
  'bKGD',
  'hIST',
  'acTL',
  'fcTL',
  'fdAT',
  'cICP',
  'mDCV',
  'cLLI',
]);

async function planPng(reader: FileReader): Promise<Piece[]> {
  const pieces: Piece[] = [{ start: 0, end: 8 }];
  let position = 8;
  for (;;) {
    const header = await reader.bytes(position, 8);
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    const end = position + 12 + length;
    if (end > reader.size) throw new MalformedContainerError('PNG chunk runs past the end');
    if (PNG_KEPT_CHUNKS.has(type)) pieces.push({ start: position, end });
    if (type === 'IEND') return pieces;
    position = end;
  }
}

// ---- WebP ----

const WEBP_KEPT_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

async function planWebp(reader: FileReader): Promise<Piece[]> {
  const riff = await reader.bytes(0, 12);
  if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WEBP')
    throw new MalformedContainerError('not a WebP');
  const riffEnd = Math.min(reader.size, 8 + riff.readUInt32LE(4));
  const body: Piece[] = [];
  let bodyLength = 0;
  let position = 12;
  while (position + 8 <= riffEnd) {
    const header = await reader.bytes(position, 8);
    const type = header.toString('latin1', 0, 4);
    const size = header.readUInt32LE(4);
    const end = position + 8 + size + (size % 2);
    if (end > reader.size) throw new MalformedContainerError('WebP chunk runs past the end');
    if (type === 'VP8X') {
      const chunk = Buffer.from(await reader.bytes(position, end - position));
      chunk[8] = chunk[8]! & ~(VP8X_EXIF | VP8X_XMP);
      body.push(chunk);
      bodyLength += chunk.length;
    } else if (WEBP_KEPT_CHUNKS.has(type)) {
      body.push({ start: position, end });
      bodyLength += end - position;
    }
    position = end;
  }
  const header = Buffer.from(riff);
  header.writeUInt32LE(4 + bodyLength, 4);
  return [header, ...body];
}

// ---- GIF ----

async function skipSubBlocks(reader: FileReader, from: number): Promise<number> {
  let position = from;
  for (;;) {
    const length = await reader.byte(position);
    position += 1 + length;
    if (length === 0) return position;
  }
}

const GIF_KEPT_APPLICATIONS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0', 'ICCRGBG1012']);

async function planGif(reader: FileReader): Promise<Piece[]> {
  const header = await reader.bytes(0, 13);
  if (!header.toString('latin1', 0, 3).startsWith('GIF')) throw new MalformedContainerError('not a GIF');
  const packed = header[10]!;
  let position = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  const pieces: Piece[] = [{ start: 0, end: position }];
  for (;;) {
    const introducer = await reader.byte(position);
    if (introducer === 0x3b) {
      pieces.push({ start: position, end: position + 1 });
      return pieces;
    }
    if (introducer === 0x2c) {
      const descriptor = await reader.bytes(position, 10);
      const flags = descriptor[9]!;
      const tableEnd = position + 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
      const end = await skipSubBlocks(reader, tableEnd + 1);
      pieces.push({ start: position, end });
      position = end;
    } else if (introducer === 0x21) {
      const label = await reader.byte(position + 1);
      const end = await skipSubBlocks(reader, position + 2);
      let keep = label === 0xf9 || label === 0x01;
      if (label === 0xff) {
        const identifier = await reader.bytes(position + 3, 11);
        keep = GIF_KEPT_APPLICATIONS.has(identifier.toString('latin1'));
      }
      if (keep) pieces.push({ start: position, end });
      position = end;
    } else {
      throw new MalformedContainerError('unexpected GIF block');
    }
  }
}

// ---- writing ----

export interface WrittenFile {
  sha256: string;
  bytes: number;
}

/** Copies the planned pieces into `outputPath`, hashing what is written. */
async function writePlan(input: number, pieces: Piece[], outputPath: string): Promise<WrittenFile> {
  const output = await open(outputPath, 'wx');
  const hash = createHash('sha256');
  let bytes = 0;
  const buffer = Buffer.alloc(1024 * 1024);
  try {
    for (const piece of pieces) {
      if (Buffer.isBuffer(piece)) {
        await output.write(piece);
        hash.update(piece);
        bytes += piece.length;
        continue;
      }
      for (let position = piece.start; position < piece.end;) {
        const bytesRead = readSync(input, buffer, 0, Math.min(buffer.length, piece.end - position), position);
        if (bytesRead === 0) throw new MalformedContainerError('unexpected end of file');
        const chunk = buffer.subarray(0, bytesRead);
        await output.write(chunk);
        hash.update(chunk);
        bytes += bytesRead;
        position += bytesRead;
      }
    }
  } finally {
    await output.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The plan writes the file as it is (every byte kept in order; rewritten headers the same as before). */
async function keepsWholeFile(reader: FileReader, pieces: Piece[]): Promise<boolean> {
  let next = 0;
  for (const piece of pieces) {
    if (Buffer.isBuffer(piece)) {
      if (next + piece.length > reader.size || !piece.equals(await reader.bytes(next, piece.length))) return false;
      next += piece.length;
    } else {
      if (piece.start !== next) return false;
      next = piece.end;
    }
  }
  return next === reader.size;
}

/**
 * Writes `inputPath` without its metadata to `outputPath`. For JPEG, an EXIF orientation other than
 * 1 is kept alone in a minimal EXIF block. Returns null, writing nothing, when the file holds
 * nothing to remove (a copy would be the same bytes). Throws MalformedContainerError on a file it
 * cannot walk.
 */
export async function stripMetadata(
  inputPath: string,
  outputPath: string,
  format: string,
  orientation: number,
): Promise<WrittenFile | null> {
  const input = openSync(inputPath, 'r');
  try {
    const reader = new FileReader(input, fstatSync(input).size);
    let pieces: Piece[];
    switch (format) {
      case 'jpeg':
        pieces = await planJpeg(reader, orientation);
        break;
      case 'png':
        pieces = await planPng(reader);
        break;
      case 'webp':
        pieces = await planWebp(reader);
        break;
      case 'gif':
        pieces = await planGif(reader);
        break;
      default:
        throw new MalformedContainerError(`no lossless metadata removal for ${format}`);
    }
    if (await keepsWholeFile(reader, pieces)) return null;
    return await writePlan(input, pieces, outputPath);
  } finally {
    closeSync(input);
  }
}
