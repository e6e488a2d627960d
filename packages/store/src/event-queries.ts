import type { AccessEvent } from '@chartwatch/event';
import { ChartwatchError } from '@chartwatch/errors';
import { fromEpochMillis, toClickHouseTime } from './clickhouse-time.ts';
import { ACCESS_EVENT_COLUMNS, rowToAccessEvent } from './event-row.ts';
import type { StoredAccessEventRow } from './event-row.ts';
import type { QueryContext } from './query-context.ts';
import { queryRows as rows } from './query-context.ts';
import type { TimeRange } from './time-range.ts';
import { RANGE_CONDITION, rangeParams } from './time-range.ts';

/**
 * Reads of access events. FINAL makes every read see one copy of a
 * redelivered event even before ReplacingMergeTree has merged the parts.
 */

function optionalRange(range: TimeRange | undefined): { where: string; params: Record<string, unknown> } {
  if (range === undefined) return { where: '', params: {} };
  return { where: `WHERE ${RANGE_CONDITION}`, params: rangeParams(range.from, range.to) };
}

/** How many distinct events are stored (optionally in an event-time range). */
export async function countEvents(ctx: QueryContext, range?: TimeRange): Promise<number> {
  const { where, params } = optionalRange(range);
  const [row] = await rows<{ n: number | string }>(ctx, `SELECT count() AS n FROM ${ctx.db}.access_events FINAL ${where}`, params);
  return Number(row?.n ?? 0);
}

/**
 * The newest stored event time at or before `atMost` (ISO 8601), or null when
 * nothing is stored there. `atMost` keeps a future-dated event from speaking
 * for the history: the trainer passes the wall clock.
 */
export async function newestEventTime(ctx: QueryContext, atMost: string): Promise<string | null> {
  const [row] = await rows<{ n: number | string; newest_ms: number | string }>(
    ctx,
    `SELECT count() AS n, toUnixTimestamp64Milli(max(event_time)) AS newest_ms FROM ${ctx.db}.access_events
     WHERE event_time <= {atMost:DateTime64(3, 'UTC')}`,
    { atMost: toClickHouseTime(atMost) },
  );
  if (row === undefined || Number(row.n) === 0) return null;
  return fromEpochMillis(row.newest_ms);
}

/** Every stored event id, sorted (optionally in an event-time range). */
export async function eventIds(ctx: QueryContext, range?: TimeRange): Promise<string[]> {
  const { where, params } = optionalRange(range);
  const found = await rows<{ event_id: string }>(ctx, `SELECT DISTINCT event_id FROM ${ctx.db}.access_events ${where} ORDER BY event_id`, params);
  return found.map((r) => r.event_id);
}

/** The actors' events in [from, to), in event-time order: what a detector needs to rebuild its window state. */
export async function eventsForActors(ctx: QueryContext, actorIds: readonly string[], from: string, to: string): Promise<AccessEvent[]> {
  if (actorIds.length === 0) return [];
  const found = await rows<StoredAccessEventRow>(
    ctx,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${ctx.db}.access_events FINAL
     WHERE actor_id IN {actors:Array(String)} AND ${RANGE_CONDITION}
     ORDER BY event_time, event_id`,
    { actors: [...actorIds], ...rangeParams(from, to) },
  );
  return found.map(rowToAccessEvent);
}

/** Every access to one patient's chart in [from, to), in event-time order: the patient access report. */
export async function eventsForPatient(ctx: QueryContext, patientId: string, from: string, to: string): Promise<AccessEvent[]> {
  const found = await rows<StoredAccessEventRow>(
    ctx,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${ctx.db}.access_events FINAL
     WHERE ${RANGE_CONDITION}
       AND event_id IN (SELECT event_id FROM ${ctx.db}.patient_access WHERE patient_id = {patient:String} AND ${RANGE_CONDITION})
     ORDER BY event_time, event_id`,
    { patient: patientId, ...rangeParams(from, to) },
  );
  return found.map(rowToAccessEvent);
}

/**
 * One actor's activity that touched no chart in [from, to), in event-time
 * order: logins, logouts, failed authentications and authorisations, searches
 * that found nobody, application events. Stored beside the accesses (an empty
 * patient_ids), so the actor's timeline shows them; this reads them alone, as
 * an analyst looking at the minutes around an incident wants them.
 */
export async function activityForActor(ctx: QueryContext, actorId: string, from: string, to: string): Promise<AccessEvent[]> {
  const found = await rows<StoredAccessEventRow>(
    ctx,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${ctx.db}.access_events FINAL
     WHERE actor_id = {actor:String} AND ${RANGE_CONDITION} AND empty(patient_ids)
     ORDER BY event_time, event_id`,
    { actor: actorId, ...rangeParams(from, to) },
  );
  return found.map(rowToAccessEvent);
}

/** Events with these ids (evidence behind an alert), in event-time order. */
export async function eventsByIds(ctx: QueryContext, ids: readonly string[]): Promise<AccessEvent[]> {
  if (ids.length === 0) return [];
  const found = await rows<StoredAccessEventRow>(
    ctx,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${ctx.db}.access_events FINAL WHERE event_id IN {ids:Array(String)} ORDER BY event_time, event_id`,
    { ids: [...ids] },
  );
  return found.map(rowToAccessEvent);
}

export const DEFAULT_PAGE_SIZE = 10_000;

/**
 * Every event in [from, to) in (event time, event id) order, fetched a page
 * at a time by keyset (the last row's time and id), so training over months
 * of events holds one page in memory, never the whole range (the chDB
 * connection buffers each result in full).
 */
export async function* eventsInRange(
  ctx: QueryContext,
  from: string,
  to: string,
  options: { pageSize?: number } = {},
): AsyncGenerator<AccessEvent, void, undefined> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new ChartwatchError('CW_ERR_INPUT', `pageSize must be a whole number of at least 1, got ${pageSize}`);
  const range = rangeParams(from, to);
  let after: { time: string; id: string } | null = null;
  for (;;) {
    const keyset: string = after === null ? '' : "AND (event_time, event_id) > ({afterTime:DateTime64(3, 'UTC')}, {afterId:String})";
    const params: Record<string, unknown> =
      after === null ? { ...range, limit: pageSize } : { ...range, limit: pageSize, afterTime: after.time, afterId: after.id };
    const page = await rows<StoredAccessEventRow>(
      ctx,
      `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${ctx.db}.access_events FINAL
       WHERE ${RANGE_CONDITION} ${keyset}
       ORDER BY event_time, event_id
       LIMIT {limit:UInt32}`,
      params,
    );
    for (const row of page) yield rowToAccessEvent(row);
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    after = { time: toClickHouseTime(fromEpochMillis(last.event_time_ms)), id: last.event_id };
  }
}
