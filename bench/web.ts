/// <reference lib="dom" />
/**
 * The web app's page-load numbers, Lighthouse-style, in Debian's Chromium against `npm start`:
 * a user with 100 images opens the gallery.
 *
 *   npm run bench:web                 100 images, 1 first visit + 5 repeat visits; writes docs/web-performance.md
 *   npm run bench:web -- --quick      10 images, one of each (the test suite's smoke run)
 *   npm run bench:web -- --out DIR    write the report elsewhere
 *
 * First visit: the server has never rendered these thumbnails. Repeat visits: a new browser profile
 * each time (nothing in the browser's cache), the thumbnails already rendered by the server.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { launchChromium } from '../testkit/browser.js';
import { register, TEST_SECRET, upload, median, startServerProcess } from '../testkit/index.js';
import { runInfo } from './framework.js';
import { benchArgs } from './lib.js';

const { values: options } = benchArgs({ quick: { type: 'boolean', default: false }, out: { type: 'string' } });
const quick = options.quick;
const outDir = options.out ?? join(import.meta.dirname, '..', 'docs');
const IMAGES = quick ? 10 : 100;
const REPEATS = quick ? 1 : 5;
const VIEWPORT = { width: 1280, height: 800 };

interface Visit {
  /** First contentful paint (the page shell). */
  fcp: number;
  /** The gallery's markup with the first page of thumbnails is in the document (the app's own mark). */
  rendered: number;
  /** Every thumbnail in the viewport has loaded and faded in. */
  visuallyComplete: number;
  lcp: number;
  cls: number;
  thumbnailsInView: number;
  scriptBytes: number;
  styleBytes: number;
  imageBytes: number;
}

/** Distinct 1600×1067 photos-like JPEGs (a gradient with noise), so that every thumbnail is its own render. */
async function photo(index: number): Promise<Buffer> {
  const hue = (index * 37) % 360;
  const svg = [
    '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1067">',
    '<defs><linearGradient id="g" x2="1" y2="1">',
    `<stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},60%,30%)"/>`,
    '</linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>',
    `<circle cx="${400 + index * 9}" cy="500" r="260" fill="hsl(${(hue + 200) % 360},80%,70%)"/></svg>`,
  ].join('');
  const noise = await sharp({
    create: { width: 1600, height: 1067, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 0, sigma: 12 } },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: noise, blend: 'add' }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

const server = await startServerProcess({ SECRET_KEY: TEST_SECRET, AUTH_RATE_LIMIT: '100000' });
const browser = await launchChromium();
try {
  const token = await register(server.base);
  for (let i = 0; i < IMAGES; i++) {
    const response = await upload(server.base, token, await photo(i), { filename: `photo-${String(i + 1).padStart(3, '0')}.jpg` });
    if (response.status !== 201) throw new Error(`upload ${i}: ${response.status} ${response.text}`);
  }

  const visit = async (): Promise<Visit> => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    await context.addInitScript((value) => {
      sessionStorage.setItem('image-api:token', value);
      const state = { lcp: 0, cls: 0 };
      (window as unknown as { __perf: typeof state }).__perf = state;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) state.lcp = entry.startTime;
      }).observe({ type: 'largest-contentful-paint', buffered: true });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[])
          if (!entry.hadRecentInput) state.cls += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    }, token);
    const page = await context.newPage();
    await page.goto(`${server.base}/`);
    const visuallyComplete = await page.waitForFunction(
      () => {
        const tiles = [...document.querySelectorAll('.grid .tile')].filter((tile) => {
          const box = tile.getBoundingClientRect();
          return box.top < innerHeight && box.bottom > 0;
        });
        return tiles.length > 0 && tiles.every((tile) => tile.classList.contains('loaded')) ? performance.now() : false;
      },
      undefined,
      { polling: 'raf' },
    );
    const completeAt = (await visuallyComplete.jsonValue()) as number;
    // Let a late layout shift or LCP candidate be recorded.
    await page.waitForTimeout(300);
    // No named functions inside: tsx would wrap them in a helper the page does not have.
    const measured = await page.evaluate(() => {
      const state = (window as unknown as { __perf: { lcp: number; cls: number } }).__perf;
      const transferred = { script: 0, style: 0, image: 0 };
      for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
        if (entry.name.endsWith('.js')) transferred.script += entry.transferSize;
        else if (entry.name.endsWith('.css')) transferred.style += entry.transferSize;
        else if (entry.initiatorType === 'img') transferred.image += entry.transferSize;
      }
      return {
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        rendered: performance.getEntriesByName('gallery:rendered')[0]?.startTime ?? NaN,
        lcp: state.lcp,
        cls: state.cls,
        thumbnailsInView: [...document.querySelectorAll('.grid .tile')].filter((tile) => tile.getBoundingClientRect().top < innerHeight)
          .length,
        scriptBytes: transferred.script,
        styleBytes: transferred.style,
        imageBytes: transferred.image,
      };
    });
    await context.close();
    return { ...measured, visuallyComplete: completeAt };
  };

  const first = await visit();
  const repeats: Visit[] = [];
  for (let i = 0; i < REPEATS; i++) repeats.push(await visit());
  const mid = (pick: (visit: Visit) => number) => median(repeats.map(pick));
  const ms = (value: number) => `${Math.round(value)} ms`;
  const kb = (value: number) => `${(value / 1024).toFixed(1)} KB`;
  const rows: [string, (visit: Visit) => number, (value: number) => string][] = [
    ['First contentful paint', (v) => v.fcp, ms],
    ['Gallery rendered (first 60 thumbnails in the document)', (v) => v.rendered, ms],
    ['Largest contentful paint', (v) => v.lcp, ms],
    ['Visually complete (every thumbnail in view loaded)', (v) => v.visuallyComplete, ms],
    ['Cumulative layout shift', (v) => v.cls, (value) => value.toFixed(3)],
    ['Thumbnails in view', (v) => v.thumbnailsInView, String],
    ['JavaScript transferred', (v) => v.scriptBytes, kb],
    ['CSS transferred', (v) => v.styleBytes, kb],
    ['Images transferred', (v) => v.imageBytes, kb],
  ];
  const info = runInfo(quick ? 'quick' : 'full', REPEATS);
  const lines = [
    '# Web app: page-load numbers',
    '',
    `${info.date.slice(0, 10)} · ${info.cores} cores (${info.cpu}) · Node ${info.node} · Debian Chromium ` +
      `(headless), ${VIEWPORT.width}×${VIEWPORT.height}, no network or CPU throttling, server and browser on ` +
      `the same machine.`,
    '',
    `Produced by \`npm run bench:web\`: a user with ${IMAGES} images (distinct 1600×1067 JPEGs) opens the gallery at \`/\`. ` +
      'Times are from the start of navigation. **First visit**: the server renders every thumbnail on demand. ' +
      `**Repeat visits** (median of ${REPEATS}): a fresh browser profile each time (empty browser cache), ` +
      'thumbnails already rendered and stored by the server.',
    '',
    '| | first visit | repeat visits (median) |',
    '|---|---|---|',
    ...rows.map(([label, pick, format]) => `| ${label} | ${format(pick(first))} | ${format(mid(pick))} |`),
    '',
  ];
  await writeFile(join(outDir, quick ? 'web-performance.quick.md' : 'web-performance.md'), `${lines.join('\n')}`);
  console.log(lines.slice(6).join('\n'));
} finally {
  await browser.close();
  await server.stop();
}
