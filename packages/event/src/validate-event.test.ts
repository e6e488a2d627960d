import { describe, expect, it } from 'vitest';
import { accessEventSchema, ID_PATTERN, isIdText, type AccessEvent } from './access-event.ts';
import { validateAccessEvent } from './validate-event.ts';
import { createRandom } from '@chartwatch/random';

/**
 * validateAccessEvent is the hot-path twin of accessEventSchema. These tests
 * run both on thousands of generated events — valid ones, events with exactly
 * one field broken, and events with several things broken — and require the
 * same verdict, the same output, and (for a single fault) the same field.
 */


const INJECTIONS = ["'; DROP TABLE access_events; --", '<script>alert(1)</script>', '../../etc/passwd', 'P1/../../etc', 'a b', '', ' lead', 'x'.repeat(257), '-dash-first', 'a"b', 'a\\b'];

function validEvent(rand: () => number): AccessEvent {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const patients = Array.from({ length: Math.floor(rand() * 5) }, (_, i) => `P${String(100000 + Math.floor(rand() * 900000) + i)}`);
  const ms = Date.UTC(2000, 0, 1) + Math.floor(rand() * (Date.UTC(2100, 0, 1) - Date.UTC(2000, 0, 1)));
  return {
    eventId: pick(['ae-1', 'h-' + 'ab'.repeat(32), 'urn:uuid:0d0c3a9e-4b0e', `evt.${Math.floor(rand() * 1e9)}`]),
    time: new Date(ms).toISOString(),
    actor: {
      id: pick(['dr.jkowalski', 'acme-analytics', 'user@stmarys.example.org', 'u|42', 'UID=kskagerb', 'jürgen.müller', 'Practitioner/1', 'e3cdfc81^^^&2.16.840.1.113883.4.2&ISO']),
      kind: pick(['user', 'application', 'patient'] as const),
      role: pick([null, 'physician', 'nurse', "'; DROP TABLE staff; --", '<b>x</b>', '', 'r'.repeat(256)]),
      department: pick([null, 'Cardiology', '../../Oncology', 'Ä Station 4']),
    },
    patientIds: patients,
    action: pick(['read', 'create', 'update', 'delete', 'execute', 'export', 'print', 'query'] as const),
    resourceTypes: pick([[], ['Patient'], ['DocumentReference', 'Patient'], ['x'.repeat(64)]]),
    sensitivity: pick([[], ['PSY'], ['R', 'PSYTHPN'], ['42CFRPART2'], ['ÄÖ']]),
    purposeOfUse: pick([[], ['TREAT'], ['ETREAT', 'BTG'], Array.from({ length: 16 }, (_, i) => `P${i}`)]),
    breakTheGlass: rand() < 0.1,
    outcome: pick(['success', 'minor-failure', 'serious-failure', 'major-failure'] as const),
    records: pick([0, 1, 5, 120, 100_000_000]),
    sourceSystem: pick([null, 'Epic', '<script>x</script>', 's'.repeat(256)]),
    networkAddress: pick([null, '10.0.0.1', '2001:db8::1']),
    format: pick(['fhir', 'csv', 'json'] as const),
    ...pick([{}, { patientCount: 20_000 }, { application: 'SampleApp' }, { application: null }, { flags: ['unverified-actor' as const, 'truncated' as const] }]),
  };
}

type Mutation = [name: string, field: string, apply: (e: Record<string, unknown>, rand: () => number) => void];

