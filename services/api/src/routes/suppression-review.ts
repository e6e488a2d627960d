import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../errors.ts';
import { addRoute } from '../route-kit.ts';
import { backtestSuppression, getSuppression, listSuppressions, principalNames, suppressionHitCounts, suppressionHits } from '@chartwatch/store';
import { DAY_MS } from '../time-range.ts';
import { idSchema, limitSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

/** How far back a backtest looks by default: a quarter of alerts, enough to hold most rules' repeats. */
const BACKTEST_DAYS = 90;

/**
 * The suppressions page's reads: each suppression with what it hid (the
 * detector records every alert a suppression kept out), and the backtest a
 * suppression is checked against before it is made: the stored alerts it
 * would have hidden, with their resolutions.
 */
export function suppressionReviewRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'suppressions.review',
    method: 'GET',
    url: '/suppression-review',
    summary: 'Suppressions, newest first, each with how many alerts it has hidden and when it last did',
    tags: ['suppressions'],
    query: z.object({ limit: limitSchema(200, 1000) }).strict(),
    handler: async ({ query }) => {
      const items = await listSuppressions(ctx.db, { limit: query.limit });
      const [counts, principals] = await Promise.all([
        suppressionHitCounts(ctx.db, items.map((s) => s.suppressionId)),
        principalNames(ctx.db, items.flatMap((s) => [s.createdBy, s.revokedBy])),
      ]);
      const now = ctx.clock().getTime();
      return {
        principals,
        items: items.map((s) => ({
          suppression: s,
          state: s.revokedAt !== null ? 'lifted' : Date.parse(s.expiresAt) <= now ? 'expired' : 'active',
          hidden: counts.get(s.suppressionId)?.hidden ?? 0,
          lastHiddenAt: counts.get(s.suppressionId)?.lastHiddenAt ?? null,
        })),
      };
    },
  });

  addRoute(app, {
    id: 'suppressions.hidden',
    method: 'GET',
    url: '/suppression-review/:suppressionId/hidden',
    summary: 'The alerts one suppression hid, newest first',
    tags: ['suppressions'],
    params: z.object({ suppressionId: idSchema }).strict(),
    query: z.object({ limit: limitSchema(100, 1000) }).strict(),
    audit: true,
    handler: async ({ params, query, request }) => {
      const s = await getSuppression(ctx.db, params.suppressionId);
      if (s === null) throw notFound(`suppression ${params.suppressionId}`);
      const items = await suppressionHits(ctx.db, params.suppressionId, query.limit);
      request.auditSubjects = { actorIds: [s.actorId], patientIds: [...new Set(items.flatMap((h) => h.patientIds))] };
      return { suppression: s, items };
    },
  });

  addRoute(app, {
    id: 'suppressions.backtest',
    method: 'POST',
    url: '/suppressions/backtest',
    summary: 'The stored alerts a suppression of this scope would have hidden (default: the last 90 days), with their resolutions',
    tags: ['suppressions'],
    body: z.object({ ruleId: idSchema, actorId: idSchema, patientId: idSchema.nullable().optional(), days: z.number().int().min(1).max(366).default(BACKTEST_DAYS) }).strict(),
    audit: true,
    handler: async ({ body, request }) => {
      const to = ctx.clock();
      const from = new Date(to.getTime() - body.days * DAY_MS);
      const result = await backtestSuppression(ctx.db, { ruleId: body.ruleId, actorId: body.actorId, patientId: body.patientId ?? null }, from.toISOString(), to.toISOString());
      request.auditSubjects = { actorIds: [body.actorId], alertIds: result.alerts.map((a) => a.alertId) };
      return result;
    },
  });
}
