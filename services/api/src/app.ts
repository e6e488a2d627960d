import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@chartwatch/logger';
import { AuditTrail } from './audit-trail.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { createOidcVerifier } from './auth/oidc.ts';
import type { ApiConfig } from './config.ts';
import type { ConsumerLagSource } from './consumer-lag.ts';
import { ApiError, errorBody } from './errors.ts';
import { KeyedLock } from './keyed-lock.ts';
import { createApiMetrics } from './metrics.ts';
import type { ApiMetrics } from './metrics.ts';
import { isAllowed, isPublicRoute } from './permissions.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { caseRoutes } from './routes/cases.ts';
import type { RouteContext } from './routes/context.ts';
import { healthRoutes } from './routes/health.ts';
import { investigationRoutes } from './routes/investigations.ts';
import { keyRoutes } from './routes/keys.ts';
import { uiPlugin } from './ui-plugin.ts';
import { metaRoutes } from './routes/meta.ts';
import { overviewRoutes } from './routes/overview.ts';
import { patientRoutes } from './routes/patients.ts';
import { peerRoutes } from './routes/peers.ts';
import { precisionRoutes } from './routes/precision.ts';
import { principalRoutes } from './routes/principals.ts';
import { suppressionReviewRoutes } from './routes/suppression-review.ts';
import { suppressionRoutes } from './routes/suppressions.ts';
import { vendorRoutes } from './routes/vendors.ts';
import type { ApiDb } from '@chartwatch/store';
import { migrateApiTables, recordApiKeyUse } from '@chartwatch/store';

export interface ApiDeps {
  config: ApiConfig;
  /** The store (or anything with its client and database): the API reads and writes through it. */
  store: ApiDb;
  logger: Logger;
  /** Wall clock for audit rows, triage timestamps and token expiry; tests pin it. */
  clock?: () => Date;
  /** Share a metrics set (e.g. with the webhook dispatcher); default: a fresh registry with process metrics. */
  metrics?: ApiMetrics;
  /** Create the API's tables if missing (default true). */
  migrate?: boolean;
  /**
   * Consumer lag for GET /overview: `chartwatch start` passes its in-process
   * services' figures, the standalone API the Kafka admin's (KAFKA_BROKERS);
   * absent, the overview answers consumerLag null with the reason.
   */
  consumerLag?: ConsumerLagSource;
  /** Event retention for the API's per-patient report table (the store's CHARTWATCH_RETENTION_YEARS; default 6). */
  retentionYears?: number;
}

export const DOCS_PREFIX = '/docs';

/** What buildApi returns: a Fastify instance (named so callers need not depend on fastify's types). */
export type ApiApp = FastifyInstance;

export interface RegisteredRoute {
  method: string;
  url: string;
  routeId: string | undefined;
}

const routesByApp = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route an app registered (HEAD twins excluded): what the permission-matrix test walks. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routesByApp.get(app) ?? [];
}

function toApiError(err: FastifyError | Error): { status: number; body: ReturnType<typeof errorBody> } {
  if (err instanceof ApiError) return { status: err.statusCode, body: errorBody(err) };
  const fe = err as FastifyError;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: { error: 'CW_ERR_PAYLOAD_TOO_LARGE', field: 'body', message: 'body is larger than the limit' } };
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, body: { error: 'CW_ERR_UNSUPPORTED_MEDIA_TYPE', field: 'headers.content-type', message: 'send application/json' } };
  }
  if (status === 429) return { status, body: { error: 'CW_ERR_RATE_LIMITED', message: 'rate limit exceeded' } };
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx (JSON syntax, empty body, bad content length): the body is at fault.
    const field = fe.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError ? 'body' : 'request';
    return { status, body: { error: 'CW_ERR_VALIDATION', field, message: `${field}: ${fe.message}` } };
  }
  return { status: 500, body: { error: 'CW_ERR_INTERNAL', message: 'internal error; the server log has the details under this request id' } };
}

