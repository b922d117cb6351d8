import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDataDir } from '../testkit/index.js';

const ROOT = join(import.meta.dirname, '..');
const BENCHMARKS = [
  'metadata-read',
  'key-read',
  'list',
  'filtered-list',
  'filtered-list-pg',
  'share-page',
  'share-album-page',
  'upload',
  'upload-memory',
  'resumable-upload',
  'resumable-upload-memory',
  'webhook-upload',
  'webhook-lag',
  'delivery-direct',
  'delivery-nginx',
  'delivery-redirect',
  'variant-render',
  'crop-attention',
  'crop-attention-direct',
  'cached-variant',
  'cached-variant-nginx',
  'scale',
  'workers',
  'start-up',
  'idle-rss',
];

test('benchmark smoke run: every benchmark runs once at tiny size and every report is written', async () => {
  const out = await tempDataDir();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), '--quick', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 300_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const markdown = await readFile(join(out, 'benchmarks.md'), 'utf8');
  for (const name of BENCHMARKS) assert.match(markdown, new RegExp(`\\| \\*\\*${name}\\*\\*: `), `no row for ${name}`);
  assert.match(markdown, /\d+ cores .* Node v\d+/);
  const report = JSON.parse(await readFile(join(out, 'benchmarks.json'), 'utf8')) as {
    results: { name: string; error?: string; service: { values: number[] } }[];
  };
  assert.deepEqual(
    report.results.map((result) => result.name),
    BENCHMARKS,
  );
  for (const result of report.results) {
    assert.equal(result.error, undefined, `${result.name}: ${result.error}`);
    assert.ok(result.service.values.every(Number.isFinite), result.name);
  }
  const charts = (await readdir(out)).filter((file) => file.endsWith('.svg'));
  assert.deepEqual(charts.sort(), [
    'benchmarks-filtered-list-pg.svg',
    'benchmarks-filtered-list.svg',
    'benchmarks-list.svg',
    'benchmarks-scale.svg',
  ]);
  assert.match(await readFile(join(out, 'benchmarks-list.svg'), 'utf8'), /^<svg /);
});