/** The actor object to mutate; when an earlier mutation replaced it (null, array), a detached one, so the change is a no-op. */
const actorOf = (e: Record<string, unknown>): Record<string, unknown> => {
  const actor = e['actor'];
  return typeof actor === 'object' && actor !== null && !Array.isArray(actor) ? (actor as Record<string, unknown>) : {};
};
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** Each mutation breaks exactly one field (field ''  = the value as a whole). */
const BREAKING: Mutation[] = [
  ['eventId injection', 'eventId', (e, r) => (e['eventId'] = pick(r, INJECTIONS))],
  ['eventId number', 'eventId', (e) => (e['eventId'] = 12)],
  ['eventId missing', 'eventId', (e) => delete e['eventId']],
  ['time not canonical', 'time', (e, r) => (e['time'] = pick(r, ['2024-03-04T09:15:27Z', '2024-03-04T09:15:27.412+01:00', '2024-03-04', 'now', '']))],
  ['time impossible', 'time', (e, r) => (e['time'] = pick(r, ['2024-02-30T00:00:00.000Z', '2023-02-29T12:00:00.000Z', '2024-03-04T24:00:00.000Z']))],
  ['time out of range', 'time', (e, r) => (e['time'] = pick(r, ['1999-12-31T23:59:59.999Z', '2100-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2150-06-01T00:00:00.000Z']))],
  ['time number', 'time', (e) => (e['time'] = 1_700_000_000_000)],
  ['actor null', 'actor', (e) => (e['actor'] = null)],
  ['actor array', 'actor', (e) => (e['actor'] = [])],
  ['actor.id injection', 'actor.id', (e, r) => (actorOf(e)['id'] = pick(r, INJECTIONS))],
  ['actor.id missing', 'actor.id', (e) => delete actorOf(e)['id']],
  ['actor.kind bad', 'actor.kind', (e, r) => (actorOf(e)['kind'] = pick(r, ['bot', 'USER', null, undefined]))],
  ['actor.role too long', 'actor.role', (e) => (actorOf(e)['role'] = 'r'.repeat(257))],
  ['actor.role number', 'actor.role', (e) => (actorOf(e)['role'] = 3)],
  ['actor.role missing', 'actor.role', (e) => delete actorOf(e)['role']],
  ['actor.department too long', 'actor.department', (e) => (actorOf(e)['department'] = 'd'.repeat(257))],
  ['patientIds not array', 'patientIds', (e) => (e['patientIds'] = 'P1')],
  ['patientIds too many', 'patientIds', (e) => (e['patientIds'] = Array.from({ length: 10_001 }, (_, i) => `P${i}`))],
  ['patientIds injection', 'patientIds[1]', (e, r) => (e['patientIds'] = ['P1', pick(r, INJECTIONS), 'P3'])],
  ['patientIds number', 'patientIds[0]', (e) => (e['patientIds'] = [42])],
  ['action bad', 'action', (e, r) => (e['action'] = pick(r, ['READ', 'view', '', null]))],
  ['resourceTypes empty code', 'resourceTypes[0]', (e) => (e['resourceTypes'] = [''])],
  ['resourceTypes long code', 'resourceTypes[1]', (e) => (e['resourceTypes'] = ['Patient', 'x'.repeat(65)])],
  ['resourceTypes too many', 'resourceTypes', (e) => (e['resourceTypes'] = Array.from({ length: 65 }, (_, i) => `T${i}`))],
  ['resourceTypes not array', 'resourceTypes', (e) => (e['resourceTypes'] = null)],
  ['sensitivity lower case', 'sensitivity[0]', (e, r) => (e['sensitivity'] = [pick(r, ['psy', 'Psy', 'ß'])])],
  ['sensitivity number', 'sensitivity[0]', (e) => (e['sensitivity'] = [1])],
  ['sensitivity too many', 'sensitivity', (e) => (e['sensitivity'] = Array.from({ length: 65 }, (_, i) => `S${i}`))],
  ['purposeOfUse lower case', 'purposeOfUse[1]', (e) => (e['purposeOfUse'] = ['TREAT', 'btg'])],
  ['purposeOfUse too many', 'purposeOfUse', (e) => (e['purposeOfUse'] = Array.from({ length: 17 }, (_, i) => `P${i}`))],
  ['breakTheGlass string', 'breakTheGlass', (e) => (e['breakTheGlass'] = 'true')],
  ['outcome bad', 'outcome', (e, r) => (e['outcome'] = pick(r, ['failure', '0', 0]))],
  ['records bad', 'records', (e, r) => (e['records'] = pick(r, [-1, 1.5, 100_000_001, '3', Number.NaN, Number.POSITIVE_INFINITY, null]))],
  ['sourceSystem too long', 'sourceSystem', (e) => (e['sourceSystem'] = 's'.repeat(257))],
  ['networkAddress number', 'networkAddress', (e) => (e['networkAddress'] = 5)],
  ['networkAddress missing', 'networkAddress', (e) => delete e['networkAddress']],
  ['format bad', 'format', (e, r) => (e['format'] = pick(r, ['xml', 'FHIR', undefined]))],
  ['patientCount bad', 'patientCount', (e, r) => (e['patientCount'] = pick(r, [-1, 1.5, '3', null]))],
  ['application injection', 'application', (e, r) => (e['application'] = pick(r, INJECTIONS))],
  ['flags unknown', 'flags[0]', (e) => (e['flags'] = ['nope'])],
  ['flags not array', 'flags', (e) => (e['flags'] = 'truncated')],
];

/** Mutations that keep the event valid (zod strips unknown keys; both must). */
const HARMLESS: Mutation[] = [
  ['no patients (activity)', '', (e) => (e['patientIds'] = [])],
  ['extra top-level key', '', (e) => (e['extra'] = { nested: true })],
  ['extra actor key', '', (e) => (actorOf(e)['name'] = 'Dr. K')],
  ['free text injection', '', (e, r) => (actorOf(e)['department'] = pick(r, INJECTIONS.filter((s) => s.length <= 256)))],
];

