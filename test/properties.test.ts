/**
 * Property-based tests (fast-check) of the parsers and checks that face hostile input. CI runs them
 * with a fixed seed; `FC_RUNS=100000 FC_SEED=<n> npm test` runs longer and elsewhere by hand.
 */
/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseRange } from '../src/http/deliver.js';
import { contentDisposition, sanitiseFilename } from '../src/images/filename.js';
import { canonicalVariantQuery, variantParamsFromQuery, type VariantParams } from '../src/http/variant-query.js';
import { outputSize, POSITIONS } from '../src/processing/geometry.js';
import { focalWindow } from '../src/processing/render.js';
import { editedFocal } from '../src/processing/edits.js';
import { textValidator } from '../src/plugins/validation.js';
import { ContentQuery, type VariantQuery } from '../src/schemas/images.js';
import { MediaSigner } from '../src/media/signing.js';
import { NotFound } from '../src/errors.js';
import { parseId } from '../src/http/ids.js';
import { TEST_SECRET } from '../testkit/index.js';

const settings = { seed: Number(process.env.FC_SEED ?? 20261126), numRuns: Number(process.env.FC_RUNS ?? 500) };

test('image ids: only 1..2^31-1 in plain digits are ids; everything else is a 404, never a crash', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (raw) => {
      try {
        const id = parseId(raw);
        assert.ok(/^\d{1,10}$/.test(raw) && Number.isSafeInteger(id) && id >= 1 && id <= 2 ** 31 - 1);
      } catch (error) {
        assert.ok(error instanceof NotFound);
      }
    }),
    settings,
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (id) => assert.equal(parseId(String(id)), id)),
    settings,
  );
});

