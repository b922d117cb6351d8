import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import exifr from 'exifr';
import sharp from 'sharp';
import { api, fetchBytes, fixture, onBackend, register, sha256, upload, useServer, startServer, insertBlobRow } from '../testkit/index.js';

interface ImageJson {
  id: number;
  url: string;
  content_url: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  animated: boolean;
  frames: number;
  has_alpha: boolean;
  placeholder: string;
  dominant_color: string;
  exif: Record<string, unknown> | null;
  variants: Record<string, string>;
  srcset: string;
}

/** Mean absolute difference of two images' pixels at a common small size (0 = identical, 255 = opposite). */
async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const decode = (input: Buffer) => sharp(input).rotate().resize(64, 64, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [left, right] = await Promise.all([decode(a), decode(b)]);
  let total = 0;
  for (let i = 0; i < left.length; i++) total += Math.abs(left[i]! - right[i]!);
  return total / left.length;
}

/** What exifr finds of camera metadata and location in some bytes. */
async function cameraMetadata(bytes: Buffer): Promise<Record<string, unknown>> {
  const found = ((await exifr
    .parse(bytes, { tiff: true, exif: true, gps: true, xmp: true, iptc: true, icc: false, jfif: false, ihdr: false })
    .catch(() => undefined)) ?? {}) as Record<string, unknown>;
  // An orientation-only EXIF block is allowed (it keeps the picture upright); nothing else is.
  delete found.Orientation;
  return found;
}