function zodField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

function compare(value: unknown): { zodOk: boolean; handOk: boolean; zodField: string; handField: string } {
  const z = accessEventSchema.safeParse(value);
  const h = validateAccessEvent(value);
  if (z.success && h.ok) expect(h.event).toEqual(z.data);
  return {
    zodOk: z.success,
    handOk: h.ok,
    zodField: z.success ? '' : zodField(z.error.issues[0]?.path ?? []),
    handField: h.ok ? '' : h.field,
  };
}

describe('validateAccessEvent agrees with accessEventSchema', () => {
  it('accepts the same 2,000 generated valid events and returns the same object', () => {
    const rand = createRandom(1);
    for (let i = 0; i < 2000; i++) {
      const r = compare(validEvent(rand));
      expect(r).toMatchObject({ zodOk: true, handOk: true });
    }
  });

  it.each(BREAKING)('single fault: %s → both reject, naming %s', (_name, field, apply) => {
    const rand = createRandom(field.length * 7919 + 3);
    for (let i = 0; i < 40; i++) {
      const event = structuredClone(validEvent(rand)) as unknown as Record<string, unknown>;
      apply(event, rand);
      const r = compare(event);
      expect(r.zodOk).toBe(false);
      expect(r.handOk).toBe(false);
      expect(r.handField).toBe(field);
      expect(r.zodField).toBe(field);
    }
  });

  it.each(HARMLESS)('harmless change: %s → both accept the same output', (_name, _field, apply) => {
    const rand = createRandom(99);
    for (let i = 0; i < 40; i++) {
      const event = structuredClone(validEvent(rand)) as unknown as Record<string, unknown>;
      apply(event, rand);
      expect(compare(event)).toMatchObject({ zodOk: true, handOk: true });
    }
  });

  it('agrees on 3,000 events with one to three random faults or harmless changes', () => {
    const rand = createRandom(2024);
    const all = [...BREAKING, ...HARMLESS];
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const event = structuredClone(validEvent(rand)) as unknown as Record<string, unknown>;
      const n = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < n; k++) (all[Math.floor(rand() * all.length)] as Mutation)[2](event, rand);
      const r = compare(event);
      expect(r.handOk).toBe(r.zodOk);
      if (!r.zodOk) rejected++;
    }
    expect(rejected).toBeGreaterThan(2000);
  });

  it.each([null, undefined, 'event', 42, [], [validEvent(createRandom(5))]])('agrees on a value that is no object: %j', (value) => {
    const r = compare(value);
    expect(r).toMatchObject({ zodOk: false, handOk: false, handField: '', zodField: '' });
  });
});

describe('ids versus free text', () => {
  const base = validEvent(createRandom(7));
  it.each(["'; DROP TABLE access_events; --", '<script>alert(1)</script>', '../../etc/passwd'])('an id holding %j makes the event invalid', (bad) => {
    expect(validateAccessEvent({ ...base, eventId: bad })).toMatchObject({ ok: false, field: 'eventId' });
    expect(validateAccessEvent({ ...base, actor: { ...base.actor, id: bad } })).toMatchObject({ ok: false, field: 'actor.id' });
    expect(validateAccessEvent({ ...base, patientIds: ['P1', bad] })).toMatchObject({ ok: false, field: 'patientIds[1]' });
  });
  it.each(["'; DROP TABLE access_events; --", '<script>alert(1)</script>', '../../etc/passwd'])('free text holding %j is kept verbatim', (text) => {
    const result = validateAccessEvent({ ...base, actor: { ...base.actor, role: text, department: text }, sourceSystem: text });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.event.actor.role).toBe(text);
      expect(result.event.actor.department).toBe(text);
      expect(result.event.sourceSystem).toBe(text);
    }
  });
});

describe('isIdText agrees with ID_PATTERN', () => {
  it('on ids, near-ids and attacks, ASCII and not', () => {
    const rand = createRandom(11);
    const alphabet = ['a', 'Z', '0', '.', '/', '..', '../', '_', ':', '@', '|', '+', '-', '=', '^', '&', ',', '#', '~', '*', ' ', "'", '"', '<', '>', ';', '\\', 'ü', '\u0301', '𝐀', '٣', '\u0000', '%', '$'];
    const samples = ['', '.', '..', 'a..b', 'a/..', 'a/../b', 'a/..b', 'a/...', '..a', 'P1/../../etc', 'x'.repeat(256), 'x'.repeat(257), 'ü'.repeat(256), '𝐀'.repeat(256), '𝐀'.repeat(257)];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const len = Math.floor(rand() * 12);
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      samples.push(s);
    }
    for (const s of samples) expect([s, isIdText(s)]).toEqual([s, ID_PATTERN.test(s)]);
  });
});
