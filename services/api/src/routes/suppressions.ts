import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound, validationError } from '../errors.ts';
import { addRoute } from '../route-kit.ts';
import type { AuditSubjects } from '../route-kit.ts';
import { insertSuppression, listSuppressions, revokeSuppression } from '@chartwatch/store';
import type { Suppression } from '@chartwatch/store';
import { DAY_MS } from '../time-range.ts';
import { booleanFlag, freeText, idSchema, isoTimeSchema, limitSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

const MAX_DAYS = 365;

/** What a suppression answer shows, for the audit trail: its id, staff member and patient. */
export function suppressionSubjects(items: readonly Suppression[]): AuditSubjects {
  return {
    subjectIds: items.map((s) => s.suppressionId),
    actorIds: items.map((s) => s.actorId),
    patientIds: items.flatMap((s) => (s.patientId === null ? [] : [s.patientId])),
  };
}

export function suppressionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'suppressions.list',
    method: 'GET',
    url: '/suppressions',
    summary: 'Suppressions (rule + actor [+ patient] until expiry), newest first',
    tags: ['suppressions'],
    query: z
      .object({ rule: idSchema.optional(), actor: idSchema.optional(), active: booleanFlag.optional(), limit: limitSchema(100, 1000) })
      .strict(),
    audit: true,
    handler: async ({ query, request }) => {
      const items = await listSuppressions(ctx.db, {
        ...(query.rule ? { ruleId: query.rule } : {}),
        ...(query.actor ? { actorId: query.actor } : {}),
        ...(query.active ? { activeAt: ctx.clock().toISOString() } : {}),
        limit: query.limit,
      });
      request.auditSubjects = suppressionSubjects(items);
      return { items };
    },
  });

  addRoute(app, {
    id: 'suppressions.create',
    method: 'POST',
    url: '/suppressions',
    summary: 'Create a suppression directly (without closing an alert)',
    tags: ['suppressions'],
    status: 201,
    body: z
      .object({ ruleId: idSchema, actorId: idSchema, patientId: idSchema.nullable().optional(), expiresAt: isoTimeSchema, reason: freeText(4000) })
      .strict(),
    audit: true,
    handler: async ({ body, principal, request }) => {
      const now = ctx.clock();
      if (Date.parse(body.expiresAt) <= now.getTime()) throw validationError('body.expiresAt', 'must be in the future');
      if (Date.parse(body.expiresAt) - now.getTime() > MAX_DAYS * DAY_MS) throw validationError('body.expiresAt', `may be at most ${MAX_DAYS} days ahead`);
      const s: Suppression = {
        suppressionId: ctx.newId(),
        ruleId: body.ruleId,
        actorId: body.actorId,
        patientId: body.patientId ?? null,
        expiresAt: body.expiresAt,
        createdAt: now.toISOString(),
        createdBy: principal.id,
        reason: body.reason,
        sourceAlertId: '',
        revokedAt: null,
        revokedBy: '',
      };
      await insertSuppression(ctx.db, s);
      request.auditSubjects = suppressionSubjects([s]);
      return { suppression: s };
    },
  });

  addRoute(app, {
    id: 'suppressions.revoke',
    method: 'DELETE',
    url: '/suppressions/:suppressionId',
    summary: 'Revoke a suppression: the detector raises the alert again',
    tags: ['suppressions'],
    params: z.object({ suppressionId: idSchema }).strict(),
    audit: true,
    handler: async ({ params, principal, request }) => {
      request.auditSubjects = { subjectIds: [params.suppressionId] };
      const s = await revokeSuppression(ctx.db, params.suppressionId, principal.id, ctx.clock().toISOString());
      if (s === null) throw notFound(`suppression ${params.suppressionId}`);
      request.auditSubjects = suppressionSubjects([s]);
      return { suppression: s };
    },
  });
}
