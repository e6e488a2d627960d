import type { FastifyInstance } from 'fastify';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from './context.ts';

export function metaRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'me.get',
    method: 'GET',
    url: '/me',
    summary: "Who the API takes the caller to be (id, kind, name, roles), and `timezone`: the hospital's IANA zone (CHARTWATCH_TIMEZONE), the clock the dashboard shows times on",
    tags: ['meta'],
    // The zone rides on /me because every signed-in page fetches it first; it is a setting, not a secret.
    handler: async ({ principal }) => ({ id: principal.id, kind: principal.kind, name: principal.name, roles: principal.roles, timezone: ctx.timezone }),
  });

  addRoute(app, {
    id: 'metrics.get',
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics (no PHI)',
    tags: ['meta'],
    handler: async ({ reply }) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  });
}
