import type { Logger } from '@chartwatch/logger';
import type { AuditTrail } from '../audit-trail.ts';
import type { ConsumerLagSource } from '../consumer-lag.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { KeyedLock } from '../keyed-lock.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { ApiDb } from '@chartwatch/store';

/** What route modules are given: nothing global, everything passed in. */
export interface RouteContext {
  db: ApiDb;
  clock: () => Date;
  audit: AuditTrail;
  authenticator: Authenticator;
  locks: KeyedLock;
  logger: Logger;
  metrics: ApiMetrics;
  /** Where GET /overview gets consumer lag; undefined: the overview says there is none. */
  consumerLag: ConsumerLagSource | undefined;
  /** API_MINIMUM_NECESSARY: analysts limited to their assigned alerts' patient data. */
  minimumNecessary: boolean;
  /** IANA zone of local days and business hours. */
  timezone: string;
  /** ClickHouse answers a ping. */
  ready(): Promise<boolean>;
  newId(): string;
}
