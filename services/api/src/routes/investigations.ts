import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { toCsv } from '../csv.ts';
import { resolveNames } from '../names.ts';
import type { ResolvedNames } from '../names.ts';
import { addRoute } from '../route-kit.ts';
import { analystScope, outOfScope } from '../minimum-necessary.ts';
import { actorActivity, actorEvents, patientAccessEvents } from '@chartwatch/store';
import type { PatientAccess } from '@chartwatch/store';
import { DAY_MS, resolveRange } from '../time-range.ts';
import { booleanFlag, idSchema, isoTimeSchema, limitSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

const eventCursor = z.object({ t: isoTimeSchema, id: idSchema });

const exportQuery = {
  from: isoTimeSchema.optional(),
  to: isoTimeSchema.optional(),
  limit: limitSchema(200, 10_000),
  cursor: z.string().max(2048).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  resolveNames: booleanFlag.optional(),
};

function nextCursor(events: readonly { time: string; eventId: string }[], limit: number): string | null {
  const last = events[limit - 1];
  return events.length > limit && last ? encodeCursor({ t: last.time, id: last.eventId }) : null;
}

function before(cursor: string | undefined): { before?: { time: string; eventId: string } } {
  if (cursor === undefined) return {};
  const c = decodeCursor(cursor, eventCursor);
  return { before: { time: c.t, eventId: c.id } };
}

/** One access as a patient's report shows it, with the actor's name for roles allowed names. */
function reportAccess(a: PatientAccess, names: ResolvedNames | null) {
  const name = names?.actors[a.actor.id];
  const { patientCount, ...rest } = a;
  return {
    ...rest,
    actor: { ...a.actor, ...(names ? { givenName: name?.givenName ?? null, familyName: name?.familyName ?? null } : {}) },
    patientsInAccess: patientCount,
  };
}

const REPORT_COLUMNS = [
  'time', 'event_id', 'actor_id', 'actor_kind', 'actor_role', 'actor_department', 'actor_given_name', 'actor_family_name', 'action',
  'resource_types', 'sensitivity', 'purpose_of_use', 'break_the_glass', 'outcome', 'records', 'source_system', 'network_address',
  'patients_in_access',
];

const TIMELINE_COLUMNS = [
  'time', 'event_id', 'patient_ids', 'action', 'resource_types', 'sensitivity', 'purpose_of_use', 'break_the_glass', 'outcome',
  'records', 'source_system', 'network_address', 'actor_role', 'actor_department',
];

export function investigationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'actors.timeline',
    method: 'GET',
    url: '/actors/:actorId/timeline',
    summary: "An actor's accesses over a range, newest first, with hourly or daily aggregates (JSON or CSV)",
    tags: ['investigations'],
    params: z.object({ actorId: idSchema }).strict(),
    query: z.object({ ...exportQuery, part: z.enum(['events', 'activity']).default('events') }).strict(),
    audit: true,
    handler: async ({ params, query, principal, request, reply }) => {
      const range = resolveRange(query, ctx.clock(), 7 * DAY_MS, 366 * DAY_MS);
      request.auditSubjects = { actorIds: [params.actorId] };
      const scope = await analystScope(ctx.db, ctx.minimumNecessary, principal);
      if (scope !== null && !scope.actorIds.has(params.actorId)) throw outOfScope(`staff member ${params.actorId}`);
      const [fetched, activity] = await Promise.all([
        actorEvents(ctx.db, params.actorId, { ...range, ...before(query.cursor), limit: query.limit + 1 }),
        query.cursor === undefined || query.format === 'csv' ? actorActivity(ctx.db, params.actorId, range.from, range.to) : Promise.resolve(null),
      ]);
      const events = fetched.slice(0, query.limit);
      request.auditSubjects = { actorIds: [params.actorId], patientIds: [...new Set(events.flatMap((e) => e.patientIds))] };
      const names = query.resolveNames ? await resolveNames(ctx.db, principal, { actorIds: [params.actorId], patientIds: events.flatMap((e) => e.patientIds) }) : null;
      const cursor = nextCursor(fetched, query.limit);
      if (query.format === 'csv') {
        if (cursor !== null) reply.header('x-next-cursor', cursor);
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="actor-timeline.csv"`);
        if (query.part === 'activity') {
          return toCsv(
            ['start', 'events', 'distinct_patients', 'records', 'break_the_glass', 'sensitive', 'failures'],
            (activity?.buckets ?? []).map((b) => [b.start, b.events, b.distinctPatients, b.records, b.breakTheGlass, b.sensitive, b.failures]),
          );
        }
        return toCsv(
          TIMELINE_COLUMNS,
          events.map((e) => [e.time, e.eventId, e.patientIds, e.action, e.resourceTypes, e.sensitivity, e.purposeOfUse, e.breakTheGlass, e.outcome, e.records, e.sourceSystem, e.networkAddress, e.actor.role, e.actor.department]),
        );
      }
      return { actorId: params.actorId, ...range, activity, events, nextCursor: cursor, ...(names ? { names } : {}) };
    },
  });

  addRoute(app, {
    id: 'patients.accessReport',
    method: 'GET',
    url: '/patients/:patientId/access-report',
    summary: "Who opened this patient's chart, when, what, from where, under which purpose (JSON or CSV)",
    tags: ['investigations'],
    params: z.object({ patientId: idSchema }).strict(),
    query: z.object(exportQuery).strict(),
    audit: true,
    handler: async ({ params, query, principal, request, reply }) => {
      // A patient may ask for six years of accesses (HIPAA's accounting period); allow a little more.
      const range = resolveRange(query, ctx.clock(), 6 * 366 * DAY_MS, 7 * 366 * DAY_MS);
      request.auditSubjects = { patientIds: [params.patientId] };
      const scope = await analystScope(ctx.db, ctx.minimumNecessary, principal);
      if (scope !== null && !scope.patientIds.has(params.patientId)) throw outOfScope(`patient ${params.patientId}`);
      const fetched = await patientAccessEvents(ctx.db, params.patientId, { ...range, ...before(query.cursor), limit: query.limit + 1 });
      const events = fetched.slice(0, query.limit);
      const names = query.resolveNames ? await resolveNames(ctx.db, principal, { actorIds: events.map((e) => e.actor.id), patientIds: [params.patientId] }) : null;
      const accesses = events.map((e) => reportAccess(e, names));
      const cursor = nextCursor(fetched, query.limit);
      if (query.format === 'csv') {
        if (cursor !== null) reply.header('x-next-cursor', cursor);
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="patient-access-report.csv"`);
        return toCsv(
          REPORT_COLUMNS,
          accesses.map((a) => [
            a.time, a.eventId, a.actor.id, a.actor.kind, a.actor.role, a.actor.department,
            'givenName' in a.actor ? a.actor.givenName : null, 'familyName' in a.actor ? a.actor.familyName : null,
            a.action, a.resourceTypes, a.sensitivity, a.purposeOfUse, a.breakTheGlass, a.outcome, a.records, a.sourceSystem, a.networkAddress,
            a.patientsInAccess,
          ]),
        );
      }
      return {
        patientId: params.patientId,
        ...(names ? { patient: names.patients[params.patientId] ?? { givenName: null, familyName: null } } : {}),
        ...range,
        accesses,
        nextCursor: cursor,
      };
    },
  });
}
