import { cacheReportSql } from './cache-report';
import { costReportSql } from './cost-report';
import { qualityGroups, qualityReportSql } from './quality-report';
import { usageGroups, type TimeRange } from './report-sql';
import { usageReportSql } from './usage-report';

/**
 * Every report by name: which groupings it takes and the SQL for a range. The CLI
 * (`npm run report`) and `GET /admin/reports/:name` both come through here.
 */
export interface ReportSpec {
  description: string;
  groups: readonly string[];
  defaultGroup: string;
  /** The columns a terminal table shows unless all are asked for; JSON and CSV carry every one. */
  terminalColumns?: readonly string[];
  sql(range: TimeRange, by: string): string;
}

const usageGroupNames = Object.keys(usageGroups) as (keyof typeof usageGroups)[];

export const reports = {
  usage: {
    description: 'requests, tokens, cache, errors by class, cost, latency and TTFT percentiles',
    groups: usageGroupNames,
    defaultGroup: 'model',
    terminalColumns: [
      'group',
      'requests',
      'prompt_tokens',
      'completion_tokens',
      'cache_hits',
      'tokens_saved',
      'errors',
      'rate_limited',
      'cost_usd',
      'p50_latency_ms',
      'p95_latency_ms',
      'p50_ttft_ms',
    ],
    sql: (range, by) => usageReportSql(by as keyof typeof usageGroups, range),
  },
  cache: {
    description:
      'response cache: cacheable requests, exact and semantic hits, hit rates, tokens saved',
    groups: usageGroupNames,
    defaultGroup: 'model',
    sql: (range, by) => cacheReportSql(by as keyof typeof usageGroups, range),
  },
  quality: {
    description: 'feedback counts and hallucination rate',
    groups: qualityGroups,
    defaultGroup: 'model',
    sql: (range, by) => qualityReportSql(by as (typeof qualityGroups)[number], range),
  },
  cost: {
    description: 'API list price vs dedicated pool cost, and the break-even monthly volume',
    groups: ['model'],
    defaultGroup: 'model',
    sql: (range) => costReportSql(range),
  },
} satisfies Record<string, ReportSpec>;

export type ReportName = keyof typeof reports;

export type ReportRequest =
  { ok: true; name: ReportName; by: string; sql: string } | { ok: false; message: string };

/** Validates a report request (name, grouping, range) and renders its SQL. */
export function reportRequest(
  name: string,
  by: string | undefined,
  range: TimeRange,
): ReportRequest {
  if (!(name in reports))
    return {
      ok: false,
      message: `unknown report '${name}'; try ${Object.keys(reports).join(', ')}`,
    };
  const spec: ReportSpec = reports[name as ReportName];
  const group = by ?? spec.defaultGroup;
  if (!spec.groups.includes(group)) {
    return {
      ok: false,
      message: `report '${name}' groups by ${spec.groups.join(', ')}, not '${group}'`,
    };
  }
  if (
    !Number.isSafeInteger(range.fromMs) ||
    !Number.isSafeInteger(range.toMs) ||
    range.toMs <= range.fromMs
  ) {
    return { ok: false, message: 'the time range must have integer bounds with from < to' };
  }
  return { ok: true, name: name as ReportName, by: group, sql: spec.sql(range, group) };
}
