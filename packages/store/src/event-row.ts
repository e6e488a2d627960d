import type { AccessEvent } from '@chartwatch/event';
import { fromEpochMillis, toClickHouseTime } from './clickhouse-time.ts';

/** One access_events row as written with JSONEachRow. */
export interface AccessEventRow {
  event_id: string;
  event_time: string;
  actor_id: string;
  actor_kind: string;
  actor_role: string | null;
  actor_department: string | null;
  patient_ids: string[];
  action: string;
  resource_types: string[];
  sensitivity: string[];
  purpose_of_use: string[];
  break_the_glass: boolean;
  outcome: string;
  records: number;
  source_system: string | null;
  network_address: string | null;
  format: string;
  /** Set only when the access touched more patients than patient_ids holds. */
  patient_count: number | null;
  application: string | null;
  flags: string[];
}

/** The row as read back: event_time comes as epoch milliseconds (see clickhouse-time.ts). */
export type StoredAccessEventRow = Omit<AccessEventRow, 'event_time' | 'patient_count' | 'application' | 'flags'> & {
  event_time_ms: number | string;
  patient_count?: number | string | null;
  application?: string | null;
  flags?: string[];
};

export function accessEventToRow(e: AccessEvent): AccessEventRow {
  return {
    event_id: e.eventId,
    event_time: toClickHouseTime(e.time),
    actor_id: e.actor.id,
    actor_kind: e.actor.kind,
    actor_role: e.actor.role,
    actor_department: e.actor.department,
    patient_ids: e.patientIds,
    action: e.action,
    resource_types: e.resourceTypes,
    sensitivity: e.sensitivity,
    purpose_of_use: e.purposeOfUse,
    break_the_glass: e.breakTheGlass,
    outcome: e.outcome,
    records: e.records,
    source_system: e.sourceSystem,
    network_address: e.networkAddress,
    format: e.format,
    patient_count: e.patientCount ?? null,
    application: e.application ?? null,
    flags: e.flags ?? [],
  };
}

/** Column list for SELECTs that map back with rowToAccessEvent. */
export const ACCESS_EVENT_COLUMNS = `event_id, toUnixTimestamp64Milli(event_time) AS event_time_ms, actor_id, actor_kind, actor_role,
  actor_department, patient_ids, action, resource_types, sensitivity, purpose_of_use, break_the_glass, outcome, records,
  source_system, network_address, format, patient_count, application, flags`;

export function rowToAccessEvent(r: StoredAccessEventRow): AccessEvent {
  // The enum-typed fields were validated by accessEventSchema before they were written.
  return {
    eventId: r.event_id,
    time: fromEpochMillis(r.event_time_ms),
    actor: {
      id: r.actor_id,
      kind: r.actor_kind as AccessEvent['actor']['kind'],
      role: r.actor_role,
      department: r.actor_department,
    },
    patientIds: r.patient_ids,
    action: r.action as AccessEvent['action'],
    resourceTypes: r.resource_types,
    sensitivity: r.sensitivity,
    purposeOfUse: r.purpose_of_use,
    breakTheGlass: Boolean(r.break_the_glass),
    outcome: r.outcome as AccessEvent['outcome'],
    records: Number(r.records),
    sourceSystem: r.source_system,
    networkAddress: r.network_address,
    format: r.format as AccessEvent['format'],
    // The optional members only when the row has them, so an event reads back as it was written.
    ...(r.patient_count === null || r.patient_count === undefined ? {} : { patientCount: Number(r.patient_count) }),
    ...(r.application === null || r.application === undefined ? {} : { application: r.application }),
    ...(r.flags === undefined || r.flags.length === 0 ? {} : { flags: r.flags as NonNullable<AccessEvent['flags']> }),
  };
}
