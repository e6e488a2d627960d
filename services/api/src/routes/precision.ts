import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addRoute } from '../route-kit.ts';
import { rulePrecision } from '@chartwatch/store';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { isoTimeSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

/** Precision per rule and for the model from triage outcomes: what a privacy officer tunes rules by. */
export function precisionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'precision.get',
    method: 'GET',
    url: '/precision',
    summary:
      'Per rule and for the model, alerts fired in a range (default: the last 90 days): volume, open, closed by resolution, precision (confirmed / closed), median time to close, and the same per week',
    tags: ['overview'],
    query: z.object({ from: isoTimeSchema.optional(), to: isoTimeSchema.optional() }).strict(),
    handler: async ({ query }) => {
      const range = resolveRange(query, ctx.clock(), 90 * DAY_MS, 366 * DAY_MS);
      return { ...range, rules: await rulePrecision(ctx.db, range.from, range.to) };
    },
  });
}