/**
 * The rate limiter's key, computed before authentication: the caller's
 * address and an FNV-1a fingerprint of the credential it presents (so two
 * users behind one proxy have their own budgets), never the credential
 * itself. Cheap by design: the limiter exists to spare the hash and the
 * store look-up of refused requests.
 */
export function rateLimitKey(req: FastifyRequest): string {
  const raw = req.headers['x-api-key'] ?? req.headers.authorization ?? '';
  const credential = Array.isArray(raw) ? (raw[0] ?? '') : raw;
  let h = 0x811c9dc5;
  for (let i = 0; i < credential.length; i++) {
    h ^= credential.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${req.ip}|${(h >>> 0).toString(16)}`;
}

/**
 * Builds the API: a Fastify instance with every route registered, ready for
 * `listen()` (main.ts) or `inject()` (tests). Nothing here reads the
 * environment or listens.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, store: db } = deps;
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger.child({ component: 'api' });
  const metrics = deps.metrics ?? createApiMetrics();
  if (deps.migrate !== false) await migrateApiTables(db, deps.retentionYears === undefined ? {} : { retentionYears: deps.retentionYears });

  const options = {
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify's request lines carry the raw URL, which can hold a patient id: onResponse logs the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: (error: FastifyError, _req: unknown, reply: unknown) => {
      void (reply as FastifyReply).code(400).send({ error: 'CW_ERR_VALIDATION', field: 'url', message: `url: ${error.message}` });
    },
  };
  // With API_TLS_* the API serves https itself (fastify's typings give an https app its own type; the routes do not care).
  const app = (config.tls === null ? Fastify(options) : Fastify({ ...options, https: { cert: config.tls.cert, key: config.tls.key } })) as unknown as FastifyInstance;
  // zod validates (route-kit.ts); the JSON Schemas on routes only describe them for OpenAPI.
  app.setValidatorCompiler(() => () => true);

  const authenticator = createAuthenticator({
    db,
    oidc: config.oidc ? createOidcVerifier(config.oidc, clock) : null,
    cacheMs: config.apiKeyCacheMs,
    now: () => clock().getTime(),
    onKeyUsed: (keyId, atMs) => {
      // Last use is bookkeeping: a failed write is logged, never fails the request.
      recordApiKeyUse(db, keyId, new Date(atMs).toISOString()).catch((err: unknown) => logger.warn({ err, keyId }, 'API key last use not recorded'));
    },
  });
  const audit = new AuditTrail({ db, logger, metrics, batchSize: config.audit.batchSize });
  const ctx: RouteContext = {
    db,
    clock,
    audit,
    authenticator,
    locks: new KeyedLock(),
    logger,
    metrics,
    consumerLag: deps.consumerLag,
    timezone: config.timezone,
    minimumNecessary: config.minimumNecessary,
    newId: () => randomUUID(),
    ready: async () => {
      try {
        return (await db.client.ping()).success;
      } catch {
        return false;
      }
    },
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('auditSubjects', null);

  // Routes added by plugins (the docs UI) get their route id here, before they are registered.
  const routes: RegisteredRoute[] = [];
  routesByApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (route.config?.routeId === undefined && typeof url === 'string' && url.startsWith(DOCS_PREFIX)) {
      route.config = { ...route.config, routeId: 'docs.ui' };
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url, routeId: route.config?.routeId });
    }
  });

  // 1. The rate limiter (@fastify/rate-limit's route-level onRequest hook)
  //    runs first, keyed by address and presented credential
  //    (rateLimitKey), so a refused request costs no hash and no look-up.
  // 2. Who is calling, and may they call this route: before the body is parsed.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const routeId = req.routeOptions.config.routeId;
    if (req.is404 || (routeId !== undefined && isPublicRoute(routeId))) return payload;
    try {
      req.principal = await authenticator.authenticate(req.headers);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      metrics.authFailures.inc({ reason: err.code === 'CW_ERR_FORBIDDEN' ? 'no_role' : 'bad_credentials' });
      throw err;
    }
    if (req.principal === null) {
      metrics.authFailures.inc({ reason: 'no_credentials' });
      throw new ApiError('CW_ERR_UNAUTHENTICATED', 'credentials required: an x-api-key header or Authorization: Bearer <token>');
    }
    // A route missing from the permission table is refused to everyone (fail closed).
    if (routeId === undefined || !isAllowed(routeId, req.principal.roles)) {
      metrics.authFailures.inc({ reason: 'wrong_role' });
      throw new ApiError('CW_ERR_FORBIDDEN', `role ${req.principal.roles.join(',')} may not call ${routeId ?? 'this route'}`);
    }
    return payload;
  });

  // 3. Every answer: not cached by a browser or proxy (API answers hold PHI),
  //    never sniffed into another type, and carrying its request id (the
  //    audit row's key). The dashboard's own plugin sets its page headers.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    // HSTS where the browser reached us over https: served by the API itself, or by a trusted proxy (X-Forwarded-Proto).
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    reply.header('x-request-id', String(req.id));
    return payload;
  });

  // 4. The API's audit trail: every response on a patient-data or admin
  //    route, stored before the response leaves. If the row cannot be
  //    stored, the caller gets 503 instead of the data.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.routeOptions.config.audit !== true || req.principal === null) return payload;
    const s = req.auditSubjects;
    try {
      await audit.record({
        at: clock().toISOString(),
        requestId: String(req.id),
        principalId: req.principal.id,
        principalKind: req.principal.kind,
        role: req.principal.roles.join(','),
        routeId: req.routeOptions.config.routeId ?? '',
        method: req.method,
        urlPath: req.routeOptions.url ?? '',
        patientIds: [...new Set(s?.patientIds ?? [])],
        alertIds: [...new Set(s?.alertIds ?? [])],
        actorIds: [...new Set(s?.actorIds ?? [])],
        subjectIds: [...new Set(s?.subjectIds ?? [])],
        ip: req.ip,
        status: reply.statusCode,
      });
      return payload;
    } catch {
      reply.code(503).type('application/json; charset=utf-8').removeHeader('content-disposition').removeHeader('x-next-cursor');
      return JSON.stringify(errorBody(new ApiError('CW_ERR_AUDIT_UNAVAILABLE', 'the access could not be recorded in the audit trail, so nothing is served; retry later')));
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the URL: no patient id reaches a log line or a metric label.
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe({ route, method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    req.log.info({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), principal: req.principal?.id }, 'request');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = toApiError(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (status === 429) metrics.rateLimited.inc();
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ error: 'CW_ERR_NOT_FOUND', message: 'no such route' });
  });

  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: rateLimitKey,
    allowList: (req) => {
      const id = req.routeOptions.config.routeId;
      return id !== undefined && isPublicRoute(id);
    },
    errorResponseBuilder: (_req, c) => new ApiError('CW_ERR_RATE_LIMITED', `more than ${c.max} requests in ${c.after}; retry later`),
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chartwatch API',
        version: '0.1.0',
        description:
          'Triage, investigations, vendor oversight and the API audit trail. Authenticate with an API key (x-api-key header or Authorization: Bearer cwk_…) or an OIDC bearer token.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (OIDC) or cwk_ API key' },
        },
      },
    },
  });

  healthRoutes(app, ctx);
  metaRoutes(app, ctx);
  alertRoutes(app, ctx);
  caseRoutes(app, ctx);
  suppressionRoutes(app, ctx);
  suppressionReviewRoutes(app, ctx);
  investigationRoutes(app, ctx);
  patientRoutes(app, ctx);
  peerRoutes(app, ctx);
  overviewRoutes(app, ctx);
  precisionRoutes(app, ctx);
  vendorRoutes(app, ctx);
  auditRoutes(app, ctx);
  principalRoutes(app, ctx);
  keyRoutes(app, ctx);
  await app.register(uiPlugin);

  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });

  app.addHook('onClose', async () => {
    await audit.flush();
  });
  return app;
}
