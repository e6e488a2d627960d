import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateAccessEvent } from './validate-event.ts';
import { mapAuditEvent, parseFhirLine } from './fhir-audit-event.ts';

/**
 * The FHIR decoder never throws. 100,000+ hostile AuditEvents, generated from
 * the corpus with a seeded PRNG: values of the wrong type anywhere, prototype
 * member names as keys and codes, deep nesting, huge arrays, lone surrogates,
 * over-long strings. The mapping is called without its guard (mapAuditEvent),
 * so an exception is counted rather than turned into a failure, and every
 * accepted event must pass the validator.
 */

const FHIR = new URL('../../../test/fixtures/fhir/', import.meta.url);
const SEEDS: Record<string, unknown>[] = ['balp', 'r4-spec'].flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, FHIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(new URL(`${dir}/${f}`, FHIR), 'utf8')) as Record<string, unknown>),
);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];
const NAMES = ['who', 'what', 'reference', 'identifier', 'value', 'system', 'code', 'coding', 'type', 'subtype', 'agent', 'entity', 'requestor', 'network', 'address', 'role', 'detail', 'valueString', 'outcome', 'recorded', 'action', 'id', 'display', 'purposeOfUse', 'securityLabel', 'query', 'description', 'extension', 'patient', 'code', 'category', 'participant', 'event', ...PROTO_KEYS];

function hostileValue(rand: () => number): unknown {
  const pick = Math.floor(rand() * 22);
  switch (pick) {
    case 0: return null;
    case 1: return true;
    case 2: return -1;
    case 3: return 1e308;
    case 4: return Number.NaN;
    case 5: return '';
    case 6: return 'x'.repeat(1 + Math.floor(rand() * 5000));
    case 7: return '\ud800';
    case 8: return "'; DROP TABLE access_events; --";
    case 9: return '<script>alert(1)</script>';
    case 10: return '../../etc/passwd';
    case 11: return PROTO_KEYS[Math.floor(rand() * PROTO_KEYS.length)];
    case 12: return [];
    case 13: return {};
    case 14: return [null, 1, 'a', {}, []];
    case 15: return { reference: 'Patient/' + 'p'.repeat(Math.floor(rand() * 400)) };
    case 16: return { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: ['110150', '110152', '110153', '110127', '110106', '110112'][Math.floor(rand() * 6)] }] };
    case 17: return Object.create(null) as object;
    case 18: return 'true';
    case 19: return ['0', '4', '8', '12', 12, '3'][Math.floor(rand() * 6)];
    case 20: return '2016-12-31T23:59:60Z';
    default: return { [PROTO_KEYS[Math.floor(rand() * PROTO_KEYS.length)] as string]: { reference: 'Device/1' } };
  }
}

/** Replaces, deletes or adds members at random places of a copy of a corpus resource. */
function mutate(resource: Record<string, unknown>, rand: () => number): Record<string, unknown> {
  const r = structuredClone(resource);
  const edits = 1 + Math.floor(rand() * 6);
  for (let k = 0; k < edits; k++) {
    // Walk down a random path.
    let node: unknown = r;
    const depth = Math.floor(rand() * 6);
    for (let d = 0; d < depth; d++) {
      if (Array.isArray(node)) {
        if (node.length === 0) break;
        const next: unknown = node[Math.floor(rand() * node.length)];
        if (typeof next !== 'object' || next === null) break;
        node = next;
      } else if (typeof node === 'object' && node !== null) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const next: unknown = (node as Record<string, unknown>)[keys[Math.floor(rand() * keys.length)] as string];
        if (typeof next !== 'object' || next === null) break;
        node = next;
      }
    }
    if (typeof node !== 'object' || node === null) continue;
    const target = node as Record<string, unknown>;
    const keys = Object.keys(target);
    const op = rand();
    const key = op < 0.5 && keys.length > 0 ? (keys[Math.floor(rand() * keys.length)] as string) : (NAMES[Math.floor(rand() * NAMES.length)] as string);
    if (op < 0.1) delete target[key];
    else Object.defineProperty(target, key, { value: hostileValue(rand), enumerable: true, configurable: true, writable: true });
  }
  const rare = rand();
  if (rare < 0.001) {
    // Deep nesting where an id-less resource's hash must walk it.
    let deep: unknown = { url: 'leaf' };
    for (let i = 0; i < 5000; i++) deep = rand() < 0.5 ? [deep] : { extension: deep };
    r['extension'] = deep;
    delete r['id'];
  } else if (rare < 0.002) {
    // A huge array of entities and of agents.
    r['entity'] = Array.from({ length: 20_000 }, (_, i) => ({ what: { reference: `Patient/p${i % 15_000}` } }));
    r['agent'] = [...(Array.isArray(r['agent']) ? r['agent'] : []), ...Array.from({ length: 5000 }, () => ({ requestor: false }))];
  }
  return r;
}

describe('the FHIR decoder never throws', () => {
  it('on 100,000 hostile AuditEvents: 0 exceptions, every accepted event valid', () => {
    const rand = prng(20261207);
    let exceptions = 0;
    let accepted = 0;
    let firstError = '';
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      const seed = SEEDS[i % SEEDS.length] as Record<string, unknown>;
      const r = mutate(seed, rand);
      r['resourceType'] = 'AuditEvent';
      try {
        const result = mapAuditEvent(r, i % 3 === 0 ? { patientIdSystems: ['urn:oid:1'], staffIdSystems: ['urn:oid:2'] } : {});
        if (result.ok) {
          accepted++;
          const again = validateAccessEvent(result.event);
          if (!again.ok) throw new Error(`accepted an invalid event: ${again.field} ${again.reason}`);
        }
      } catch (err) {
        exceptions++;
        firstError ||= `${(err as Error).stack ?? String(err)}\n${JSON.stringify(r).slice(0, 2000)}`;
      }
    }
    expect(firstError).toBe('');
    expect(exceptions).toBe(0);
    // The mutations leave many events readable: the decoder keeps what it can.
    expect(accepted).toBeGreaterThan(N / 10);
  }, 600_000);

  it('on hostile NDJSON text: prototype keys, broken JSON, wrong roots', () => {
    const lines = [
      '{"resourceType":"AuditEvent","__proto__":{"recorded":"2024-01-01T00:00:00Z"},"agent":[{"__proto__":{"requestor":true}}]}',
      '{"resourceType":"AuditEvent","constructor":{"prototype":{"x":1}},"recorded":"2024-01-01T00:00:00Z","action":"constructor"}',
      '{"resourceType":"Bundle","entry":[{"resource":null},{"resource":{"resourceType":"AuditEvent"}},{"search":{"mode":"include"}}]}',
      '[{"resourceType":"AuditEvent"}]',
      '"AuditEvent"',
      '{"resourceType":"AuditEvent","recorded":"2024-01-01T00:00:00Z","agent":{"who":1},"entity":"Patient/1"}',
      '{"resourceType":"AuditEvent"',
    ];
    for (const [i, line] of lines.entries()) {
      expect(() => parseFhirLine(line, i + 1)).not.toThrow();
      for (const r of parseFhirLine(line, i + 1)) if (!r.ok) expect(r.reason).not.toContain('could not be read');
    }
  });
});
