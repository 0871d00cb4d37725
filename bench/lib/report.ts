// The benchmark convention: human-readable lines, then as the very last line
// `RESULT {"name","unit","value","baseline","baseline_value","ratio",...}`.

/** What a benchmark measured against the baseline it measured in the same run. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline: string;
  baseline_value: number;
  /** Whether a lower or higher value is better; the ratio is value / baseline_value either way. */
  better: 'lower' | 'higher';
  [extra: string]: unknown;
}

/** The RESULT line for a result, with ratio = value / baseline_value. */
export function resultLine(r: BenchResult): string {
  const ratio = r.baseline_value === 0 ? null : round(r.value / r.baseline_value, 4);
  const { name, unit, value, baseline, baseline_value, better, ...extra } = r;
  return `RESULT ${JSON.stringify({ name, unit, value, baseline, baseline_value, ratio, better, ...extra })}`;
}

/** Prints the RESULT line; call it last. */
export function printResult(r: BenchResult): void {
  process.stdout.write(`${resultLine(r)}\n`);
}

/** The q-quantile (0..1) of samples, nearest-rank; samples need not be sorted. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Rounds to `digits` decimals. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
