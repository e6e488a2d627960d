import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addRoute } from '../route-kit.ts';
import { principalNames } from '@chartwatch/store';
import type { RouteContext } from './context.ts';

/**
 * Names for the principal ids the API records (`key:k_…` → the key's name):
 * the audit trail and the suppressions page show who, not a key id.
 */
export function principalRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'principals.names',
    method: 'GET',
    url: '/principal-names',
    summary: 'Names of API principals (key:<keyId> → the key’s name) for display',
    tags: ['audit'],
    query: z.object({ ids: z.string().max(20_000).transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== '').slice(0, 500)) }).strict(),
    handler: async ({ query }) => ({ names: await principalNames(ctx.db, query.ids) }),
  });
}
