import type { AccessEvent } from '@chartwatch/event';
import { stringify } from 'csv-stringify/sync';

/** The access-log CSV columns, in order; multi-valued cells are joined with `|`. */
export const EVENT_CSV_COLUMNS = [
  'event_id',
  'time',
  'actor_id',
  'actor_kind',
  'actor_role',
  'actor_department',
  'patient_ids',
  'action',
  'resource_types',
  'sensitivity',
  'purpose_of_use',
  'break_the_glass',
  'outcome',
  'records',
  'source_system',
  'network_address',
] as const;

function row(e: AccessEvent): string[] {
  return [
    e.eventId,
    e.time,
    e.actor.id,
    e.actor.kind,
    e.actor.role ?? '',
    e.actor.department ?? '',
    e.patientIds.join('|'),
    e.action,
    e.resourceTypes.join('|'),
    e.sensitivity.join('|'),
    e.purposeOfUse.join('|'),
    e.breakTheGlass ? 'true' : 'false',
    e.outcome,
    String(e.records),
    e.sourceSystem ?? '',
    e.networkAddress ?? '',
  ];
}

/** CSV text for a batch of events; `header` for the first batch of a file. */
export function eventsToCsv(events: readonly AccessEvent[], header: boolean): string {
  return stringify(events.map(row), { header, columns: header ? [...EVENT_CSV_COLUMNS] : undefined });
}
