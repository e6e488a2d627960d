import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { accessEventToRow, rowToAccessEvent } from './event-row.ts';

describe('access event rows', () => {
  it('map to columns and back without loss', () => {
    const event: AccessEvent = {
      eventId: 'e1',
      time: '2024-01-02T03:04:05.678Z',
      actor: { id: 'u1', kind: 'user', role: null, department: 'ER' },
      patientIds: ['p1', 'p2'],
      action: 'export',
      resourceTypes: [],
      sensitivity: ['PSY'],
      purposeOfUse: ['TREAT'],
      breakTheGlass: true,
      outcome: 'success',
      records: 12,
      sourceSystem: null,
      networkAddress: '10.0.0.1',
      format: 'fhir',
    };
    const row = accessEventToRow(event);
    expect(row.event_time).toBe('2024-01-02 03:04:05.678');
    const { event_time: _time, ...rest } = row;
    expect(rowToAccessEvent({ ...rest, event_time_ms: '1704164645678' })).toEqual(event);
  });
  it('keep the count of a capped search, the application and the flags; activity has no patients', () => {
    const event: AccessEvent = {
      eventId: 'xrid:76d148b6',
      time: '2024-01-02T03:04:05.678Z',
      actor: { id: 'display:John_Smith', kind: 'user', role: null, department: null },
      patientIds: [],
      action: 'query',
      resourceTypes: ['Patient'],
      sensitivity: [],
      purposeOfUse: [],
      breakTheGlass: false,
      outcome: 'success',
      records: 20_000,
      sourceSystem: null,
      networkAddress: null,
      format: 'fhir',
      patientCount: 20_000,
      application: 'SampleApp',
      flags: ['unverified-actor', 'patients-capped', 'paired'],
    };
    const { event_time: _time, ...rest } = accessEventToRow(event);
    expect(rowToAccessEvent({ ...rest, event_time_ms: 1704164645678, patient_count: '20000' })).toEqual(event);
  });
});
