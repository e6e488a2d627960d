import type { ClickHouseClient } from '@clickhouse/client';
import { ChartwatchError } from '@chartwatch/errors';
import { fromEpochMillis, toClickHouseTime } from '../clickhouse-time.ts';
import { quoteIdentifier } from '../connection.ts';

/** What the registry's queries need: a Store has both. */
export interface RegistryDb {
  readonly client: ClickHouseClient;
  readonly database: string;
}

/** A trained model as the registry keeps it. */
export interface StoredModel {
  /** The registry's sequence number: 1, 2, 3 … */
  version: number;
  /** The version the model carries and alerts name ("v3"). */
  modelVersion: string;
  createdAt: string;
  /** The history it was trained on, [trainFrom, trainTo). */
  trainFrom: string;
  trainTo: string;
  features: string[];
  /** Null when every row alerts (a threshold of -Infinity). */
  threshold: number | null;
  budgetPer1000: number;
  rows: number;
  actorDays: number;
  events: number;
  /** The model, as BehaviourModel.toJSON() text. */
  json: string;
}

export type ModelSummary = Omit<StoredModel, 'json'>;

interface Row {
  version: number | string;
  model_version: string;
  created_at_ms: number | string;
  train_from_ms: number | string;
  train_to_ms: number | string;
  features: string[];
  threshold: number | null;
  budget_per_1000: number;
  rows: number | string;
  actor_days: number | string;
  events: number | string;
  model_json?: string;
}

const SUMMARY_COLUMNS = `version, model_version, toUnixTimestamp64Milli(created_at) AS created_at_ms, toUnixTimestamp64Milli(train_from) AS train_from_ms,
  toUnixTimestamp64Milli(train_to) AS train_to_ms, features, threshold, budget_per_1000, rows, actor_days, events`;

function tableOf(db: RegistryDb): string {
  return `${quoteIdentifier(db.database)}.model_registry`;
}

function summaryOf(r: Row): ModelSummary {
  return {
    version: Number(r.version),
    modelVersion: r.model_version,
    createdAt: fromEpochMillis(r.created_at_ms),
    trainFrom: fromEpochMillis(r.train_from_ms),
    trainTo: fromEpochMillis(r.train_to_ms),
    features: r.features,
    threshold: r.threshold === null ? null : Number(r.threshold),
    budgetPer1000: Number(r.budget_per_1000),
    rows: Number(r.rows),
    actorDays: Number(r.actor_days),
    events: Number(r.events),
  };
}

async function rows<T = Row>(db: RegistryDb, query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    const rs = await db.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return await rs.json<T>();
  } catch (err) {
    throw new ChartwatchError('CW_ERR_STORE', `model registry: query failed: ${(err as Error).message}`, { cause: err });
  }
}

/** The version number the next saved model should take (1 for an empty registry). One trainer saves at a time. */
export async function nextModelVersion(db: RegistryDb): Promise<number> {
  return ((await latestModelVersion(db)) ?? 0) + 1;
}

export async function saveModel(db: RegistryDb, model: StoredModel): Promise<void> {
  if (!Number.isInteger(model.version) || model.version < 1) throw new ChartwatchError('CW_ERR_INPUT', `saveModel: version ${model.version} is not a whole number ≥ 1`);
  const threshold = model.threshold !== null && Number.isFinite(model.threshold) ? model.threshold : null;
  try {
    await db.client.insert({
      table: tableOf(db),
      values: [
        {
          version: model.version,
          model_version: model.modelVersion,
          created_at: toClickHouseTime(model.createdAt),
          train_from: toClickHouseTime(model.trainFrom),
          train_to: toClickHouseTime(model.trainTo),
          features: model.features,
          threshold,
          budget_per_1000: model.budgetPer1000,
          rows: model.rows,
          actor_days: model.actorDays,
          events: model.events,
          model_json: model.json,
        },
      ],
      format: 'JSONEachRow',
    });
  } catch (err) {
    throw new ChartwatchError('CW_ERR_STORE', `model registry: saving model ${model.modelVersion} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** The newest model (highest version), or null when none was ever saved. */
export async function latestModel(db: RegistryDb): Promise<StoredModel | null> {
  const [r] = await rows(db, `SELECT ${SUMMARY_COLUMNS}, model_json FROM ${tableOf(db)} FINAL ORDER BY version DESC LIMIT 1`, {});
  return r === undefined ? null : { ...summaryOf(r), json: r.model_json ?? '' };
}

/** The newest version number only: what a detector polls to learn whether it must load a new model. */
export async function latestModelVersion(db: RegistryDb): Promise<number | null> {
  const [r] = await rows<{ n: number | string; version: number | string }>(db, `SELECT count() AS n, max(version) AS version FROM ${tableOf(db)} FINAL`, {});
  return r === undefined || Number(r.n) === 0 ? null : Number(r.version);
}

export async function modelByVersion(db: RegistryDb, version: number): Promise<StoredModel | null> {
  const [r] = await rows(db, `SELECT ${SUMMARY_COLUMNS}, model_json FROM ${tableOf(db)} FINAL WHERE version = {version:UInt32}`, { version });
  return r === undefined ? null : { ...summaryOf(r), json: r.model_json ?? '' };
}

/**
 * The newest model without its JSON, for a status display: null when none
 * was trained, or when the registry's table was never created (an API
 * started before any trainer or detector migrated it).
 */
export async function newestModelSummary(db: RegistryDb): Promise<ModelSummary | null> {
  const [t] = await rows<{ n: number | string }>(db, `SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'model_registry'`, { db: db.database });
  if (Number(t?.n ?? 0) === 0) return null;
  const [r] = await rows(db, `SELECT ${SUMMARY_COLUMNS} FROM ${tableOf(db)} FINAL ORDER BY version DESC LIMIT 1`, {});
  return r === undefined ? null : summaryOf(r);
}

/** Models newest first, without their JSON. */
export async function listModels(db: RegistryDb, limit = 100): Promise<ModelSummary[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ChartwatchError('CW_ERR_INPUT', `listModels: limit ${limit} is not a whole number in [1, 10000]`);
  return (await rows(db, `SELECT ${SUMMARY_COLUMNS} FROM ${tableOf(db)} FINAL ORDER BY version DESC LIMIT {limit:UInt32}`, { limit })).map(summaryOf);
}

/** An actor and a window that raised an alert (any rule, or the model). */
export interface AlertedActorWindow {
  actorId: string;
  windowStart: string;
  windowEnd: string;
}

/**
 * The actor-windows that raised alerts overlapping [from, to): what the
 * trainer leaves out of training, so a model does not learn that past
 * incidents are normal.
 */
export async function alertedWindows(db: RegistryDb, from: string, to: string): Promise<AlertedActorWindow[]> {
  const found = await rows<{ actor_id: string; window_start_ms: number | string; window_end_ms: number | string }>(
    db,
    `SELECT DISTINCT actor_id, toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms
     FROM ${quoteIdentifier(db.database)}.alerts FINAL
     WHERE window_end >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND window_start < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
     ORDER BY actor_id, window_start_ms`,
    { from: Date.parse(from), to: Date.parse(to) },
  );
  return found.map((r) => ({ actorId: r.actor_id, windowStart: fromEpochMillis(r.window_start_ms), windowEnd: fromEpochMillis(r.window_end_ms) }));
}
