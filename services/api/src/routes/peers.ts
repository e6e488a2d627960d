import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorPeerComparison } from '@chartwatch/store';
import { addRoute } from '../route-kit.ts';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { idSchema, isoTimeSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

export function peerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'actors.peers',
    method: 'GET',
    url: '/actors/:actorId/peers',
    summary:
      "An actor's behaviour over a range (default: the last 7 days) against the median and 90th percentile of their peers (same role in the staff table, active in the range): events and distinct patients per day, after-hours and sensitive shares, active days. Counts only, no patient ids.",
    tags: ['investigations'],
    params: z.object({ actorId: idSchema }).strict(),
    query: z.object({ from: isoTimeSchema.optional(), to: isoTimeSchema.optional() }).strict(),
    handler: async ({ params, query }) => {
      const range = resolveRange(query, ctx.clock(), 7 * DAY_MS, 92 * DAY_MS);
      const cmp = await actorPeerComparison(ctx.db, params.actorId, range.from, range.to, ctx.timezone);
      return { ...range, timezone: ctx.timezone, ...cmp };
    },
  });
}