describe(onBackend('image pipeline'), () => {
  const running = useServer();
  let token: string;
  before(async () => {
    token = await register(running.base);
  });

  const owner = (path: string, headers: Record<string, string> = {}) =>
    fetchBytes(`${running.base}${path}`, { authorization: `Token ${token}`, ...headers });

  test('orientation: all nine Landscape fixtures are 1800×1200 and every variant shows the same upright picture', async () => {
    const uploaded: ImageJson[] = [];
    for (let i = 0; i <= 8; i++) {
      const image = (await upload<ImageJson>(running.base, token, fixture(`Landscape_${i}.jpg`))).body;
      assert.deepEqual([image.width, image.height], [1800, 1200], `Landscape_${i}`);
      uploaded.push(image);
    }
    const reference: Record<string, Buffer> = {};
    for (const [name, url] of Object.entries(uploaded[0]!.variants)) reference[name] = (await fetchBytes(url)).bytes;
    for (const [i, image] of uploaded.entries()) {
      for (const [name, url] of Object.entries(image.variants)) {
        const variant = await fetchBytes(url);
        assert.equal(variant.status, 200);
        const meta = await sharp(variant.bytes).metadata();
        assert.ok((meta.orientation ?? 1) === 1, `Landscape_${i} ${name} carries an orientation`);
        assert.ok(meta.width! >= meta.height!, `Landscape_${i} ${name} is not landscape: ${meta.width}×${meta.height}`);
        const difference = await meanDifference(variant.bytes, reference[name]!);
        assert.ok(difference < 8, `Landscape_${i} ${name} differs from Landscape_0 by ${difference.toFixed(1)}`);
      }
      // The original, as a viewer that applies EXIF orientation shows it, is upright too.
      const original = (await fetchBytes(image.url)).bytes;
      assert.ok((await meanDifference(original, reference.large!)) < 8, `Landscape_${i} original`);
    }
  });

  test('privacy: no EXIF or GPS in the served original or any preset variant; the ICC profile stays', async () => {
    for (const name of ['exif-gps-nikon.jpg', 'exif-canon-40d.jpg']) {
      const before = await cameraMetadata(await readFile(fixture(name)));
      assert.ok(Object.keys(before).length > 0, `${name} should carry metadata to begin with`);
      const image = (await upload<ImageJson>(running.base, token, fixture(name))).body;
      const served = [
        (await fetchBytes(image.url)).bytes,
        ...(await Promise.all(Object.values(image.variants).map(async (url) => (await fetchBytes(url)).bytes))),
      ];
      for (const bytes of served) {
        assert.deepEqual(await cameraMetadata(bytes), {}, name);
        const meta = await sharp(bytes).metadata();
        assert.equal(meta.xmp, undefined, name);
        assert.equal(meta.iptc, undefined, name);
      }
      const originalIcc = (await sharp(fixture(name)).metadata()).icc;
      if (originalIcc) assert.ok((await sharp(served[0]!).metadata()).icc?.equals(originalIcc), `${name}: ICC profile lost`);
    }
  });

  test('the owner sees a safe EXIF summary, without the location', async () => {
    const nikon = (await upload<ImageJson>(running.base, token, fixture('exif-gps-nikon.jpg'))).body;
    assert.ok(nikon.exif, 'summary expected');
    assert.match(String(nikon.exif.camera), /NIKON|COOLPIX/i);
    assert.equal(nikon.exif.location, undefined);
    const canon = (await upload<ImageJson>(running.base, token, fixture('exif-canon-40d.jpg'))).body;
    assert.match(String(canon.exif?.camera), /Canon EOS 40D/);
    assert.match(String(canon.exif?.taken_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const png = (await upload<ImageJson>(running.base, token, fixture('tiny-2x2.png'))).body;
    assert.equal(png.exif, null);
    // The summary is read from the EXIF block libvips finds, so WebP's EXIF chunk counts too.
    const tagged = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#336699' } })
      .webp()
      .withExif({ IFD0: { Make: 'Acme', Model: 'Acme Lens Box 9' } })
      .toBuffer();
    const webp = (await upload<ImageJson>(running.base, token, tagged, { filename: 'tagged.webp' })).body;
    assert.equal(webp.exif?.camera, 'Acme Lens Box 9');
  });

  test('metadata in every response: animation, frames, alpha, placeholder, dominant colour', async () => {
    const gif = (await upload<ImageJson>(running.base, token, fixture('animated.gif'))).body;
    assert.equal(gif.animated, true);
    assert.equal(gif.frames, 10);
    const png = (await upload<ImageJson>(running.base, token, fixture('alpha.png'))).body;
    assert.equal(png.has_alpha, true);
    assert.equal(png.animated, false);
    assert.equal(png.frames, 1);
    const jpeg = (await upload<ImageJson>(running.base, token, fixture('photo.webp'))).body;
    assert.equal(jpeg.has_alpha, false);
    for (const image of [gif, png, jpeg]) {
      assert.match(image.dominant_color, /^#[0-9a-f]{6}$/);
      const hash = Buffer.from(image.placeholder, 'base64');
      assert.ok(hash.length >= 5 && hash.length <= 30, `placeholder of ${hash.length} bytes`);
    }
    const listed = await api(running.base, '/images/', { token });
    assert.ok(listed.body.every((image: ImageJson) => typeof image.placeholder === 'string' && 'srcset' in image));
  });

  test('the dominant colour is the centre of the fullest 16-level bin, whatever the image size', async () => {
    // 70% #3366cc beside 30% red: #3366cc falls in bins 3, 6 and 12, whose centres are 0x38, 0x68 and 0xc8.
    for (const [width, height] of [
      [100, 40],
      [2400, 900],
    ] as const) {
      const left = Math.round(width * 0.7);
      const bytes = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
        .composite([{ input: { create: { width: width - left, height, channels: 3, background: '#ff0000' } }, left, top: 0 }])
        .png()
        .toBuffer();
      const image = (await upload<ImageJson>(running.base, token, bytes, { filename: 'two-colours.png' })).body;
      assert.equal(image.dominant_color, '#3868c8', `${width}×${height}`);
    }
  });

  test('presets and parameters give the expected dimensions and formats', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('Landscape_6.jpg'))).body;
    const size = async (bytes: Buffer) => {
      const meta = await sharp(bytes).metadata();
      return [meta.format, meta.width, meta.height];
    };
    const expectations: [string, (string | number)[]][] = [
      ['preset=thumb&format=jpeg', ['jpeg', 200, 200]],
      ['preset=small', ['jpeg', 480, 320]],
      ['preset=medium', ['jpeg', 1024, 683]],
      ['preset=large', ['jpeg', 1800, 1200]], // no enlargement beyond the original
      ['w=300&h=300&fit=contain&format=png', ['png', 300, 300]],
      ['w=300&h=300&fit=fill&format=webp', ['webp', 300, 300]],
      ['w=300&h=300&fit=outside&format=jpeg', ['jpeg', 450, 300]],
      ['w=300&h=300&fit=inside&format=avif', ['heif', 300, 200]],
      ['w=100&dpr=2&format=jpeg', ['jpeg', 200, 133]],
      ['h=120&format=gif', ['gif', 180, 120]],
      ['w=9000&format=jpeg', ['jpeg', 1800, 1200]],
      ['w=9000&enlarge=true&format=jpeg', ['jpeg', 4096, 2731]], // capped at MAX_VARIANT_DIMENSION
    ];
    for (const [query, expected] of expectations) {
      const response = await owner(`/images/${image.id}/content?${query}`);
      assert.equal(response.status, 200, `${query}: ${response.bytes.toString().slice(0, 200)}`);
      assert.deepEqual(await size(response.bytes), expected, query);
    }
    const bad = await api(running.base, `/images/${image.id}/content?w=0&fit=squash`, { token });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body).sort(), ['fit', 'w']);
    const unknownPreset = await api(running.base, `/images/${image.id}/content?preset=poster`, { token });
    assert.equal(unknownPreset.status, 400);
    assert.match(unknownPreset.body.preset[0], /Unknown preset/);
  });

  test('srcset lists the width presets at the widths they produce', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('Landscape_1.jpg'))).body;
    const candidates = image.srcset.split(', ').map((candidate) => candidate.split(' ')[1]);
    assert.deepEqual(candidates, ['480w', '1024w', '1800w']);
    assert.deepEqual(Object.keys(image.variants), ['thumb', 'small', 'medium', 'large']);
    const small = (await upload<ImageJson>(running.base, token, fixture('tiny-2x2.png'))).body;
    assert.equal(small.srcset.split(', ').length, 1, 'presets wider than the image collapse into one candidate');
  });

  test('format=auto follows Accept (AVIF, then WebP, then the original) and varies on it', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('exif-canon-40d.jpg'))).body;
    const cases: [string, string][] = [
      ['image/avif,image/webp,*/*', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['*/*', 'image/jpeg'],
      ['image/avif;q=0,image/webp', 'image/webp'],
    ];
    const etags = new Set<string>();
    for (const [accept, expected] of cases) {
      const response = await owner(`/images/${image.id}/content?w=50&format=auto`, { accept });
      assert.equal(response.headers.get('content-type'), expected, accept);
      assert.equal(response.headers.get('vary'), 'Accept');
      etags.add(response.headers.get('etag')!);
    }
    assert.equal(etags.size, 3, 'each negotiated format is its own cache entry');
    const explicit = await owner(`/images/${image.id}/content?w=50&format=jpeg`, { accept: 'image/avif' });
    assert.equal(explicit.headers.get('content-type'), 'image/jpeg');
    assert.equal(explicit.headers.get('vary'), null);
  });

  test('variants: ETag, 304, Last-Modified, Range and HEAD; cached after the first render', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('photo.webp'))).body;
    const first = await fetchBytes(image.variants.thumb!, { accept: 'image/webp' });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    assert.equal(etag, `"${sha256(first.bytes)}"`);
    assert.ok(first.headers.get('last-modified'));
    assert.match(first.headers.get('cache-control')!, /^private, max-age=\d+$/);
    const again = await fetchBytes(image.variants.thumb!, { accept: 'image/webp' });
    assert.deepEqual(again.bytes, first.bytes);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal((await fetchBytes(image.variants.thumb!, { accept: 'image/webp', 'if-none-match': etag })).status, 304);
    const partial = await fetchBytes(image.variants.thumb!, { accept: 'image/webp', range: 'bytes=0-9' });
    assert.equal(partial.status, 206);
    assert.deepEqual(partial.bytes, first.bytes.subarray(0, 10));
    const head = await fetch(image.variants.thumb!, { method: 'HEAD', headers: { accept: 'image/webp' } });
    assert.equal(head.headers.get('content-length'), String(first.bytes.length));
  });

  test('a signed variant link covers exactly its parameters', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('photo.webp'))).body;
    const link = new URL(image.variants.small!);
    assert.equal((await fetchBytes(link.toString())).status, 200);
    for (const [name, value] of [
      ['w', '4000'],
      ['fit', 'fill'],
      ['format', 'png'],
      ['q', '100'],
      ['dpr', '4'],
      ['enlarge', 'true'],
    ] as const) {
      const altered = new URL(link);
      altered.searchParams.set(name, value);
      assert.equal((await fetchBytes(altered.toString())).status, 403, `${name}=${value}`);
    }
    const removed = new URL(link);
    removed.searchParams.delete('w');
    assert.equal((await fetchBytes(removed.toString())).status, 403);
    const asPreset = new URL(image.url);
    asPreset.searchParams.set('preset', 'large');
    assert.equal((await fetchBytes(asPreset.toString())).status, 403);
    // Parameters in another order (or a default written out) name the same variant.
    const reordered = new URL(`${link.origin}${link.pathname}`);
    for (const [key, value] of [...link.searchParams.entries()].reverse()) reordered.searchParams.set(key, value);
    reordered.searchParams.set('dpr', '1');
    assert.equal((await fetchBytes(reordered.toString())).status, 200);
  });

  test('position= for cover crops: what each keeps (by pixels), validation, signatures, animations keep frames', async () => {
    // 400×200, white, with a red square near the left edge: a 200×200 cover crop keeps it only from the left.
    const red = await sharp({ create: { width: 60, height: 60, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const source = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#ffffff' } })
      .composite([{ input: red, left: 10, top: 70 }])
      .png()
      .toBuffer();
    const image = (await upload<ImageJson>(running.base, token, source, { filename: 'red-left.png' })).body;
    const redPixels = async (query: string) => {
      const response = await owner(`/images/${image.id}/content?w=200&h=200&fit=cover&format=png${query}`);
      assert.equal(response.status, 200, query);
      const { data, info } = await sharp(response.bytes).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [200, 200], query);
      let count = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60) count++;
      return count;
    };
    const square = 60 * 60;
    assert.equal(await redPixels(''), 0, 'the centre cuts the square away');
    assert.equal(await redPixels('&position=center'), 0);
    assert.equal(await redPixels('&position=east'), 0);
    assert.ok((await redPixels('&position=west')) >= square * 0.95, 'west keeps it');
    assert.ok((await redPixels('&position=northwest')) >= square * 0.95, 'northwest keeps it');
    assert.ok((await redPixels('&position=attention')) >= square * 0.95, 'attention finds the saturated square');
    assert.ok((await redPixels('&position=entropy')) >= square * 0.95, 'entropy finds the only detail');

    // The owner's focal point: set on the image, kept by position=focal; cleared, the crop is the centre again.
    const focalCrop = () => redPixels('&position=focal');
    assert.equal(await focalCrop(), 0, 'no focal point yet: the centre');
    const set = await api(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { focal_point: { x: 0.1, y: 0.5 } } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.focal_point, { x: 0.1, y: 0.5 });
    assert.ok((await focalCrop()) >= square * 0.95, 'the focal point on the square keeps it (the same URL, a new variant)');
    const fetched = await api(running.base, `/images/${image.id}/`, { token });
    assert.deepEqual(fetched.body.focal_point, { x: 0.1, y: 0.5 });
    for (const [value, field] of [
      [{ x: 1.5, y: 0.5 }, 'focal_point.x'],
      [{ x: 0.5 }, 'focal_point.y'],
      [{ x: 0.5, y: -0.1 }, 'focal_point.y'],
      ['middle', 'focal_point'],
    ] as const) {
      const refused = await api(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { focal_point: value } });
      assert.equal(refused.status, 400, JSON.stringify(value));
      assert.ok(Object.keys(refused.body).includes(field), `${JSON.stringify(value)}: ${refused.text}`);
    }
    assert.deepEqual(
      (await api(running.base, `/images/${image.id}/`, { token })).body.focal_point,
      { x: 0.1, y: 0.5 },
      'a refusal changes nothing',
    );
    const cleared = await api(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { focal_point: null } });
    assert.equal(cleared.body.focal_point, null);
    assert.equal(await focalCrop(), 0, 'cleared: the centre again');

    // Validation: unknown values list the choices; a position needs a crop.
    const wrong = await api(running.base, `/images/${image.id}/content?w=200&h=200&fit=cover&position=middle`, { token });
    assert.equal(wrong.status, 400);
    assert.match(
      wrong.body.position[0],
      /^"middle" is not a valid choice\. Choose one of: center, north, .*, entropy, attention, focal\.$/,
    );
    const uncut = await api(running.base, `/images/${image.id}/content?w=200&position=attention`, { token });
    assert.deepEqual(uncut.body, { position: ['Only with fit=cover and both w and h: the other fits keep the whole image.'] });

    // A signed link covers it: adding one to a cover link is refused; writing the default out is the same link.
    const thumb = new URL(image.variants.thumb!);
    const moved = new URL(thumb);
    moved.searchParams.set('position', 'attention');
    assert.equal((await fetchBytes(moved.toString())).status, 403);
    const spelledOut = new URL(thumb);
    spelledOut.searchParams.set('position', 'center');
    assert.equal((await fetchBytes(spelledOut.toString())).status, 200);

    // An animation cut by any position keeps all its frames.
    const animated = (await upload<ImageJson>(running.base, token, fixture('animated.gif'))).body;
    for (const position of ['northeast', 'attention']) {
      const gif = await owner(`/images/${animated.id}/content?w=40&h=40&fit=cover&position=${position}&format=gif`);
      assert.equal(gif.status, 200, position);
      const meta = await sharp(gif.bytes, { animated: true }).metadata();
      assert.deepEqual([meta.pages, meta.width, meta.pageHeight], [10, 40, 40], position);
    }
  });

  test('edits: crop, rotate and flip in every combination give exactly the steps done one by one (pixels)', async () => {
    // 400×200 in four coloured quadrants with a notch, so that every turn and mirror is told apart.
    const quadrant = (colour: string) =>
      sharp({ create: { width: 200, height: 100, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const source = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#000000' } })
      .composite([
        { input: await quadrant('#ff0000'), left: 0, top: 0 },
        { input: await quadrant('#00ff00'), left: 200, top: 0 },
        { input: await quadrant('#0000ff'), left: 0, top: 100 },
        { input: await quadrant('#ffff00'), left: 200, top: 100 },
        {
          input: await sharp({ create: { width: 30, height: 20, channels: 3, background: '#ffffff' } })
            .png()
            .toBuffer(),
          left: 10,
          top: 10,
        },
      ])
      .png()
      .toBuffer();
    const image = (await upload<ImageJson>(running.base, token, source, { filename: 'quadrants.png' })).body;
    const pixels = async (bytes: Buffer) => sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const crop of [null, [5, 0, 300, 150]] as const) {
      for (const rotate of [0, 90, 180, 270] as const) {
        for (const flip of [null, 'h', 'v', 'hv'] as const) {
          // The reference: each step on its own, in the documented order.
          let expected = source;
          if (crop)
            expected = await sharp(expected).extract({ left: crop[0], top: crop[1], width: crop[2], height: crop[3] }).png().toBuffer();
          if (rotate) expected = await sharp(expected).rotate(rotate).png().toBuffer();
          if (flip === 'h' || flip === 'hv') expected = await sharp(expected).flop().png().toBuffer();
          if (flip === 'v' || flip === 'hv') expected = await sharp(expected).flip().png().toBuffer();
          const query = [crop && `crop=${crop.join(',')}`, rotate && `rotate=${rotate}`, flip && `flip=${flip}`].filter(Boolean).join('&');
          if (!query) continue;
          const response = await owner(`/images/${image.id}/content?format=png&${query}`);
          assert.equal(response.status, 200, query);
          const [got, want] = await Promise.all([pixels(response.bytes), pixels(expected)]);
          assert.deepEqual([got.info.width, got.info.height], [want.info.width, want.info.height], query);
          assert.ok(got.data.equals(want.data), `${query}: the same pixels as the steps one by one`);
          // Through a resize too: the box applies to the edited image.
          const resized = await owner(`/images/${image.id}/content?format=png&w=100&${query}`);
          const meta = await sharp(resized.bytes).metadata();
          assert.deepEqual([meta.width, meta.height], [100, Math.round((100 * want.info.height) / want.info.width)], `w=100&${query}`);
        }
      }
    }
    // A cover crop's position applies after the edits: rotated 90°, the top ("north") is the blue quadrant's side.
    const north = await owner(`/images/${image.id}/content?format=png&rotate=90&w=100&h=100&fit=cover&position=north`);
    const corner = (await pixels(north.bytes)).data.subarray(0, 3);
    assert.deepEqual([...corner], [0, 0, 255], 'rotated clockwise, the top left is the old bottom left');

    const refused = await api(running.base, `/images/${image.id}/content?crop=300,0,200,100`, { token });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { crop: ['The rectangle 300,0,200,100 (x,y,w,h) is not inside the 400×200 image.'] });
  });

  test('edits: trim, background, pad, grayscale, blur and sharpen by pixels; every parameter validated by name', async () => {
    // A red 100×50 rectangle on a white border of 20 pixels.
    const red = await sharp({ create: { width: 100, height: 50, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const framed = await sharp({ create: { width: 140, height: 90, channels: 3, background: '#ffffff' } })
      .composite([{ input: red, left: 20, top: 20 }])
      .png()
      .toBuffer();
    const image = (await upload<ImageJson>(running.base, token, framed, { filename: 'framed.png' })).body;
    const render = async (query: string) => {
      const response = await owner(`/images/${image.id}/content?format=png&${query}`);
      assert.equal(response.status, 200, `${query}: ${response.bytes.toString()}`);
      return sharp(response.bytes).raw().toBuffer({ resolveWithObject: true });
    };
    const trimmed = await render('trim=10');
    assert.deepEqual([trimmed.info.width, trimmed.info.height], [100, 50], 'trim removes the uniform border');
    assert.deepEqual([...trimmed.data.subarray(0, 3)], [255, 0, 0]);
    const cropThenTrim = await render('crop=10,10,120,70&trim=10');
    assert.deepEqual([cropThenTrim.info.width, cropThenTrim.info.height], [100, 50], 'crop first, then trim');
    const padded = await render('pad=10&background=00ff00');
    assert.deepEqual([padded.info.width, padded.info.height], [160, 110]);
    assert.deepEqual([...padded.data.subarray(0, 3)], [0, 255, 0], 'the pad has the background colour');
    const grey = await render('grayscale=true');
    for (let i = 0; i < grey.data.length; i += grey.info.channels) {
      if (grey.info.channels >= 3) assert.ok(grey.data[i] === grey.data[i + 1] && grey.data[i + 1] === grey.data[i + 2], 'grey');
    }
    // Blur and sharpen are sharp's own, on the same pixels.
    for (const [query, direct] of [
      ['blur=4', (input: Buffer) => sharp(input).blur(4)],
      ['sharpen=2', (input: Buffer) => sharp(input).sharpen({ sigma: 2 })],
    ] as const) {
      const got = await render(query);
      const want = await direct(framed).raw().toBuffer();
      assert.ok(got.data.equals(want), `${query}: the same pixels as sharp`);
    }
    const blurred = await render('blur=4');
    assert.ok(blurred.data[(45 * 140 + 20) * 3 + 1]! > 0, 'the blurred edge mixes red and white');

    // Transparency flattened onto the background for JPEG (and kept without it in PNG).
    const transparent = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const clear = (await upload<ImageJson>(running.base, token, transparent, { filename: 'clear.png' })).body;
    const flattened = await owner(`/images/${clear.id}/content?format=jpeg&background=0000ff`);
    const { data } = await sharp(flattened.bytes).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! < 10 && data[1]! < 10 && data[2]! > 245, `blue behind the transparency: ${[...data.subarray(0, 3)].join(',')}`);
    const kept = await owner(`/images/${clear.id}/content?format=png&pad=5`);
    const keptMeta = await sharp(kept.bytes).metadata();
    assert.deepEqual([keptMeta.width, keptMeta.hasAlpha], [50, true], 'a pad without background is transparent');

    // Every parameter: out of range or unknown is a 400 under its name, and nothing is rendered.
    for (const [query, field, message] of [
      ['rotate=45', 'rotate', '"45" is not a valid choice. Choose one of: 0, 90, 180, 270.'],
      ['flip=x', 'flip', '"x" is not a valid choice. Choose one of: h, v, hv.'],
      ['trim=0', 'trim', 'Ensure this value is greater than or equal to 1.'],
      ['trim=256', 'trim', 'Ensure this value is less than or equal to 255.'],
      ['blur=0.1', 'blur', 'Ensure this value is greater than or equal to 0.3.'],
      ['blur=101', 'blur', 'Ensure this value is less than or equal to 100.'],
      ['sharpen=11', 'sharpen', 'Ensure this value is less than or equal to 10.'],
      ['pad=1001', 'pad', 'Ensure this value is less than or equal to 1000.'],
      ['background=red', 'background', 'Expected a hex colour rrggbb or rrggbbaa, without #.'],
      ['crop=1,2,3', 'crop', 'Expected x,y,w,h in pixels of the upright original, e.g. 100,50,800,600.'],
      ['grayscale=maybe', 'grayscale', 'Must be a valid boolean.'],
      ['crop=0,0,0,10', 'crop', 'The rectangle 0,0,0,10 (x,y,w,h) is not inside the 140×90 image.'],
      [
        'pad=1000&blur=100',
        'blur',
        'A blur of 100 over 2140×2090 pixels costs too much: sigma × megapixels may be at most 400. Ask for a smaller blur or size.',
      ],
    ] as const) {
      const response = await api(running.base, `/images/${image.id}/content?${query}`, { token });
      assert.equal(response.status, 400, query);
      assert.deepEqual(response.body, { [field]: [message] }, query);
    }

    // The signed links cover every edit: adding one to a link is refused.
    for (const [name, value] of [
      ['blur', '2'],
      ['rotate', '90'],
      ['crop', '0,0,10,10'],
      ['background', 'ffffff'],
      ['grayscale', 'true'],
    ]) {
      const link = new URL(image.variants.thumb!);
      link.searchParams.set(name!, value!);
      assert.equal((await fetchBytes(link.toString())).status, 403, name);
    }
  });

  test('edits on an animation: crop, rotate and flip keep every frame in order; trim is refused', async () => {
    const animated = (await upload<ImageJson>(running.base, token, fixture('animated.gif'))).body;
    const query = 'crop=20,10,340,260&rotate=90&flip=h&format=gif';
    const response = await owner(`/images/${animated.id}/content?${query}`);
    assert.equal(response.status, 200, response.bytes.toString());
    const meta = await sharp(response.bytes, { animated: true }).metadata();
    assert.deepEqual([meta.pages, meta.width, meta.pageHeight], [10, 260, 340]);
    assert.deepEqual(meta.delay, (await sharp(fixture('animated.gif'), { animated: true }).metadata()).delay, 'frame timing kept');
    // Frame by frame, the same picture as the steps done on that frame alone.
    for (const page of [0, 4, 9]) {
      const got = await sharp(response.bytes, { page }).removeAlpha().resize(26, 34, { fit: 'fill' }).raw().toBuffer();
      const frame = await sharp(fixture('animated.gif'), { page }).extract({ left: 20, top: 10, width: 340, height: 260 }).png().toBuffer();
      const turned = await sharp(frame).rotate(90).png().toBuffer();
      const want = await sharp(turned).flop().removeAlpha().resize(26, 34, { fit: 'fill' }).raw().toBuffer();
      let difference = 0;
      for (let i = 0; i < got.length; i++) difference += Math.abs(got[i]! - want[i]!);
      assert.ok(difference / got.length < 12, `frame ${page} is in its place (mean difference ${difference / got.length})`);
    }
    const trim = await api(running.base, `/images/${animated.id}/content?trim=10`, { token });
    assert.deepEqual(trim.body, { trim: ['Not for animated images: the border of one frame is not the border of the others.'] });
  });

  test('animation: the 10-frame GIF gives a 10-frame animated WebP variant; a GIF variant stays animated', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('animated.gif'))).body;
    const webp = await owner(`/images/${image.id}/content?w=200&format=webp`);
    const webpMeta = await sharp(webp.bytes, { animated: true }).metadata();
    assert.equal(webpMeta.format, 'webp');
    assert.equal(webpMeta.pages, 10);
    assert.equal(webpMeta.width, 200);
    const gif = await owner(`/images/${image.id}/content?w=100&format=gif`);
    assert.equal((await sharp(gif.bytes, { animated: true }).metadata()).pages, 10);
    const auto = await owner(`/images/${image.id}/content?preset=thumb`, { accept: 'image/avif,image/webp' });
    assert.equal(auto.headers.get('content-type'), 'image/webp', 'animated sources negotiate to an animated format');
    assert.equal((await sharp(auto.bytes, { animated: true }).metadata()).pages, 10);
    const still = await owner(`/images/${image.id}/content?w=100&format=png`);
    assert.equal((await sharp(still.bytes, { animated: true }).metadata()).pages ?? 1, 1);
  });

  test('a generated 600-frame GIF is refused with a clear 400', async () => {
    const frames = 600;
    // Noise, so that the encoder cannot merge identical frames.
    const create = {
      width: 8,
      height: 8 * frames,
      channels: 3 as const,
      background: '#000',
      noise: { type: 'gaussian' as const, mean: 128, sigma: 60 },
      pageHeight: 8,
    };
    const framesGif = await sharp({ create }).gif().toBuffer();
    assert.equal((await sharp(framesGif).metadata()).pages, frames);
    const response = await upload(running.base, token, framesGif, { filename: 'many.gif' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { image: ['Too many frames: 600 exceeds the limit of 500.'] });
  });

  test('replacing an image makes its old variants unreachable at once', async () => {
    const image = (await upload<ImageJson>(running.base, token, fixture('alpha.png'))).body;
    assert.equal((await fetchBytes(image.variants.thumb!)).status, 200);
    const replaced = (await upload<ImageJson>(running.base, token, fixture('photo.webp'), { method: 'PUT', path: `/images/${image.id}/` }))
      .body;
    assert.equal((await fetchBytes(image.variants.thumb!)).status, 403);
    const fresh = await fetchBytes(replaced.variants.thumb!);
    assert.equal(fresh.status, 200);
    const expected = await sharp(fixture('photo.webp')).resize(200, 200, { fit: 'cover' }).png().toBuffer();
    assert.ok((await meanDifference(fresh.bytes, expected)) < 10);
  });

  test('GET /me/ shows the name, usage and limits', async () => {
    const user = await register(running.base, 'me_user_1');
    await upload(running.base, user, fixture('tiny-2x2.png'));
    const me = await api(running.base, '/me/', { token: user });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'me_user_1');
    assert.deepEqual(me.body.usage, { images: 1, bytes: (await readFile(fixture('tiny-2x2.png'))).length });
    assert.deepEqual(me.body.limits, { images: 0, bytes: 0, upload_bytes: 26214400, resumable_upload_bytes: 26214400 });
  });
});

