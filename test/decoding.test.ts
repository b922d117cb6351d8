import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import {
  api,
  avifWithTwoItems,
  decodesStrictly,
  fetchBytes,
  handMadeTiff,
  noisyJpeg,
  register,
  sha256,
  solid,
  truncated,
  upload,
  useServer,
  withCorruptScan,
} from '../testkit/index.js';

const INVALID = 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.';

/**
 * The decoding rule (docs/decisions.md): what libvips decodes strictly is stored as it came (less its
 * metadata); what decodes only with warnings is stored as a clean re-encoding; what it reports as an
 * error or as truncated is refused. Stills are decoded by their primary item or first page.
 */
describe('decoding: warnings, damage and multi-item files, with generated files of each kind', () => {
  const running = useServer();

  async function stored(token: string, id: number): Promise<Buffer> {
    const response = await fetchBytes(`${running.base}/images/${id}/content`, { authorization: `Token ${token}` });
    assert.equal(response.status, 200);
    return response.bytes;
  }

  test('clean files of every accepted format are stored and decode strictly', async () => {
    const token = await register(running.base);
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const file = await solid(format, 48, 32, '#2a6f97');
      const response = await upload(running.base, token, file, { filename: `clean.${format}` });
      assert.equal(response.status, 201, `${format}: ${response.text}`);
      assert.equal(response.body.format, format);
      assert.deepEqual(await decodesStrictly(await stored(token, response.body.id)), { width: 48, height: 32 });
    }
  });

  test('files that decode only with warnings are accepted and stored as clean re-encodings', async () => {
    const token = await register(running.base);
    const warned: [string, Buffer, string][] = [
      // A private tag whose count libtiff finds wrong, as GeoTIFF writers and scanners produce.
      ['TIFF with a private tag of count 0', handMadeTiff({ extra: [[65001, 4, 0, 0]] }), 'tiff'],
      ['TIFF with an ASCII tag without its NUL', handMadeTiff({ extra: [[305, 2, 4, 0x41414141]] }), 'tiff'],
      ['TIFF without StripByteCounts', handMadeTiff({ without: [279] }), 'tiff'],
      ['JPEG with corrupt entropy-coded data', withCorruptScan(await noisyJpeg()), 'jpeg'],
    ];
    for (const [name, file, format] of warned) {
      await assert.rejects(decodesStrictly(file), Error, `${name}: the generated file must make a strict decoder complain`);
      const response = await upload(running.base, token, file, { filename: `${format}-file` });
      assert.equal(response.status, 201, `${name}: ${response.text}`);
      assert.equal(response.body.format, format, name);
      const bytes = await stored(token, response.body.id);
      assert.notEqual(sha256(bytes), sha256(file), `${name}: not stored as it came`);
      assert.equal(response.body.sha256, sha256(bytes));
      const decoded = await decodesStrictly(bytes);
      assert.deepEqual(decoded, { width: response.body.width, height: response.body.height }, name);
    }
  });

  test('files libvips reports as damaged (errors, truncation) are refused and leave nothing', async () => {
    const token = await register(running.base);
    const png = await solid('png', 40, 30, '#abcdef');
    const corruptIdat = Buffer.from(png);
    corruptIdat[png.indexOf('IDAT') + 6] = corruptIdat[png.indexOf('IDAT') + 6]! ^ 0xff;
    const damaged: [string, Buffer][] = [
      ['JPEG cut at 60 %', truncated(await noisyJpeg(), 0.6)],
      ['JPEG without its end marker', (await noisyJpeg()).subarray(0, -2)],
      ['PNG with corrupt image data', corruptIdat],
      ['TIFF with a tag of an unknown type', handMadeTiff({ extra: [[65000, 99, 1, 1]] })],
      [
        'WebP cut at 70 %',
        truncated(
          await sharp(await noisyJpeg())
            .webp()
            .toBuffer(),
          0.7,
        ),
      ],
      [
        'AVIF cut at 80 %',
        truncated(
          await sharp(await noisyJpeg())
            .avif()
            .toBuffer(),
          0.8,
        ),
      ],
    ];
    for (const [name, file] of damaged) {
      const response = await upload(running.base, token, file, { filename: 'damaged' });
      assert.equal(response.status, 400, `${name}: ${response.text}`);
      assert.deepEqual(response.body, { image: [INVALID] }, name);
    }
    assert.deepEqual((await api(running.base, '/images/', { token })).body, []);
  });

  test('a still AVIF with a primary item and a differently sized second item is accepted as its primary image', async () => {
    const token = await register(running.base);
    const primary = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } })
      .avif({ quality: 60 })
      .toBuffer();
    const thumbnail = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#00ff00' } })
      .avif({ quality: 60 })
      .toBuffer();
    const file = avifWithTwoItems(primary, thumbnail);
    assert.equal((await sharp(file).metadata()).pages, 2, 'the generated file has two top-level items');
    const response = await upload(running.base, token, file, { filename: 'camera.avif' });
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(
      {
        format: response.body.format,
        width: response.body.width,
        height: response.body.height,
        frames: response.body.frames,
        animated: response.body.animated,
      },
      { format: 'avif', width: 64, height: 48, frames: 1, animated: false },
    );
    const variant = await fetchBytes(`${running.base}/images/${response.body.id}/content?w=32&format=png`, {
      authorization: `Token ${token}`,
    });
    assert.equal(variant.status, 200);
    const { data, info } = await sharp(variant.bytes).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 32);
    assert.ok(data[0]! > 200 && data[1]! < 60, 'the variant shows the primary (red) image');
  });

  test('a still AVIF with two items of the same size is a still, not a two-frame animation', async () => {
    const token = await register(running.base);
    const red = await solid('avif', 64, 48, '#ff0000');
    const blue = await solid('avif', 64, 48, '#0000ff');
    const response = await upload(running.base, token, avifWithTwoItems(red, blue), { filename: 'burst.avif' });
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(
      { frames: response.body.frames, animated: response.body.animated, height: response.body.height },
      { frames: 1, animated: false, height: 48 },
    );
  });
});
