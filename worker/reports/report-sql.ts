/** Small SQL pieces shared by the reports. Every value is a checked number; no string is spliced. */

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** `created_at_ms` of the given table alias inside the half-open range [from, to). */
export function inRange(alias: string, range: TimeRange): string {
  if (range.toMs < range.fromMs) throw new Error('the range ends before it starts');
  return `${alias}.created_at_ms >= ${integer(range.fromMs)} AND ${alias}.created_at_ms < ${integer(range.toMs)}`;
}

/** Grouping expressions over usage_events `u` (and api_keys `k`, joined on the key id). */
export const usageGroups = {
  model: `COALESCE(u.served_model, u.requested_model, '(none)')`,
  key: `COALESCE(k.name || ' ' || k.key_prefix || '…', u.key_id, '(no key)')`,
  tenant: `COALESCE(u.tenant_id, '(no tenant)')`,
  tag: `COALESCE(u.tag, '(untagged)')`,
  day: `strftime('%Y-%m-%d', u.created_at_ms / 1000, 'unixepoch')`,
  /** The routed tier that answered (`auto` requests); other requests are one group. */
  tier: `COALESCE(u.route_tier, '(not routed)')`,
} as const;
export type UsageGroup = keyof typeof usageGroups;