test('byte ranges: any header gives a range inside the object, no range, or 416', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`),
        fc.nat().map((n) => `bytes=-${n}`),
      ),
      fc.integer({ min: 1, max: 10_000_000 }),
      (header, size) => {
        const range = parseRange(header, size);
        if (range === null || range === 'unsatisfiable') return;
        assert.ok(range.start >= 0 && range.start <= range.end && range.end < size, JSON.stringify({ header, size, range }));
      },
    ),
    settings,
  );
});

test('file names: whatever the client sends, the stored name is a single safe segment of at most 255 characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (name) => {
      const safe = sanitiseFilename(name);
      assert.ok(safe.length > 0 && Array.from(safe).length <= 255);
      assert.ok(!/[/\\\u0000-\u001f\u007f]/.test(safe), JSON.stringify(safe));
      assert.ok(safe !== '.' && safe !== '..');
      const header = contentDisposition(safe);
      assert.ok(!/[\r\n\u0000]/.test(header));
      assert.match(header, /^inline; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!._~-]*$/);
    }),
    settings,
  );
});

const variantRequest: fc.Arbitrary<VariantParams> = fc
  .record({
    width: fc.option(fc.integer({ min: 1, max: 16384 }), { nil: null }),
    height: fc.option(fc.integer({ min: 1, max: 16384 }), { nil: null }),
    fit: fc.constantFrom('cover', 'contain', 'inside', 'outside', 'fill'),
    position: fc.constantFrom(...POSITIONS),
    format: fc.constantFrom('jpeg', 'png', 'webp', 'avif', 'gif', 'auto'),
    quality: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    dpr: fc.constantFrom(0.5, 1, 1.5, 2, 3, 4),
    enlarge: fc.boolean(),
    edits: fc
      .record({
        crop: fc.option(
          fc
            .record({
              left: fc.nat({ max: 99999 }),
              top: fc.nat({ max: 99999 }),
              width: fc.integer({ min: 1, max: 99999 }),
              height: fc.integer({ min: 1, max: 99999 }),
            })
            .map((crop) => ({ ...crop })),
          { nil: null },
        ),
        rotate: fc.constantFrom(0, 90, 180, 270),
        flip: fc.constantFrom(null, 'h', 'v', 'hv'),
        trim: fc.option(fc.integer({ min: 1, max: 255 }), { nil: null }),
        blur: fc.option(fc.double({ min: 0.3, max: 100, noNaN: true }), { nil: null }),
        sharpen: fc.option(fc.double({ min: 0.5, max: 10, noNaN: true }), { nil: null }),
        grayscale: fc.boolean(),
        pad: fc.integer({ min: 0, max: 1000 }),
        background: fc.option(fc.stringMatching(/^([0-9a-f]{6}|[0-9a-f]{8})$/), { nil: null }),
      })
      .map((edits) => ({ ...edits })),
  })
  // A position other than the default exists only for a crop (both sides given, fit=cover).
  .map((request) => ({
    ...request,
    position: request.fit === 'cover' && request.width !== null && request.height !== null ? request.position : 'center',
  }));

test('variant parameters: the canonical query, read back through the query schema, names the same variant', () => {
  const validate = textValidator().compile<VariantQuery>(ContentQuery);
  fc.assert(
    fc.property(variantRequest, (request) => {
      const query: Record<string, unknown> = Object.fromEntries(new URLSearchParams(canonicalVariantQuery(request)));
      assert.ok(validate(query), JSON.stringify(validate.errors));
      const parsed = variantParamsFromQuery(query as VariantQuery, []);
      assert.ok(parsed);
      assert.deepEqual(parsed, { ...request });
    }),
    settings,
  );
});

test('focal points through edits: the point stays in the edited image, and turns with it', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 5000 }),
      fc.integer({ min: 2, max: 5000 }),
      fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.constantFrom(0, 90, 180, 270),
      fc.constantFrom(null, 'h', 'v', 'hv'),
      fc.boolean(),
      (width, height, focal, rotate, flip, cropped) => {
        const crop = cropped
          ? { left: Math.floor(width / 4), top: Math.floor(height / 4), width: Math.ceil(width / 2), height: Math.ceil(height / 2) }
          : null;
        const point = editedFocal(focal, { width, height }, { crop, rotate, flip });
        assert.ok(point.x >= 0 && point.x <= 1 && point.y >= 0 && point.y <= 1, JSON.stringify(point));
        if (!crop && !flip && rotate === 90) {
          // Clockwise: what was on the left is at the top, what was at the bottom is on the left.
          assert.ok(Math.abs(point.x - (1 - focal.y)) < 1e-9 && Math.abs(point.y - focal.x) < 1e-9);
        }
      },
    ),
    settings,
  );
});

test('variant sizes: never empty, never larger than the original unless enlarging', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), variantRequest, (width, height, request) => {
      const size = outputSize({ width, height }, { width: request.width, height: request.height }, request.fit, request.enlarge);
      assert.ok(size.width >= 1 && size.height >= 1);
      if (!request.enlarge) assert.ok(size.width <= width && size.height <= height, JSON.stringify({ width, height, request, size }));
    }),
    settings,
  );
});

test('signed links: any change to the owner, id, content, variant, expiry or signature is refused', () => {
  const signer = new MediaSigner([TEST_SECRET], 3600);
  const now = Math.floor(Date.now() / 1000);
  const ref = fc.record({
    userId: fc.integer({ min: 1, max: 1e6 }),
    number: fc.integer({ min: 1, max: 1e6 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    variant: fc.constantFrom('', 'w=200&h=200&fit=cover&format=auto', 'w=480&fit=inside&format=auto'),
    linkKey: fc.constantFrom('', 'aaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbb'),
  });
  fc.assert(
    fc.property(ref, ref, fc.nat({ max: 86_400 }), fc.string({ maxLength: 50 }), (original, other, shift, garbage) => {
      const { exp, sig } = signer.sign(original, signer.expiry(now));
      assert.ok(signer.verify(original, exp, sig, now));
      const changed = JSON.stringify(other) !== JSON.stringify(original);
      if (changed) assert.equal(signer.verify(other, exp, sig, now), false);
      if (shift > 0) assert.equal(signer.verify(original, exp + shift, sig, now), false);
      if (garbage !== sig) assert.equal(signer.verify(original, exp, garbage, now), false);
      assert.equal(signer.verify(original, exp, sig, exp + 1), false);
    }),
    settings,
  );
});

test('focal crops: the window is the box (or the whole scaled image), inside the image, around the point where it can be', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8000 }),
      fc.integer({ min: 1, max: 8000 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.option(fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: null }),
      fc.boolean(),
      (width, height, boxWidth, boxHeight, focal, enlarge) => {
        const crop = focalWindow({ box: { width: boxWidth, height: boxHeight }, focal, size: { width, height }, enlarge })!;
        const { scaled, window } = crop;
        assert.ok(window.left >= 0 && window.top >= 0);
        assert.ok(window.left + window.width <= scaled.width && window.top + window.height <= scaled.height, JSON.stringify(crop));
        assert.equal(window.width, Math.min(boxWidth, scaled.width));
        assert.equal(window.height, Math.min(boxHeight, scaled.height));
        if (!enlarge) assert.ok(scaled.width <= width && scaled.height <= height);
        // The point is inside the window unless the window had to move to stay inside the image.
        const point = focal ?? { x: 0.5, y: 0.5 };
        const px = point.x * scaled.width;
        if (window.left > 0 && window.left + window.width < scaled.width) assert.ok(Math.abs(px - (window.left + window.width / 2)) <= 1);
      },
    ),
    settings,
  );
});
