import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SEVERITIES } from '@chartwatch/detect';
import type { Alert } from '@chartwatch/detect';
import type { Principal } from '../auth/principal.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ApiError, notFound, validationError } from '../errors.ts';
import { resolveNames } from '../names.ts';
import { addRoute } from '../route-kit.ts';
import { isAllowed } from '../permissions.ts';
import { analystScope, outOfScope } from '../minimum-necessary.ts';
import {
  ALERT_SORTS,
  ALERT_STATUSES,
  RESOLUTIONS,
  SEVERITY_RANK,
  evidenceEvents,
  getQueuedAlert,
  getTriage,
  insertComment,
  insertSuppression,
  listAlertQueue,
  listComments,
  listHistory,
  recordChange,
} from '@chartwatch/store';
import type { AlertStatus, AlertTriage, QueuedAlert, Suppression } from '@chartwatch/store';
import { DAY_MS } from '../time-range.ts';
import { booleanFlag, freeText, idSchema, isoTimeSchema, limitSchema, listOf } from '../validation.ts';
import type { RouteContext } from './context.ts';

const alertParams = z.object({ alertId: idSchema }).strict();

const listQuery = z
  .object({
    status: listOf(z.enum(ALERT_STATUSES)).optional(),
    severity: listOf(z.enum(SEVERITIES)).optional(),
    rule: listOf(idSchema).optional(),
    actor: idSchema.optional(),
    patient: idSchema.optional(),
    application: idSchema.optional(),
    assignee: z.string().min(1).max(256).optional(),
    detector: z.enum(['rule', 'model']).optional(),
    from: isoTimeSchema.optional(),
    to: isoTimeSchema.optional(),
    sort: z.enum(ALERT_SORTS).default('-firedAt'),
    limit: limitSchema(50, 200),
    cursor: z.string().max(2048).optional(),
    resolveNames: booleanFlag.optional(),
  })
  .strict();

const cursorSchema = z.object({
  s: z.enum(ALERT_SORTS),
  t: isoTimeSchema,
  id: idSchema,
  r: z.number().int().min(0).max(10).optional(),
});

/** Allowed lifecycle moves; reopening a closed alert goes back to investigating. */
const TRANSITIONS: Record<AlertStatus, readonly AlertStatus[]> = {
  new: ['investigating', 'closed'],
  investigating: ['closed'],
  closed: ['investigating'],
};

const MAX_SUPPRESSION_DAYS = 365;