describe(onBackend('dedup and garbage'), () => {
  test('identical uploads by two users are stored once; the sweep keeps referenced blobs and removes the rest', async () => {
    const server = await startServer();
    try {
      const alice = await register(server.base);
      const bob = await register(server.base);
      const a = (await upload<ImageJson>(server.base, alice, fixture('Landscape_3.jpg'))).body;
      const b = (await upload<ImageJson>(server.base, bob, fixture('Landscape_3.jpg'))).body;
      assert.equal(a.sha256, b.sha256);
      const { db, storage, maintenance } = server.built.services;
      const blobs = await db.kysely.selectFrom('blobs').selectAll().execute();
      assert.equal(blobs.length, 1);
      assert.equal(blobs[0]!.ref_count, 2);
      const saved = a.bytes;
      assert.ok(saved > 300_000, `dedup saved ${saved} bytes`);

      // Garbage on purpose: an unreferenced blob row with its object, and an object with no row.
      const orphan = 'e'.repeat(64);
      await insertBlobRow(db, orphan);
      const { Readable } = await import('node:stream');
      await storage.put(`originals/ee/ee/${orphan}`, Readable.from([Buffer.from('abc')]));
      await storage.put(`originals/dd/dd/${'d'.repeat(64)}`, Readable.from([Buffer.from('abc')]));
      await storage.put(`variants/dd/${'d'.repeat(64)}/1x1-inside-q80.jpeg`, Readable.from([Buffer.from('abc')]));
      // An upload in flight holds its blob: a pending blob row is not garbage.
      const pending = 'c'.repeat(64);
      await insertBlobRow(db, pending, { pendingUntil: new Date(Date.now() + 60_000) });

      const report = await maintenance.sweep();
      assert.deepEqual(report, {
        blobsRemoved: 1,
        strayObjectsRemoved: 1,
        strayVariantsRemoved: 1,
        staleUploadsRemoved: 0,
        expiredResumableRemoved: 0,
      });
      assert.equal(await storage.exists(`originals/ee/ee/${orphan}`), false);
      assert.ok(await db.kysely.selectFrom('blobs').select('sha256').where('sha256', '=', pending).executeTakeFirst());
      assert.equal((await fetchBytes(a.url)).status, 200);

      // One owner deletes: the other's image still serves, from the same blob.
      assert.equal((await api(server.base, `/images/${a.id}/`, { method: 'DELETE', token: alice })).status, 204);
      assert.equal((await fetchBytes(b.url)).status, 200);
      assert.equal((await fetchBytes(b.variants.thumb!)).status, 200);
      // Replacing the last user's image with other content frees the blob and its variants.
      await upload(server.base, bob, fixture('alpha.png'), { method: 'PUT', path: `/images/${b.id}/` });
      // The thumb just rendered is cached after its answer; stored late, it finds its blob gone and removes itself.
      await server.built.services.variants.settled();
      assert.equal(await db.kysely.selectFrom('blobs').select('sha256').where('sha256', '=', a.sha256).executeTakeFirst(), undefined);
      assert.equal(await db.kysely.selectFrom('variants').select('key').where('blob_sha256', '=', a.sha256).executeTakeFirst(), undefined);
    } finally {
      await server.close();
    }
  });

  test('replacing one of two identical images keeps the shared blob for the other', async () => {
    const server = await startServer();
    try {
      const token = await register(server.base);
      const first = (await upload<ImageJson>(server.base, token, fixture('photo.webp'))).body;
      const second = (await upload<ImageJson>(server.base, token, fixture('photo.webp'))).body;
      await upload(server.base, token, fixture('alpha.png'), { method: 'PUT', path: `/images/${first.id}/` });
      const served = await fetchBytes(second.url);
      assert.equal(served.status, 200);
      assert.deepEqual(served.bytes, await readFile(fixture('photo.webp')));
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('variant cache bound'), () => {
  test('the total size of cached variants stays within VARIANT_CACHE_BYTES (least recently used evicted)', async () => {
    const server = await startServer({ VARIANT_CACHE_BYTES: '60000' });
    try {
      const token = await register(server.base);
      const image = (await upload<ImageJson>(server.base, token, fixture('Landscape_0.jpg'))).body;
      for (const width of [300, 310, 320, 330, 340, 350, 360, 370]) {
        const response = await fetchBytes(`${server.base}/images/${image.id}/content?w=${width}&format=jpeg`, {
          authorization: `Token ${token}`,
        });
        assert.equal(response.status, 200);
      }
      const { db, variants } = server.built.services;
      // Variants are cached after they are answered.
      await variants.settled();
      const rows = await db.kysely.selectFrom('variants').select(['key', 'bytes']).execute();
      const total = rows.reduce((sum, row) => sum + Number(row.bytes), 0);
      assert.ok(total <= 60_000, `cache holds ${total} bytes`);
      assert.ok(rows.length >= 1 && rows.length < 8, `${rows.length} variants kept`);
      assert.ok(
        rows.some((row) => row.key.includes('370x0')),
        'the newest variant is kept',
      );
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('bounded processing'), () => {
  test('more renders than the queue admits: some 503 with Retry-After, no other error, health keeps answering', async () => {
    // One owner's renders: its own cap is lifted here, so that the shared queue's bound is what is tested.
    const server = await startServer({ RENDER_CONCURRENCY: '1', RENDER_QUEUE: '2', RENDER_PER_USER: '100' });
    try {
      const token = await register(server.base);
      const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#3366aa' } })
        .jpeg()
        .toBuffer();
      const image = (await upload<ImageJson>(server.base, token, big, { filename: 'big.jpg' })).body;
      const renders = Array.from({ length: 12 }, (_, i) =>
        fetchBytes(`${server.base}/images/${image.id}/content?w=${2000 + i}&format=avif`, { authorization: `Token ${token}` }),
      );
      // Ten health checks one after another, against the admitted renders: if the renders blocked the
      // server, the checks would finish after them. An order, not a time: the machine may be busy.
      const health = (async () => {
        for (let i = 0; i < 10; i++) assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
        return performance.now();
      })();
      const responses = await Promise.all(renders);
      const rendersDoneAt = performance.now();
      const statuses = responses.map((response) => response.status);
      assert.ok(
        statuses.every((status) => status === 200 || status === 503),
        String(statuses),
      );
      assert.ok(statuses.includes(503), `no request was refused: ${statuses}`);
      assert.ok(statuses.includes(200), `no request was served: ${statuses}`);
      for (const response of responses.filter((r) => r.status === 503)) {
        assert.equal(response.headers.get('retry-after'), '2');
        assert.match(JSON.parse(response.bytes.toString()).detail, /busy/);
      }
      const healthDoneAt = await health;
      assert.ok(
        healthDoneAt < rendersDoneAt,
        `the health checks finished ${(healthDoneAt - rendersDoneAt).toFixed(0)} ms after the renders`,
      );
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('render time limit'), () => {
  test('a render that runs past RENDER_TIMEOUT_SECONDS is abandoned with a clear 503', async () => {
    const server = await startServer({ RENDER_TIMEOUT_SECONDS: '1' });
    try {
      const token = await register(server.base);
      // Noise is the slowest thing to encode: a large AVIF of it takes seconds.
      const noisy = await sharp({
        create: { width: 2400, height: 1600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
      })
        .jpeg()
        .toBuffer();
      const image = (await upload<ImageJson>(server.base, token, noisy, { filename: 'noise.jpg' })).body;
      const started = performance.now();
      const response = await api(server.base, `/images/${image.id}/content?w=2400&format=avif&q=90`, { token });
      const elapsed = performance.now() - started;
      assert.equal(response.status, 503);
      assert.equal(response.body.detail, 'Processing took longer than 1 s and was abandoned.');
      assert.ok(elapsed < 2500, `answered after ${elapsed.toFixed(0)} ms`);
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('quotas'), () => {
  test('image-count and byte quotas refuse with a body that names the limit', async () => {
    const server = await startServer({ QUOTA_IMAGES: '2', QUOTA_BYTES: '300000' });
    try {
      const token = await register(server.base);
      assert.equal((await upload(server.base, token, fixture('tiny-2x2.png'))).status, 201);
      const tooBig = await upload(server.base, token, fixture('Landscape_0.jpg'));
      assert.equal(tooBig.status, 413);
      assert.equal(tooBig.body.quota, 'bytes');
      assert.equal(tooBig.body.limit, 300000);
      assert.equal((await upload(server.base, token, fixture('alpha.png'))).status, 201);
      const third = await upload(server.base, token, fixture('photo.webp'));
      assert.equal(third.status, 403);
      assert.equal(third.body.quota, 'images');
      assert.match(third.body.detail, /Image quota exceeded/);
      const me = await api(server.base, '/me/', { token });
      assert.deepEqual(me.body.limits, {
        images: 2,
        bytes: 300000,
        upload_bytes: server.config.maxUploadBytes,
        resumable_upload_bytes: server.config.maxResumableUploadBytes,
      });
      assert.equal(me.body.usage.images, 2);
      // Refused uploads left nothing behind.
      assert.equal((await server.built.services.db.kysely.selectFrom('blobs').select('sha256').execute()).length, 2);
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('EXPOSE_LOCATION=true'), () => {
  test('the owner summary includes the GPS position; the served bytes still do not', async () => {
    const server = await startServer({ EXPOSE_LOCATION: 'true' });
    try {
      const token = await register(server.base);
      const image = (await upload<ImageJson>(server.base, token, fixture('exif-gps-nikon.jpg'))).body;
      const location = image.exif?.location as { latitude: number; longitude: number };
      assert.ok(Math.abs(location.latitude - 43.467) < 0.01, JSON.stringify(location));
      assert.deepEqual(await cameraMetadata((await fetchBytes(image.url)).bytes), {});
    } finally {
      await server.close();
    }
  });
});
