/** Order statistics for latency samples (nearest-rank on a sorted copy). */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export interface Summary {
  count: number;
  medianMs: number;
  p99Ms: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    count: samples.length,
    medianMs: round(median(samples)),
    p99Ms: round(percentile(samples, 99)),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `a / b`, or null when b is not a positive number (nothing to compare with). */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b, 2) : null;
}
