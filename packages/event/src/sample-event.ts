import type { AccessEvent } from './access-event.ts';

/** What a test sets of a sample event: any field, the actor's fields one by one. */
export type SampleEventFields = Partial<Omit<AccessEvent, 'actor'>> & { actor?: Partial<AccessEvent['actor']> };

/**
 * A valid canonical access event for tests: a nurse of cardiology reading one patient's chart, changed by
 * `fields`. The one place a test's event is spelled out, so a field added to AccessEvent is added here.
 */
export function sampleEvent(fields: SampleEventFields = {}): AccessEvent {
  const { actor, ...rest } = fields;
  return {
    eventId: 'e-1',
    time: '2024-03-04T10:00:00.000Z',
    patientIds: ['P1'],
    action: 'read',
    resourceTypes: ['Patient'],
    sensitivity: [],
    purposeOfUse: ['TREAT'],
    breakTheGlass: false,
    outcome: 'success',
    records: 1,
    sourceSystem: null,
    networkAddress: null,
    format: 'json',
    ...rest,
    actor: { id: 'u1', kind: 'user', role: 'nurse', department: 'cardiology', ...actor },
  };
}
