/** How the dashboard writes numbers; pure, so tables and tests agree. */

/** "0.4 s", "12 s", "3 min", "2 h": how long ago a heartbeat arrived. */
export function formatAge(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

export function formatPercent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** Dollars to the cent, or to four decimals under a dollar (per-request and per-token money). */
export function formatUsd(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  return Math.abs(n) >= 1 || n === 0 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}

export function formatCount(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '—';
}
