import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addRoute } from '../route-kit.ts';
import { ALERT_STATUSES, listCases } from '@chartwatch/store';
import { listOf } from '../validation.ts';
import type { RouteContext } from './context.ts';

const HOUR_MS = 3_600_000;

/** Alerts grouped into cases (packages/store/src/api/alert-cases.ts): per actor or per patient, chained within a span. */
export function caseRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'cases.list',
    method: 'GET',
    url: '/cases',
    summary: 'Open alerts (by default) grouped into cases per actor or per patient: alerts whose firing times are within spanHours of the previous one',
    tags: ['alerts'],
    query: z
      .object({
        by: z.enum(['actor', 'patient']).default('actor'),
        spanHours: z.coerce.number().min(1).max(24 * 30).default(24),
        status: listOf(z.enum(ALERT_STATUSES), 3).optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
      })
      .strict(),
    audit: true,
    handler: async ({ query, request }) => {
      const cases = await listCases(ctx.db, { by: query.by, spanMs: query.spanHours * HOUR_MS, statuses: query.status ?? ['new', 'investigating'], limit: query.limit });
      request.auditSubjects = { alertIds: cases.flatMap((c) => c.alerts.map((q) => q.alert.alertId)) };
      return {
        by: query.by,
        spanHours: query.spanHours,
        items: cases.map((c) => ({ ...c, alerts: c.alerts.map((q) => ({ ...q.alert, triage: q.triage })) })),
      };
    },
  });
}
