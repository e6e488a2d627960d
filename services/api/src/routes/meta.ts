import type { FastifyInstance } from 'fastify';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from './context.ts';

export function metaRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'me.get',
    method: 'GET',
    url: '/me',
    summary: 'Who the API takes the caller to be',
    tags: ['meta'],
    handler: async ({ principal }) => ({ id: principal.id, kind: principal.kind, name: principal.name, roles: principal.roles }),
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