const transitionBody = z
  .object({
    to: z.enum(['investigating', 'closed']),
    resolution: z.enum(RESOLUTIONS).optional(),
    reason: freeText(4000),
    /** Optimistic concurrency: the triage version the caller saw. */
    expectedVersion: z.number().int().min(0).optional(),
    suppress: z
      .object({
        /** Narrow to one patient of the alert; absent: the rule for this actor, every patient. */
        patientId: idSchema.optional(),
        expiresAt: isoTimeSchema.optional(),
        days: z.number().int().min(1).max(MAX_SUPPRESSION_DAYS).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const assignBody = z
  .object({
    assignee: z.string().min(1).max(256).refine((s) => s.trim() !== '', 'must not be blank').nullable(),
    reason: z.string().max(4000).optional(),
    expectedVersion: z.number().int().min(0).optional(),
  })
  .strict();

const commentBody = z.object({ body: freeText(10_000) }).strict();

function primaryRole(p: Principal): string {
  return p.roles[0] ?? '';
}

function alertView(q: QueuedAlert): Record<string, unknown> {
  return { ...q.alert, triage: q.triage };
}

function pageCursor(sort: (typeof ALERT_SORTS)[number], last: Alert): string {
  return encodeCursor({ s: sort, t: last.firedAt, id: last.alertId, ...(sort.endsWith('severity') ? { r: SEVERITY_RANK[last.severity] } : {}) });
}

export function alertRoutes(app: FastifyInstance, ctx: RouteContext): void {
  async function loadAlert(alertId: string): Promise<QueuedAlert> {
    const found = await getQueuedAlert(ctx.db, alertId);
    if (found === null) throw notFound(`alert ${alertId}`);
    return found;
  }

  async function requireAssigned(alertId: string, principal: Principal): Promise<void> {
    const scope = await analystScope(ctx.db, ctx.minimumNecessary, principal);
    if (scope !== null && !scope.alertIds.has(alertId)) throw outOfScope(`alert ${alertId}`);
  }

  function checkVersion(current: AlertTriage, expected: number | undefined): void {
    if (expected !== undefined && expected !== current.version) {
      throw new ApiError('CW_ERR_CONFLICT', `alert ${current.alertId} is at version ${current.version}, not ${expected}: reload and retry`);
    }
  }

  addRoute(app, {
    id: 'alerts.list',
    method: 'GET',
    url: '/alerts',
    summary: 'The triage queue: alerts filtered, sorted and paged by cursor',
    tags: ['alerts'],
    query: listQuery,
    audit: true,
    handler: async ({ query, principal, request }) => {
      if (query.from !== undefined && query.to !== undefined && query.from >= query.to) throw validationError('query.to', 'must be later than query.from');
      let after;
      if (query.cursor !== undefined) {
        const c = decodeCursor(query.cursor, cursorSchema);
        if (c.s !== query.sort) throw validationError('query.cursor', `was issued for sort ${c.s}, not ${query.sort}`);
        after = { firedAt: c.t, alertId: c.id, ...(c.r === undefined ? {} : { severityRank: c.r }) };
      }
      const page = await listAlertQueue(ctx.db, {
        ...(query.status ? { statuses: query.status } : {}),
        ...(query.severity ? { severities: query.severity } : {}),
        ...(query.rule ? { ruleIds: query.rule } : {}),
        ...(query.actor ? { actorId: query.actor } : {}),
        ...(query.patient ? { patientId: query.patient } : {}),
        ...(query.application ? { application: query.application } : {}),
        ...(query.assignee ? { assignee: query.assignee } : {}),
        ...(query.detector ? { detector: query.detector } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
        ...(after ? { after } : {}),
        sort: query.sort,
        limit: query.limit + 1,
      });
      const scope = await analystScope(ctx.db, ctx.minimumNecessary, principal);
      // Minimum necessary: the patients of alerts assigned to someone else are not shown (minimum-necessary.ts).
      const items = page
        .slice(0, query.limit)
        .map((q) => (scope === null || scope.alertIds.has(q.alert.alertId) ? q : { ...q, alert: { ...q.alert, patientIds: [] } }));
      const last = items.at(-1);
      request.auditSubjects = {
        alertIds: items.map((i) => i.alert.alertId),
        // Every patient the page shows (and a filter's, even when nothing matched).
        patientIds: [...(query.patient ? [query.patient] : []), ...items.flatMap((i) => i.alert.patientIds)],
        actorIds: [...(query.actor ? [query.actor] : []), ...items.map((i) => i.alert.actorId)],
      };
      const body: Record<string, unknown> = {
        items: items.map(alertView),
        nextCursor: page.length > query.limit && last ? pageCursor(query.sort, last.alert) : null,
      };
      if (query.resolveNames) {
        body['names'] = await resolveNames(ctx.db, principal, {
          actorIds: items.map((i) => i.alert.actorId),
          patientIds: items.flatMap((i) => i.alert.patientIds),
        });
      }
      return body;
    },
  });

  addRoute(app, {
    id: 'alerts.get',
    method: 'GET',
    url: '/alerts/:alertId',
    summary: 'One alert: its explanation, triage state and evidence events',
    tags: ['alerts'],
    params: alertParams,
    query: z.object({ resolveNames: booleanFlag.optional() }).strict(),
    audit: true,
    handler: async ({ params, query, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      await requireAssigned(params.alertId, principal);
      const found = await loadAlert(params.alertId);
      const evidence = await evidenceEvents(ctx.db, found.alert);
      request.auditSubjects = {
        alertIds: [params.alertId],
        patientIds: [...new Set([...found.alert.patientIds, ...evidence.flatMap((e) => e.patientIds)])],
        actorIds: [found.alert.actorId],
      };
      const body: Record<string, unknown> = { ...alertView(found), evidence };
      if (query.resolveNames) {
        body['names'] = await resolveNames(ctx.db, principal, {
          actorIds: [found.alert.actorId],
          patientIds: [...found.alert.patientIds, ...evidence.flatMap((e) => e.patientIds)],
        });
      }
      return body;
    },
  });

  addRoute(app, {
    id: 'alerts.history',
    method: 'GET',
    url: '/alerts/:alertId/history',
    summary: 'Every change to the alert: status, assignment, comments, suppressions',
    tags: ['alerts'],
    params: alertParams,
    audit: true,
    handler: async ({ params, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      await requireAssigned(params.alertId, principal);
      const { alert } = await loadAlert(params.alertId);
      // A suppression's history line names the alert's patient.
      request.auditSubjects = { alertIds: [params.alertId], patientIds: alert.patientIds, actorIds: [alert.actorId] };
      return { items: await listHistory(ctx.db, params.alertId) };
    },
  });

  addRoute(app, {
    id: 'alerts.transition',
    method: 'POST',
    url: '/alerts/:alertId/transition',
    summary: 'Move the alert through its lifecycle (closing needs a resolution and a reason; a false positive may create a suppression)',
    tags: ['alerts'],
    params: alertParams,
    body: transitionBody,
    audit: true,
    handler: async ({ params, body, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      if (body.to === 'closed' && body.resolution === undefined) throw validationError('body.resolution', 'is required when closing an alert');
      if (body.to !== 'closed' && body.resolution !== undefined) throw validationError('body.resolution', 'is only given when closing an alert');
      if (body.suppress !== undefined && body.resolution !== 'false_positive') {
        throw validationError('body.suppress', 'only a false positive can create a suppression');
      }
      if (body.suppress?.expiresAt !== undefined && body.suppress.days !== undefined) throw validationError('body.suppress.days', 'give expiresAt or days, not both');
      // Suppressing is its own permission, whichever route asks for it.
      if (body.suppress !== undefined && !isAllowed('suppressions.create', principal.roles)) {
        throw new ApiError('CW_ERR_FORBIDDEN', `role ${principal.roles.join(',')} may not create suppressions (body.suppress)`);
      }
      return ctx.locks.run(params.alertId, async () => {
        const { alert } = await loadAlert(params.alertId);
        const current = await getTriage(ctx.db, params.alertId);
        checkVersion(current, body.expectedVersion);
        if (!TRANSITIONS[current.status].includes(body.to)) {
          throw new ApiError('CW_ERR_CONFLICT', `alert ${params.alertId} is ${current.status} and cannot move to ${body.to}`);
        }
        const now = ctx.clock();
        let suppression: Suppression | null = null;
        if (body.suppress !== undefined) {
          const s = body.suppress;
          if (s.patientId !== undefined && !alert.patientIds.includes(s.patientId)) {
            throw validationError('body.suppress.patientId', 'must be one of the alert\'s patients');
          }
          const expiresAt = s.expiresAt ?? new Date(now.getTime() + (s.days ?? 30) * DAY_MS).toISOString();
          if (Date.parse(expiresAt) <= now.getTime()) throw validationError('body.suppress.expiresAt', 'must be in the future');
          if (Date.parse(expiresAt) - now.getTime() > MAX_SUPPRESSION_DAYS * DAY_MS) {
            throw validationError('body.suppress.expiresAt', `may be at most ${MAX_SUPPRESSION_DAYS} days ahead`);
          }
          suppression = {
            suppressionId: ctx.newId(),
            ruleId: alert.ruleId,
            actorId: alert.actorId,
            patientId: s.patientId ?? null,
            expiresAt,
            createdAt: now.toISOString(),
            createdBy: principal.id,
            reason: body.reason,
            sourceAlertId: alert.alertId,
            revokedAt: null,
            revokedBy: '',
          };
        }
        const next: AlertTriage = {
          ...current,
          status: body.to,
          resolution: body.to === 'closed' ? (body.resolution ?? null) : null,
          reason: body.reason,
          updatedAt: now.toISOString(),
          updatedBy: principal.id,
          version: current.version + 1,
        };
        await recordChange(ctx.db, next, {
          alertId: alert.alertId,
          version: next.version,
          at: now.toISOString(),
          principalId: principal.id,
          principalRole: primaryRole(principal),
          change: 'status',
          from: current.status,
          to: body.to === 'closed' ? `closed:${body.resolution}` : body.to,
          reason: body.reason,
          refId: '',
        });
        if (suppression !== null) {
          await insertSuppression(ctx.db, suppression);
          const after: AlertTriage = { ...next, version: next.version + 1 };
          await recordChange(ctx.db, after, {
            alertId: alert.alertId,
            version: after.version,
            at: now.toISOString(),
            principalId: principal.id,
            principalRole: primaryRole(principal),
            change: 'suppression',
            from: '',
            to: suppression.patientId === null ? `rule=${suppression.ruleId},actor=${suppression.actorId}` : `rule=${suppression.ruleId},actor=${suppression.actorId},patient=${suppression.patientId}`,
            reason: body.reason,
            refId: suppression.suppressionId,
          });
          request.auditSubjects = { alertIds: [alert.alertId], actorIds: [alert.actorId], patientIds: alert.patientIds, subjectIds: [suppression.suppressionId] };
          return { triage: after, suppression };
        }
        return { triage: next, suppression: null };
      });
    },
  });

  addRoute(app, {
    id: 'alerts.assign',
    method: 'POST',
    url: '/alerts/:alertId/assign',
    summary: 'Assign the alert to someone (null unassigns)',
    tags: ['alerts'],
    params: alertParams,
    body: assignBody,
    audit: true,
    handler: async ({ params, body, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      return ctx.locks.run(params.alertId, async () => {
        await loadAlert(params.alertId);
        const current = await getTriage(ctx.db, params.alertId);
        checkVersion(current, body.expectedVersion);
        const now = ctx.clock().toISOString();
        const next: AlertTriage = { ...current, assignee: body.assignee, updatedAt: now, updatedBy: principal.id, version: current.version + 1 };
        await recordChange(ctx.db, next, {
          alertId: params.alertId,
          version: next.version,
          at: now,
          principalId: principal.id,
          principalRole: primaryRole(principal),
          change: 'assignment',
          from: current.assignee ?? '',
          to: body.assignee ?? '',
          reason: body.reason ?? '',
          refId: '',
        });
        return { triage: next };
      });
    },
  });

  addRoute(app, {
    id: 'alerts.comments.list',
    method: 'GET',
    url: '/alerts/:alertId/comments',
    summary: 'Comments on the alert, oldest first',
    tags: ['alerts'],
    params: alertParams,
    audit: true,
    handler: async ({ params, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      await requireAssigned(params.alertId, principal);
      await loadAlert(params.alertId);
      return { items: await listComments(ctx.db, params.alertId) };
    },
  });

  addRoute(app, {
    id: 'alerts.comments.create',
    method: 'POST',
    url: '/alerts/:alertId/comments',
    summary: 'Add a comment (kept verbatim; recorded in the history)',
    tags: ['alerts'],
    params: alertParams,
    body: commentBody,
    audit: true,
    status: 201,
    handler: async ({ params, body, principal, request }) => {
      request.auditSubjects = { alertIds: [params.alertId] };
      return ctx.locks.run(params.alertId, async () => {
        await loadAlert(params.alertId);
        const current = await getTriage(ctx.db, params.alertId);
        const now = ctx.clock().toISOString();
        const comment = { alertId: params.alertId, commentId: ctx.newId(), at: now, principalId: principal.id, body: body.body };
        await insertComment(ctx.db, comment);
        const next: AlertTriage = { ...current, updatedAt: now, updatedBy: principal.id, version: current.version + 1 };
        await recordChange(ctx.db, next, {
          alertId: params.alertId,
          version: next.version,
          at: now,
          principalId: principal.id,
          principalRole: primaryRole(principal),
          change: 'comment',
          from: '',
          to: '',
          reason: '',
          refId: comment.commentId,
        });
        return { comment, triage: next };
      });
    },
  });
}
