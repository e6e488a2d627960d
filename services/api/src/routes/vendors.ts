import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../csv.ts';
import { notFound } from '../errors.ts';
import { addRoute } from '../route-kit.ts';
import { vendorSummaries, vendorUsage } from '@chartwatch/store';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { idSchema, isoTimeSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

const rangeQuery = { from: isoTimeSchema.optional(), to: isoTimeSchema.optional() };

export function vendorRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'vendors.list',
    method: 'GET',
    url: '/vendors',
    summary: 'Every vendor application with its totals over a range (default: the last 30 days)',
    tags: ['vendors'],
    query: z.object(rangeQuery).strict(),
    handler: async ({ query }) => {
      const range = resolveRange(query, ctx.clock(), 30 * DAY_MS, 366 * DAY_MS);
      return { ...range, vendors: await vendorSummaries(ctx.db, range.from, range.to) };
    },
  });

  addRoute(app, {
    id: 'vendors.usage',
    method: 'GET',
    url: '/vendors/:clientId/usage',
    summary: 'Records pulled per UTC day against the quota and the 28-day baseline (JSON or CSV)',
    tags: ['vendors'],
    params: z.object({ clientId: idSchema }).strict(),
    query: z.object({ ...rangeQuery, format: z.enum(['json', 'csv']).default('json') }).strict(),
    handler: async ({ params, query, reply }) => {
      const range = resolveRange(query, ctx.clock(), 30 * DAY_MS, 366 * DAY_MS);
      const usage = await vendorUsage(ctx.db, params.clientId, range.from, range.to);
      if (usage === null) throw notFound(`vendor ${params.clientId}`);
      if (query.format === 'csv') {
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="vendor-usage.csv"`);
        return toCsv(
          ['day', 'records', 'events', 'distinct_patients', 'quota', 'over_quota', 'baseline', 'ratio_to_baseline'],
          usage.days.map((d) => [d.day, d.records, d.events, d.distinctPatients, d.quota, d.overQuota, d.baseline, d.ratioToBaseline]),
        );
      }
      return { ...range, ...usage };
    },
  });
}
