import { cpus } from 'node:os';
import { median } from '../testkit/index.js';

/** What a benchmark's ratio (service ÷ baseline) must be, or how much the service may exceed the baseline. */
export type Budget =
  { kind: 'min-ratio'; value: number } | { kind: 'max-ratio'; value: number } | { kind: 'max-growth'; value: number } | { kind: 'report' };

export interface Series {
  title: string;
  xLabel: string;
  yLabel: string;
  points: [number, number][];
}

/** Two sides of one measurement, run alternately: service, baseline, service, baseline, … */
export interface PreparedPair {
  service(): Promise<number>;
  baseline(): Promise<number>;
  /** What the load generator itself reaches (against a trivial nginx answer): the ceiling beside the baseline. */
  ceiling?(): Promise<number>;
  /** A curve measured once, for the chart. */
  series?(): Promise<Series>;
  close(): Promise<void>;
}

export interface Benchmark<Context> {
  name: string;
  title: string;
  serviceLabel: string;
  baselineLabel: string;
  unit: string;
  budget: Budget;
  /** What limits the service side; printed when the budget is missed. */
  limitedBy: string;
  prepare(context: Context): Promise<PreparedPair>;
}

export interface SideSummary {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export interface BenchmarkResult {
  name: string;
  title: string;
  serviceLabel: string;
  baselineLabel: string;
  unit: string;
  service: SideSummary;
  baseline: SideSummary;
  ceiling?: SideSummary;
  /** service ÷ baseline (for max-growth: service − baseline). */
  ratio: number;
  budget: Budget;
  met: boolean | null;
  /** Met with more than 50% to spare: the budget could be raised to this. */
  raiseTo: number | null;
  /** The baseline came within 20 % of the client's own ceiling: the ratio says little. */
  clientBound: boolean;
  limitedBy: string;
  series?: Series;
  error?: string;
}

function summarise(values: number[]): SideSummary {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0
    ? { median: Number.NaN, min: Number.NaN, max: Number.NaN, values }
    : { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), values };
}

export function judge(budget: Budget, ratio: number): { met: boolean | null; raiseTo: number | null } {
  if (!Number.isFinite(ratio) || budget.kind === 'report') return { met: null, raiseTo: null };
  switch (budget.kind) {
    case 'min-ratio':
      return { met: ratio >= budget.value, raiseTo: ratio >= budget.value * 1.5 ? Math.floor(ratio * 0.8 * 100) / 100 : null };
    case 'max-ratio':
      return {
        met: ratio <= budget.value,
        raiseTo: ratio <= 1 + (budget.value - 1) / 2 && budget.value > 1 ? Math.ceil(Math.max(ratio * 1.1, 1.05) * 100) / 100 : null,
      };
    case 'max-growth':
      return { met: ratio <= budget.value, raiseTo: ratio <= budget.value / 2 ? Math.ceil(Math.max(ratio * 1.5, 10)) : null };
  }
}

export async function runBenchmark<Context>(
  benchmark: Benchmark<Context>,
  context: Context,
  pairs: number,
  warmup: boolean,
): Promise<BenchmarkResult> {
  const service: number[] = [];
  const baseline: number[] = [];
  const ceiling: number[] = [];
  let series: Series | undefined;
  let error: string | undefined;
  let prepared: PreparedPair | undefined;
  try {
    prepared = await benchmark.prepare(context);
    if (warmup) {
      await prepared.service();
      await prepared.baseline();
    }
    for (let i = 0; i < pairs; i++) {
      service.push(await prepared.service());
      baseline.push(await prepared.baseline());
      if (prepared.ceiling) ceiling.push(await prepared.ceiling());
    }
    series = await prepared.series?.();
  } catch (caught) {
    error = (caught as Error).message;
  } finally {
    await prepared?.close().catch(() => undefined);
  }
  const serviceSummary = summarise(service);
  const baselineSummary = summarise(baseline);
  const ratio =
    benchmark.budget.kind === 'max-growth'
      ? serviceSummary.median - baselineSummary.median
      : serviceSummary.median / baselineSummary.median;
  return {
    name: benchmark.name,
    title: benchmark.title,
    serviceLabel: benchmark.serviceLabel,
    baselineLabel: benchmark.baselineLabel,
    unit: benchmark.unit,
    service: serviceSummary,
    baseline: baselineSummary,
    ...(ceiling.length > 0 ? { ceiling: summarise(ceiling) } : {}),
    ratio,
    budget: benchmark.budget,
    ...judge(benchmark.budget, ratio),
    clientBound: ceiling.length > 0 && Math.max(serviceSummary.median, baselineSummary.median) >= 0.8 * summarise(ceiling).median,
    limitedBy: benchmark.limitedBy,
    ...(series ? { series } : {}),
    ...(error ? { error } : {}),
  };
}

// ---- reports ----

