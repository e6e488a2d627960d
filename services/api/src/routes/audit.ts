import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { toCsv } from '../csv.ts';
import { addRoute } from '../route-kit.ts';
import { listApiAudit } from '@chartwatch/store';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { idSchema, isoTimeSchema, limitSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

const auditCursor = z.object({ t: isoTimeSchema, id: z.string().min(1).max(128) });

export function auditRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'audit.list',
    method: 'GET',
    url: '/audit',
    summary: "The API's own audit trail: who read which patient or alert, when, from where",
    tags: ['audit'],
    query: z
      .object({
        from: isoTimeSchema.optional(),
        to: isoTimeSchema.optional(),
        principal: z.string().min(1).max(256).optional(),
        patient: idSchema.optional(),
        alert: idSchema.optional(),
        route: z.string().regex(/^[a-zA-Z.]{1,64}$/, 'must be a route id such as patients.accessReport').optional(),
        limit: limitSchema(100, 5000),
        cursor: z.string().max(2048).optional(),
        format: z.enum(['json', 'csv']).default('json'),
      })
      .strict(),
    audit: true,
    handler: async ({ query, request, reply }) => {
      // `to` is exclusive: default to just after now so rows stamped this millisecond are included.
      const range = resolveRange({ ...query, to: query.to ?? new Date(ctx.clock().getTime() + 1000).toISOString() }, ctx.clock(), 7 * DAY_MS, 7 * 366 * DAY_MS);
      request.auditSubjects = { patientIds: query.patient ? [query.patient] : [], alertIds: query.alert ? [query.alert] : [] };
      // Rows still batched in memory are written first, so the trail is complete up to this request.
      await ctx.audit.flush();
      const c = query.cursor === undefined ? undefined : decodeCursor(query.cursor, auditCursor);
      const rows = await listApiAudit(ctx.db, {
        ...range,
        ...(query.principal ? { principalId: query.principal } : {}),
        ...(query.patient ? { patientId: query.patient } : {}),
        ...(query.alert ? { alertId: query.alert } : {}),
        ...(query.route ? { routeId: query.route } : {}),
        ...(c ? { before: { at: c.t, requestId: c.id } } : {}),
        limit: query.limit + 1,
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor({ t: last.at, id: last.requestId }) : null;
      if (query.format === 'csv') {
        if (nextCursor !== null) reply.header('x-next-cursor', nextCursor);
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="api-audit.csv"`);
        return toCsv(
          ['at', 'request_id', 'principal_id', 'principal_kind', 'role', 'route_id', 'method', 'url_path', 'patient_ids', 'alert_ids', 'actor_ids', 'ip', 'status'],
          items.map((r) => [r.at, r.requestId, r.principalId, r.principalKind, r.role, r.routeId, r.method, r.urlPath, r.patientIds, r.alertIds, r.actorIds, r.ip, r.status]),
        );
      }
      return { ...range, items, nextCursor };
    },
  });
}
