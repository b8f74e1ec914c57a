import { cacheReportSql } from './cache-report';
import { costReportSql } from './cost-report';
import { qualityGroups, qualityReportSql } from './quality-report';
import { timeBuckets, usageGroups, type TimeBucket, type TimeRange } from './report-sql';
import { routingReportSql, topTierModels, type TopTierModels } from './routing-report';
import {
  latencyReportSql,
  spendReportSql,
  tiersReportSql,
  tooManyBuckets,
  trafficReportSql,
} from './time-series-reports';
import { usageReportSql } from './usage-report';
import { defaultCatalogue } from '../config/models';

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
  sql(range: TimeRange, by: string, routes: TopTierModels): string;
  /** Why the range does not suit the grouping (too many time buckets), if it does not. */
  rangeProblem?(range: TimeRange, by: string): string | undefined;
}

/** The routed names of the catalogue versioned with the code, and their top tiers' models. */
export const defaultTopTierModels = topTierModels(Object.entries(defaultCatalogue.routes));

const usageGroupNames = Object.keys(usageGroups) as (keyof typeof usageGroups)[];
const bucketNames = Object.keys(timeBuckets) as TimeBucket[];

/** A report over time, grouped by a bucket size. */
function timeSeries(
  description: string,
  sql: (bucket: TimeBucket, range: TimeRange) => string,
): ReportSpec {
  return {
    description,
    groups: bucketNames,
    defaultGroup: 'hour',
    sql: (range, by) => sql(by as TimeBucket, range),
    rangeProblem: (range, by) => tooManyBuckets(by as TimeBucket, range),
  };
}

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
  traffic: timeSeries(
    'over time: requests, tokens, cache hit rate, errors by class',
    trafficReportSql,
  ),
  latency: timeSeries('over time: latency and TTFT p50/p95 per model', latencyReportSql),
  tiers: timeSeries('over time: requests per routed tier', tiersReportSql),
  spend: timeSeries('over time: API-equivalent cost against the pool cost', spendReportSql),
  routing: {
    description: 'routed names by tier: share, cost, and the saving against the top tier',
    // One row per routed name and tier; the first column is the routed name (`auto`).
    groups: ['route'],
    defaultGroup: 'route',
    sql: (range, _by, routes) => routingReportSql(range, routes),
  },
} satisfies Record<string, ReportSpec>;

export type ReportName = keyof typeof reports;

export type ReportRequest =
  { ok: true; name: ReportName; by: string; sql: string } | { ok: false; message: string };

/**
 * Validates a report request (name, grouping, range) and renders its SQL. `routes` names each
 * routed name's top-tier model for the routing report; the edge passes its own catalogue's.
 */
export function reportRequest(
  name: string,
  by: string | undefined,
  range: TimeRange,
  routes: TopTierModels = defaultTopTierModels,
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
  const problem = spec.rangeProblem?.(range, group);
  if (problem !== undefined) return { ok: false, message: problem };
  return { ok: true, name: name as ReportName, by: group, sql: spec.sql(range, group, routes) };
}
