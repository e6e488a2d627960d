import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from './context.ts';

export function healthRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'health.live',
    method: 'GET',
    url: '/health',
    summary: 'Liveness: the process is up',
    tags: ['health'],
    handler: async () => ({ status: 'ok' }),
  });
  addRoute(app, {
    id: 'health.ready',
    method: 'GET',
    url: '/ready',
    summary: 'Readiness: ClickHouse answers',
    tags: ['health'],
    handler: async () => {
      if (!(await ctx.ready())) throw new ApiError('CW_ERR_NOT_READY', 'ClickHouse is not answering');
      return { status: 'ready' };
    },
  });
}
