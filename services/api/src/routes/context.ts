import type { Logger } from '@chartwatch/logger';
import type { AuditTrail } from '../audit-trail.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { KeyedLock } from '../keyed-lock.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { ApiDb } from '../store-api.ts';

/** What route modules are given: nothing global, everything passed in. */
export interface RouteContext {
  db: ApiDb;
  clock: () => Date;
  audit: AuditTrail;
  authenticator: Authenticator;
  locks: KeyedLock;
  logger: Logger;
  metrics: ApiMetrics;
  /** ClickHouse answers a ping. */
  ready(): Promise<boolean>;
  newId(): string;
}
