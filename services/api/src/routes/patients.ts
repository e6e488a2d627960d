import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../errors.ts';
import { canSeeNames } from '../permissions.ts';
import { addRoute } from '../route-kit.ts';
import { findPatients, patientAlerts, patientProfile } from '@chartwatch/store';
import { idSchema, limitSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

/**
 * Finding a patient before their access report: by id for every triage role,
 * by name for the roles allowed names, and a 404 for an id nobody knows, so
 * the dashboard can say "no such patient" instead of a clean-looking report.
 */
export function patientRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'patients.search',
    method: 'GET',
    url: '/patients',
    summary: 'Find patients by id (prefix) or, for roles allowed names, by name',
    tags: ['investigations'],
    query: z.object({ q: z.string().trim().min(1).max(200), limit: limitSchema(20, 100) }).strict(),
    audit: true,
    handler: async ({ query, principal, request }) => {
      const byName = canSeeNames(principal.roles);
      const items = await findPatients(ctx.db, { text: query.q, byName, limit: query.limit });
      request.auditSubjects = { patientIds: items.map((p) => p.patientId) };
      return { items, byName };
    },
  });

  addRoute(app, {
    id: 'patients.get',
    method: 'GET',
    url: '/patients/:patientId',
    summary: 'One patient: directory entry (names for roles allowed them), whether any access is stored, alerts that name them',
    tags: ['investigations'],
    params: z.object({ patientId: idSchema }).strict(),
    query: z.object({ alerts: limitSchema(50, 500) }).strict(),
    audit: true,
    handler: async ({ params, query, principal, request }) => {
      request.auditSubjects = { patientIds: [params.patientId] };
      const profile = await patientProfile(ctx.db, params.patientId, canSeeNames(principal.roles));
      if (profile === null) throw notFound(`patient ${params.patientId} (not in the patient directory and no stored access names it)`);
      const alerts = await patientAlerts(ctx.db, params.patientId, query.alerts);
      request.auditSubjects = { patientIds: [params.patientId], alertIds: alerts.map((a) => a.alertId) };
      return { patient: profile, alerts };
    },
  });
}
