import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import type { GatewayDeps } from '../ports';
import { columnsOf, toCsv } from '../reports/csv';
import { reportRequest } from '../reports/report-catalog';
import { topTierModels } from '../reports/routing-report';

const dayMs = 24 * 60 * 60 * 1000;

function timeParam(value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms)) {
    throw new GatewayError('invalid_request', `'${value}' is not a time (ISO 8601 or epoch ms).`);
  }
  return ms;
}

/**
 * `GET /admin/reports/:name?from&to&by&format=json|csv`: the same SQL as `npm run report`,
 * run on the bound D1. The default range is the last 30 days.
 */
export function createAdminReportRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.get('/:name', async (c) => {
    const toMs = timeParam(c.req.query('to'), deps.clock.nowMs());
    const fromMs = timeParam(c.req.query('from'), toMs - 30 * dayMs);
    const request = reportRequest(
      c.req.param('name'),
      c.req.query('by'),
      { fromMs, toMs },
      topTierModels(deps.config.models.routes),
    );
    if (!request.ok) throw new GatewayError('invalid_request', request.message);
    const rows = await deps.sql.all(request.sql);
    if (c.req.query('format') === 'csv') {
      return c.body(toCsv(rows, columnsOf(rows)), 200, {
        'content-type': 'text/csv; charset=utf-8',
      });
    }
    return c.json({ report: request.name, by: request.by, fromMs, toMs, rows });
  });
  return app;
}
