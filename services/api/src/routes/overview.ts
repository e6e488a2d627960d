import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { alertsPerDay, newestModelSummary, openAlertCounts, storedEventRate } from '@chartwatch/store';
import { lagOrReason } from '../consumer-lag.ts';
import { addRoute } from '../route-kit.ts';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { isoTimeSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

export function overviewRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'overview.get',
    method: 'GET',
    url: '/overview',
    summary:
      'The dashboard overview: alerts per UTC day by rule and severity and the open alerts over a range (default: the last 14 days), events stored per minute over the last hour, consumer lag, the newest model',
    tags: ['overview'],
    query: z.object({ from: isoTimeSchema.optional(), to: isoTimeSchema.optional() }).strict(),
    handler: async ({ query }) => {
      const now = ctx.clock();
      const range = resolveRange(query, now, 14 * DAY_MS, 366 * DAY_MS);
      const [perDay, open, rate, model, lag] = await Promise.all([
        alertsPerDay(ctx.db, range.from, range.to),
        openAlertCounts(ctx.db, range.from, range.to),
        storedEventRate(ctx.db, now.toISOString()),
        newestModelSummary(ctx.db),
        lagOrReason(ctx.consumerLag),
      ]);
      return {
        ...range,
        alertsPerDay: perDay,
        openAlerts: open,
        eventRate: rate,
        consumerLag: lag.lag,
        ...(lag.reason === null ? {} : { consumerLagUnavailable: lag.reason }),
        model: model === null ? null : { version: model.modelVersion, trainedAt: model.createdAt, trainedOn: { from: model.trainFrom, to: model.trainTo, actorDays: model.actorDays } },
      };
    },
  });
}
