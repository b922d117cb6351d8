import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { MalformedContainerError, stripMetadata } from '../src/processing/strip.js';
import { sha256, solid, tempDataDir } from '../testkit/index.js';

/** A segment of a JPEG: marker, two length bytes, payload. */
function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** The markers of a JPEG's segments, up to the start of scan. */
function jpegMarkers(file: Buffer): number[] {
  const markers: number[] = [];
  for (let at = 2; at < file.length;) {
    const marker = file[at + 1]!;
    markers.push(marker);
    if (marker === 0xda) break;
    at += 2 + file.readUInt16BE(at + 2);
  }
  return markers;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  // The CRC is not checked by the stripper; decoders treat a bad one in an ancillary chunk as ignorable.
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}

function pngChunkTypes(file: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at < file.length; at += 12 + file.readUInt32BE(at)) types.push(file.toString('latin1', at + 4, at + 8));
  return types;
}

function riffChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

describe('stripMetadata: container rewriting at the byte level', () => {
  let dir: string;
  let counter = 0;
  before(async () => {
    dir = await tempDataDir();
  });

  async function strip(bytes: Buffer, format: string, orientation = 1): Promise<Buffer> {
    const input = join(dir, `in-${++counter}`);
    const output = join(dir, `out-${counter}`);
    await writeFile(input, bytes);
    const written = await stripMetadata(input, output, format, orientation);
    // Nothing to remove: nothing written.
    if (written === null) return bytes;
    const result = await readFile(output);
    assert.equal(written.bytes, result.length);
    assert.equal(written.sha256, sha256(result));
    return result;
  }

  async function samePixels(a: Buffer, b: Buffer): Promise<void> {
    const [left, right] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
    assert.ok(left.equals(right), 'the pixels are untouched');
  }

  test('JPEG: EXIF, XMP, IPTC, comments and trailing data go; JFIF, ICC and Adobe stay; the scan is copied', async () => {
    const plain = await solid('jpeg', 32, 24, '#336699');
    const soi = plain.subarray(0, 2);
    const rest = plain.subarray(2);
    const withMetadata = Buffer.concat([
      soi,
      segment(0xe1, Buffer.from('Exif\0\0II*\0 serial number and GPS')),
      segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>')),
      segment(0xed, Buffer.from('Photoshop 3.0\0IPTC owner')),
      segment(0xfe, Buffer.from('a comment')),
      segment(0xe2, Buffer.from('ICC_PROFILE\0\x01\x01profile bytes', 'latin1')),
      rest,
      Buffer.from('MPF secondary image after EOI'),
    ]);
    const out = await strip(withMetadata, 'jpeg');
    assert.ok(!out.includes('serial number') && !out.includes('xmpmeta') && !out.includes('IPTC owner') && !out.includes('a comment'));
    assert.ok(!out.includes('MPF secondary'), 'nothing after EOI');
    assert.ok(out.includes('ICC_PROFILE'), 'the colour profile stays');
    assert.deepEqual(out.subarray(-2), Buffer.from([0xff, 0xd9]));
    assert.ok(!jpegMarkers(out).includes(0xe1) && !jpegMarkers(out).includes(0xfe) && !jpegMarkers(out).includes(0xed));
    await samePixels(out, plain);
  });

  test('a file without metadata is left as it is: nothing is written', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif'] as const) {
      const plain = await solid(format, 24, 16, '#336699');
      const input = join(dir, `clean-${++counter}`);
      const output = join(dir, `clean-out-${counter}`);
      await writeFile(input, plain);
      assert.equal(await stripMetadata(input, output, format, 1), null, format);
      await assert.rejects(readFile(output), { code: 'ENOENT' });
    }
  });

  test('JPEG: an orientation other than 1 survives alone, in a 32-byte EXIF block after JFIF', async () => {
    const oriented = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#000' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await strip(oriented, 'jpeg', 6);
    const app1 = out.indexOf(Buffer.from([0xff, 0xe1]));
    assert.ok(app1 > 0);
    assert.equal(out.readUInt16BE(app1 + 2), 2 + 32, 'a 32-byte block (the length field counts itself)');
    assert.equal((await sharp(out).metadata()).orientation, 6);
  });

  test('JPEG: malformed structures are refused, never read past the end', async () => {
    const plain = await solid('jpeg', 16, 16, '#fff');
    const cases: [string, Buffer][] = [
      ['no start of image', plain.subarray(2)],
      ['a segment length past the end', Buffer.concat([plain.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xf0]), Buffer.from('short')])],
      ['a segment length below 2', Buffer.concat([plain.subarray(0, 2), Buffer.from([0xff, 0xe1, 0x00, 0x01]), plain.subarray(2)])],
      ['no marker where one must be', Buffer.concat([plain.subarray(0, 2), Buffer.from([0x00, 0x11, 0x22]), plain.subarray(2)])],
      ['scan data running to the end', plain.subarray(0, plain.length - 2)],
    ];
    for (const [name, bytes] of cases) await assert.rejects(strip(bytes, 'jpeg'), MalformedContainerError, name);
  });

  test('PNG: text, time and EXIF chunks go; critical, colour and animation chunks stay', async () => {
    const plain = await solid('png', 20, 20, '#884422');
    const ihdrEnd = 8 + 12 + plain.readUInt32BE(8);
    const withMetadata = Buffer.concat([
      plain.subarray(0, ihdrEnd),
      pngChunk('tEXt', Buffer.from('Author\0Someone')),
      pngChunk('iTXt', Buffer.from('XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>')),
      pngChunk('eXIf', Buffer.from('MM\0*GPS')),
      pngChunk('tIME', Buffer.alloc(7)),
      pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
      pngChunk('prVt', Buffer.from('unknown private chunk')),
      plain.subarray(ihdrEnd),
    ]);
    const out = await strip(withMetadata, 'png');
    const types = pngChunkTypes(out);
    for (const gone of ['tEXt', 'iTXt', 'eXIf', 'tIME', 'prVt']) assert.ok(!types.includes(gone), `${gone} is removed`);
    assert.deepEqual([types[0], types.at(-1)], ['IHDR', 'IEND']);
    assert.ok(types.includes('gAMA') && types.includes('IDAT'));
    await samePixels(out, plain);
  });

  test('PNG: a chunk length past the end, or no IEND, is refused', async () => {
    const plain = await solid('png', 8, 8, '#000');
    const lying = Buffer.from(plain);
    lying.writeUInt32BE(0x7fffffff, 8);
    await assert.rejects(strip(lying, 'png'), MalformedContainerError);
    await assert.rejects(strip(plain.subarray(0, plain.length - 12), 'png'), MalformedContainerError);
  });

  test('WebP: EXIF and XMP chunks go, the VP8X flags and the RIFF size are rewritten', async () => {
    const plain = await sharp({ create: { width: 16, height: 16, channels: 4, background: '#ff000080' } })
      .webp({ lossless: true })
      .toBuffer();
    // Rebuild as an extended WebP (VP8X) with EXIF and XMP chunks and their flags set.
    const body = plain.subarray(12);
    const vp8x = Buffer.alloc(10);
    vp8x[0] = 0x08 | 0x04 | 0x10; // EXIF, XMP, alpha
    vp8x.writeUIntLE(15, 4, 3);
    vp8x.writeUIntLE(15, 7, 3);
    const chunks = Buffer.concat([
      riffChunk('VP8X', vp8x),
      body,
      riffChunk('EXIF', Buffer.from('II*\0secret')),
      riffChunk('XMP ', Buffer.from('<x:xmpmeta/>')),
    ]);
    const header = Buffer.alloc(12);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(chunks.length + 4, 4);
    header.write('WEBP', 8, 'latin1');
    const out = await strip(Buffer.concat([header, chunks]), 'webp');
    assert.ok(!out.includes('secret') && !out.includes('xmpmeta'));
    assert.equal(out.readUInt32LE(4), out.length - 8, 'RIFF size matches');
    assert.equal(out[20]! & 0x0c, 0, 'EXIF and XMP flags cleared');
    await samePixels(out, plain);
  });

  test('WebP: a chunk size past the end, or a non-RIFF file, is refused', async () => {
    const plain = await solid('webp', 8, 8, '#000');
    const lying = Buffer.from(plain);
    lying.writeUInt32LE(0x7ffffff0, 16);
    await assert.rejects(strip(lying, 'webp'), MalformedContainerError);
    await assert.rejects(strip(Buffer.concat([Buffer.from('RIFX'), plain.subarray(4)]), 'webp'), MalformedContainerError);
  });

  test('GIF: comments and unknown application blocks go, looping and graphic control stay', async () => {
    const plain = await readFile(join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'images', 'animated.gif'));
    const comment = Buffer.concat([Buffer.from([0x21, 0xfe, 9]), Buffer.from('a comment'), Buffer.from([0])]);
    const application = Buffer.concat([
      Buffer.from([0x21, 0xff, 11]),
      Buffer.from('XMP DataXMP'),
      Buffer.from([5]),
      Buffer.from('<xmp>'),
      Buffer.from([0]),
    ]);
    const trailer = plain.length - 1;
    const withMetadata = Buffer.concat([plain.subarray(0, trailer), comment, application, plain.subarray(trailer)]);
    const out = await strip(withMetadata, 'gif');
    assert.ok(!out.includes('a comment') && !out.includes('XMP DataXMP'));
    assert.ok(out.includes('NETSCAPE2.0'), 'looping stays');
    assert.equal((await sharp(out, { animated: true }).metadata()).pages, (await sharp(plain, { animated: true }).metadata()).pages);
  });

  test('GIF: an unexpected block or sub-blocks past the end are refused', async () => {
    const plain = await solid('gif', 8, 8, '#000');
    const trailer = plain.length - 1;
    await assert.rejects(
      strip(Buffer.concat([plain.subarray(0, trailer), Buffer.from([0x99]), plain.subarray(trailer)]), 'gif'),
      MalformedContainerError,
    );
    await assert.rejects(
      strip(Buffer.concat([plain.subarray(0, trailer), Buffer.from([0x21, 0xfe, 200, 1, 2])]), 'gif'),
      MalformedContainerError,
    );
  });
});
