import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createApiKey, keyView, listKeys, revokeKey } from '../auth/key-admin.ts';
import { notFound, validationError } from '../errors.ts';
import { ROLES } from '../permissions.ts';
import { addRoute } from '../route-kit.ts';
import { isoTimeSchema } from '../validation.ts';
import type { RouteContext } from './context.ts';

const hasControlCharacter = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
export const keyNameSchema = z.string().min(1).max(128).refine((s) => !hasControlCharacter(s), 'must not contain control characters');

export function keyRoutes(app: FastifyInstance, ctx: RouteContext): void {
  addRoute(app, {
    id: 'keys.list',
    method: 'GET',
    url: '/api-keys',
    summary: 'API keys (ids, names, roles; never the keys or their hashes)',
    tags: ['admin'],
    audit: true,
    handler: async () => ({ items: await listKeys(ctx.db) }),
  });

  addRoute(app, {
    id: 'keys.create',
    method: 'POST',
    url: '/api-keys',
    summary: 'Create an API key; the key is in this response only',
    tags: ['admin'],
    status: 201,
    audit: true,
    body: z.object({ name: keyNameSchema, role: z.enum(ROLES), expiresAt: isoTimeSchema.optional() }).strict(),
    handler: async ({ body, principal, request }) => {
      const now = ctx.clock();
      if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now.getTime()) throw validationError('body.expiresAt', 'must be in the future');
      const created = await createApiKey(ctx.db, { name: body.name, role: body.role, createdBy: principal.id, at: now.toISOString(), expiresAt: body.expiresAt ?? null });
      request.auditSubjects = { subjectIds: [created.keyId] };
      return created;
    },
  });

  addRoute(app, {
    id: 'keys.revoke',
    method: 'DELETE',
    url: '/api-keys/:keyId',
    summary: 'Revoke an API key (immediately in this process)',
    tags: ['admin'],
    params: z.object({ keyId: z.string().regex(/^k_[0-9a-f]{16}$/, 'must be a key id like k_0123456789abcdef') }).strict(),
    audit: true,
    handler: async ({ params, principal, request }) => {
      request.auditSubjects = { subjectIds: [params.keyId] };
      const k = await revokeKey(ctx.db, params.keyId, principal.id, ctx.clock().toISOString());
      if (k === null) throw notFound(`API key ${params.keyId}`);
      ctx.authenticator.forget(k.keyHash);
      return { key: keyView(k) };
    },
  });
}
