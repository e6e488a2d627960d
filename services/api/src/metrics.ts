import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics, on a registry of its own (several apps may share a process in tests). */
export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  authFailures: Counter<'reason'>;
  rateLimited: Counter;
  auditRows: Counter<'outcome'>;
}

export function createApiMetrics(registry?: Registry): ApiMetrics {
  const reg = registry ?? new Registry();
  if (registry === undefined) collectDefaultMetrics({ register: reg, prefix: 'chartwatch_api_' });
  return {
    registry: reg,
    requestDuration: new Histogram({
      name: 'chartwatch_api_request_duration_seconds',
      help: 'API request duration by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [reg],
    }),
    authFailures: new Counter({ name: 'chartwatch_api_auth_failures_total', help: 'Requests refused 401/403', labelNames: ['reason'], registers: [reg] }),
    rateLimited: new Counter({ name: 'chartwatch_api_rate_limited_total', help: 'Requests refused 429', registers: [reg] }),
    auditRows: new Counter({
      name: 'chartwatch_api_audit_rows_total',
      help: 'API audit-trail rows by outcome (written; failed: the response was refused 503)',
      labelNames: ['outcome'],
      registers: [reg],
    }),
  };
}
