import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Principal } from './auth/principal.ts';
import { ApiError } from './errors.ts';
import type { RouteId } from './permissions.ts';
import { allowedRoles, isPublicRoute } from './permissions.ts';
import { jsonSchemaOf, parsePart } from './validation.ts';

/** Ids of what a patient-data response showed, for the API audit trail. */
export interface AuditSubjects {
  patientIds?: readonly string[];
  alertIds?: readonly string[];
  actorIds?: readonly string[];
  /** Admin and security actions: the key, suppression or receiver acted on. */
  subjectIds?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    auditSubjects: AuditSubjects | null;
  }
  interface FastifyContextConfig {
    /** Key into permissions.ts's ROUTE_PERMISSIONS. */
    routeId?: string;
    /** Responses on this route are written to the API audit trail. */
    audit?: boolean;
  }
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P, Q, B> {
  id: RouteId;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** Write each response to the API audit trail (routes that show patient data). */
  audit?: boolean;
  /** Response status on success (default 200). */
  status?: number;
  handler(input: RouteInput<P, Q, B>): Promise<unknown>;
}

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'api_key', name: 'anonymous', roles: [] };

/**
 * Registers a route whose inputs are parsed by zod before the handler runs.
 * The JSON Schemas given to Fastify feed the OpenAPI document only: the
 * app's validator compiler is a no-op, so zod is the one validator and every
 * 400 has the same shape.
 */
export function addRoute<P = undefined, Q = undefined, B = undefined>(app: FastifyInstance, spec: RouteSpec<P, Q, B>): void {
  const isPublic = isPublicRoute(spec.id);
  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    description: isPublic ? 'No credentials needed.' : `Roles: ${allowedRoles(spec.id).join(', ')}.`,
    operationId: spec.id,
  };
  if (!isPublic) schema['security'] = [{ apiKey: [] }, { bearer: [] }];
  if (spec.params) schema['params'] = jsonSchemaOf(spec.params);
  if (spec.query) schema['querystring'] = jsonSchemaOf(spec.query);
  if (spec.body) schema['body'] = jsonSchemaOf(spec.body);

  app.route({
    method: spec.method,
    url: spec.url,
    schema,
    config: { routeId: spec.id, audit: spec.audit ?? false },
    handler: async (request, reply) => {
      // The app's preParsing hook has refused unauthenticated callers already; this guards a misconfigured app.
      if (!isPublic && request.principal === null) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'credentials required');
      const input: RouteInput<P, Q, B> = {
        params: spec.params ? parsePart(spec.params, request.params, 'params') : (undefined as P),
        query: spec.query ? parsePart(spec.query, request.query ?? {}, 'query') : (undefined as Q),
        body: spec.body ? parsePart(spec.body, request.body, 'body') : (undefined as B),
        principal: request.principal ?? ANONYMOUS,
        request,
        reply,
      };
      if (spec.status !== undefined) reply.code(spec.status);
      return spec.handler(input);
    },
  });
}