function number(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function budgetText(budget: Budget, unit: string): string {
  switch (budget.kind) {
    case 'min-ratio':
      return `≥ ${budget.value}`;
    case 'max-ratio':
      return `≤ ${budget.value}`;
    case 'max-growth':
      // Growth over the baseline, in the benchmark's unit (MiB of memory, ms of latency).
      return `+ ≤ ${budget.value} ${unit}`;
    case 'report':
      return 'report';
  }
}

export interface RunInfo {
  date: string;
  cores: number;
  cpu: string;
  node: string;
  mode: 'full' | 'quick';
  pairs: number;
}

export function runInfo(mode: 'full' | 'quick', pairs: number): RunInfo {
  return { date: new Date().toISOString(), cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, mode, pairs };
}

export function markdownReport(info: RunInfo, results: BenchmarkResult[], chartFiles: string[]): string {
  const lines: string[] = ['# Benchmarks', ''];
  lines.push(
    `${info.date.slice(0, 10)} · ${info.cores} cores (${info.cpu}) · Node ${info.node} · ${info.mode} run, ` +
      `${info.pairs} pair${info.pairs === 1 ? '' : 's'} per benchmark (service and baseline alternated, after ` +
      `a warm-up pair in full runs).`,
    '',
    'Produced by `npm run bench` (`npm run bench -- <name>` for one; `--quick` for the smoke run). Each ratio ' +
      'is service ÷ baseline, measured in the same run on the same machine; the machine is shared, so read ' +
      'ratios, not absolute figures.',
    '',
  );
  const missed = results.filter((result) => result.met === false && !result.clientBound);
  const failed = results.filter((result) => result.error);
  if (missed.length > 0 || failed.length > 0) {
    lines.push('## Missed budgets', '');
    for (const result of missed)
      lines.push(
        `- **${result.name}**: ratio ${number(result.ratio)} against ${budgetText(result.budget, result.unit)}. ` + result.limitedBy,
      );
    for (const result of failed) lines.push(`- **${result.name}** did not complete: ${result.error}`);
    lines.push('');
  }
  lines.push(
    '## Results',
    '',
    'Throughput rows measured with wrk show its own ceiling (wrk against a trivial nginx answer, same ' +
      'connections, same run): a side within 20 % of it is marked client-bound and its ratio is not a finding.',
    '',
    '| benchmark | service (median, min–max) | baseline (median, min–max) | ratio | budget | |',
    '|---|---|---|---|---|---|',
  );
  for (const result of results) {
    const side = (summary: SideSummary) => `${number(summary.median, result.unit)} (${number(summary.min)}–${number(summary.max)})`;
    const verdict = result.error
      ? 'error'
      : result.clientBound
        ? '**client-bound**: within 20 % of the ceiling'
        : result.met === null
          ? 'reported'
          : result.met
            ? result.raiseTo !== null
              ? `met with room: raise to ${result.raiseTo}`
              : 'met'
            : '**missed**';
    lines.push(
      `| **${result.name}**: ${result.title} | ${result.serviceLabel}: ${side(result.service)} | ${result.baselineLabel}: ` +
        `${side(result.baseline)}${result.ceiling ? `; the client's own ceiling: ${side(result.ceiling)}` : ''} | ` +
        `${number(result.ratio)} | ${budgetText(result.budget, result.unit)} | ${verdict} |`,
    );
  }
  if (chartFiles.length > 0) {
    lines.push('', '## Charts', '');
    for (const file of chartFiles) lines.push(`![${file}](${file})`, '');
  }
  return `${lines.join('\n')}\n`;
}

/** A small line chart (SVG) of one series. */
export function lineChart(series: Series): string {
  const width = 560;
  const height = 320;
  const margin = { left: 70, right: 20, top: 40, bottom: 50 };
  const xs = series.points.map(([x]) => x);
  const ys = series.points.map(([, y]) => y);
  const logX = Math.max(...xs) / Math.max(1, Math.min(...xs)) > 50;
  const fx = (x: number) => (logX ? Math.log10(x) : x);
  const [x0, x1] = [Math.min(...xs.map(fx)), Math.max(...xs.map(fx))];
  const y1 = Math.max(...ys) * 1.15 || 1;
  const px = (x: number) => margin.left + ((fx(x) - x0) / (x1 - x0 || 1)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - (y / y1) * (height - margin.top - margin.bottom);
  const path = series.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escape(series.title)}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${escape(series.xLabel)}</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${escape(series.yLabel)}</text>`,
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${margin.left - 6}" y="${py(y1 * f) + 4}" text-anchor="end">${number(y1 * f)}</text>`),
    ...series.points.map(
      ([x, y]) =>
        `<circle cx="${px(x)}" cy="${py(y)}" r="4" fill="#1f6feb"/><text x="${px(x)}" y="${height - margin.bottom + 16}" ` +
        `text-anchor="middle">${x}</text><text x="${px(x)}" y="${py(y) - 8}" text-anchor="middle">${number(y)}</text>`,
    ),
    `<path d="${path}" fill="none" stroke="#1f6feb" stroke-width="2"/>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
