import type { Lab } from './lab';

/** What every benchmark gets from the runner. */
export interface BenchContext {
  lab: Lab;
  /** The CI version: a few requests, asserting only that everything runs and writes results. */
  smoke: boolean;
  progress: (message: string) => void;
}

export interface BenchOutcome {
  /** Machine-readable, written to bench/results/<name>-<date>.json. */
  results: Record<string, unknown>;
  /** Markdown for this benchmark's section of bench/README.md. */
  markdown: string;
}

export interface Benchmark {
  name: string;
  run(context: BenchContext): Promise<BenchOutcome>;
}

/** Round r's order of the sides: rotated every round, so no side always goes first or last. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
