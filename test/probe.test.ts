import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { probeImage, UnacceptableImageError, type PixelLimits } from '../src/processing/probe.js';
import { avifWithTwoItems, fixture, solid, tempDataDir } from '../testkit/index.js';

const GENEROUS: PixelLimits = { maxPixels: 50_000_000, maxSide: 25_000, maxFrames: 500, maxTotalPixels: 500_000_000 };
const INVALID = /^Upload a valid image/;

describe('probeImage: identification and budgets from the header alone', () => {
  let dir: string;
  before(async () => {
    dir = await tempDataDir();
  });

  async function probeBytes(bytes: Buffer, limits: PixelLimits = GENEROUS) {
    const path = join(dir, `probe-${Math.random().toString(36).slice(2)}`);
    await writeFile(path, bytes);
    return probeImage(path, limits);
  }

  test('each accepted format is named and typed by its content', async () => {
    const expected = {
      jpeg: 'image/jpeg',
      png: 'image/png',
      webp: 'image/webp',
      gif: 'image/gif',
      avif: 'image/avif',
      tiff: 'image/tiff',
    } as const;
    for (const [format, contentType] of Object.entries(expected)) {
      const info = await probeBytes(await solid(format as keyof typeof expected, 30, 20, '#123456'));
      assert.deepEqual(
        { format: info.format, contentType: info.contentType, width: info.width, height: info.height, frames: info.frames },
        {
          format,
          contentType,
          width: 30,
          height: 20,
          frames: 1,
        },
      );
    }
  });

  test('EXIF orientations 5-8 swap the upright width and height', async () => {
    const rotated = await sharp({ create: { width: 40, height: 10, channels: 3, background: '#000' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const info = await probeBytes(rotated);
    assert.deepEqual(
      { width: info.width, height: info.height, orientation: info.orientation, hasMetadata: info.hasMetadata },
      {
        width: 10,
        height: 40,
        orientation: 6,
        hasMetadata: true,
      },
    );
  });

  test('animations count their frames; multi-item AVIF and multi-page TIFF are stills', async () => {
    const gif = await probeBytes(await import('node:fs/promises').then((fs) => fs.readFile(fixture('animated.gif'))));
    assert.equal(gif.animated, true);
    assert.ok(gif.frames > 1);
    const avif = await probeBytes(avifWithTwoItems(await solid('avif', 20, 20, '#f00'), await solid('avif', 8, 8, '#0f0')));
    assert.deepEqual({ frames: avif.frames, animated: avif.animated, width: avif.width }, { frames: 1, animated: false, width: 20 });
    const pages = await sharp([await solid('png', 12, 12, '#f00'), await solid('png', 12, 12, '#00f')], { join: { animated: true } })
      .tiff()
      .toBuffer();
    const tiff = await probeBytes(pages);
    assert.deepEqual({ format: tiff.format, frames: tiff.frames, animated: tiff.animated }, { format: 'tiff', frames: 1, animated: false });
  });

  test('budgets: pixels, sides, frames and total pixels are refused with the numbers', async () => {
    const image = await solid('png', 300, 200, '#fff');
    await assert.rejects(probeBytes(image, { ...GENEROUS, maxPixels: 59_999 }), /300×200 pixels exceeds the limit of 59999 pixels/);
    await assert.rejects(probeBytes(image, { ...GENEROUS, maxSide: 299 }), /300×200 exceeds the limit of 299 pixels per side/);
    const animated = await import('node:fs/promises').then((fs) => fs.readFile(fixture('animated.gif')));
    await assert.rejects(probeBytes(animated, { ...GENEROUS, maxFrames: 2 }), /Too many frames: \d+ exceeds the limit of 2/);
    await assert.rejects(probeBytes(animated, { ...GENEROUS, maxTotalPixels: 1000 }), /Animation is too large/);
    assert.equal((await probeBytes(image, { ...GENEROUS, maxPixels: 60_000, maxSide: 300 })).width, 300);
  });

  test('what is not an accepted image is refused without decoding', async () => {
    const png = await solid('png', 10, 10, '#fff');
    const cases: [string, Buffer][] = [
      ['text', Buffer.from('hello, this is not an image\n')],
      ['empty', Buffer.alloc(0)],
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')],
      ['PDF', Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF')],
      ['PNG header only', png.subarray(0, 16)],
    ];
    for (const [name, bytes] of cases) {
      await assert.rejects(
        probeBytes(bytes),
        (error: unknown) => error instanceof UnacceptableImageError && INVALID.test(error.message),
        name,
      );
    }
  });
});
