import type { ClickHouseClient } from '@clickhouse/client';
import type { Alert } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import type { ReferenceSet } from '@chartwatch/reference';
import type { AlertFilter } from './alert-queries.ts';
import { alertById, alerts, countAlerts } from './alert-queries.ts';
import { AlertWriter } from './alert-writer.ts';
import type { BatchWriterOptions } from './batch-writer.ts';
import type { StoreConfig } from './config.ts';
import { DEFAULT_RETENTION_YEARS } from './config.ts';
import type { ClickHouseConnection, StoreMode } from './connection.ts';
import { createClickHouse, quoteIdentifier } from './connection.ts';
import { activityForActor, countEvents, eventIds, eventsByIds, eventsForActors, eventsForPatient, eventsInRange, newestEventTime } from './event-queries.ts';
import { EventWriter } from './event-writer.ts';
import { deadLetters, writeDeadLetters } from './dead-letter-store.ts';
import type { StoredDeadLetter } from './dead-letter-store.ts';
import type { Migration, MigrationReport } from './migrations.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import type { QueryContext } from './query-context.ts';
import { referenceSet, replaceReference } from './reference-store.ts';
import type { TimeRange } from './time-range.ts';

export interface StoreOptions {
  /** Bounds for EventWriter and AlertWriter inserts. */
  writer?: BatchWriterOptions;
  /** Rows per INSERT while reloading reference tables. Default 5,000. */
  referenceRowsPerInsert?: number;
}

/**
 * chartwatch's ClickHouse: the tables, the writers and every query, named
 * after what it answers. One Store per process and data directory; close it
 * on shutdown.
 */
export class Store {
  readonly events: EventWriter;
  readonly alertWriter: AlertWriter;
  private readonly ctx: QueryContext;
  private reloads: Promise<unknown> = Promise.resolve();

  constructor(
    readonly connection: ClickHouseConnection,
    private readonly retentionYears: number,
    private readonly options: StoreOptions = {},
    /** Cluster name when the schema is the cluster variant (CLICKHOUSE_CLUSTER). */
    readonly cluster?: string,
  ) {
    this.events = new EventWriter(connection, options.writer);
    this.alertWriter = new AlertWriter(connection, options.writer);
    this.ctx = { client: connection.client, db: quoteIdentifier(connection.database) };
  }

  /** The @clickhouse/client client, for helpers that keep their own tables in this database. */
  get client(): ClickHouseClient {
    return this.connection.client;
  }

  get database(): string {
    return this.connection.database;
  }

  get mode(): StoreMode {
    return this.connection.mode;
  }

  /**
   * Runs pending migrations (a no-op when none are pending) and aligns the
   * retention TTL. `extra` adds another component's migrations (the API's
   * tables, versions 1001+) to the same ordered, recorded run.
   */
  migrate(extra: readonly Migration[] = []): Promise<MigrationReport> {
    return migrate(this.connection.client, {
      database: this.connection.database,
      retentionYears: this.retentionYears,
      migrations: [...MIGRATIONS, ...extra],
      ...(this.cluster === undefined ? {} : { cluster: this.cluster }),
    });
  }

  writeEvents(events: readonly AccessEvent[]): Promise<void> {
    return this.events.write(events);
  }

  writeAlerts(list: readonly Alert[]): Promise<void> {
    return this.alertWriter.write(list);
  }

  /** Keeps dead letters the DLQ topic refused (ingest's last resort). */
  writeDeadLetters(letters: readonly StoredDeadLetter[]): Promise<void> {
    return writeDeadLetters(this.ctx, letters);
  }

  deadLetters(sourceTopic?: string): Promise<StoredDeadLetter[]> {
    return deadLetters(this.ctx, sourceTopic);
  }

  countEvents(range?: TimeRange): Promise<number> {
    return countEvents(this.ctx, range);
  }

  eventIds(range?: TimeRange): Promise<string[]> {
    return eventIds(this.ctx, range);
  }

  /** The newest stored event time at or before `atMost`; null when none. */
  newestEventTime(atMost: string): Promise<string | null> {
    return newestEventTime(this.ctx, atMost);
  }

  eventsForActors(actorIds: readonly string[], from: string, to: string): Promise<AccessEvent[]> {
    return eventsForActors(this.ctx, actorIds, from, to);
  }

  /** One actor's activity that touched no chart (logins, failures, empty searches) in [from, to). */
  activityForActor(actorId: string, from: string, to: string): Promise<AccessEvent[]> {
    return activityForActor(this.ctx, actorId, from, to);
  }

  eventsForPatient(patientId: string, from: string, to: string): Promise<AccessEvent[]> {
    return eventsForPatient(this.ctx, patientId, from, to);
  }

  eventsByIds(ids: readonly string[]): Promise<AccessEvent[]> {
    return eventsByIds(this.ctx, ids);
  }

  eventsInRange(from: string, to: string, options?: { pageSize?: number }): AsyncGenerator<AccessEvent, void, undefined> {
    return eventsInRange(this.ctx, from, to, options);
  }

  alerts(filter?: AlertFilter): Promise<Alert[]> {
    return alerts(this.ctx, filter);
  }

  alert(alertId: string): Promise<Alert | undefined> {
    return alertById(this.ctx, alertId);
  }

  countAlerts(): Promise<number> {
    return countAlerts(this.ctx);
  }

  referenceSet(): Promise<ReferenceSet> {
    return referenceSet(this.ctx);
  }

  /** Atomically replaces the reference tables; reloads in this process run one at a time. */
  replaceReference(set: ReferenceSet): Promise<void> {
    const rowsPerInsert = this.options.referenceRowsPerInsert;
    const task = (): Promise<void> =>
      replaceReference(this.connection.client, this.ctx.db, set, rowsPerInsert === undefined ? {} : { rowsPerInsert });
    const run = this.reloads.then(task, task);
    this.reloads = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** Opens the store described by a config: connects (or starts chDB) and creates the database if missing. */
export async function openStore(config: StoreConfig, options: StoreOptions = {}): Promise<Store> {
  const connection = await createClickHouse(config);
  return new Store(connection, config.retentionYears ?? DEFAULT_RETENTION_YEARS, options, config.cluster);
}
