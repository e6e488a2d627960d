/**
 * Parse figures: how fast the ingest hot path (JSON.parse + map + validate)
 * runs compared with bare JSON.parse over the same lines, for FHIR R4
 * AuditEvents (IHE BALP shape) and canonical JSON lines. The target is
 * parse + validate ≥ 70 % of bare JSON.parse for FHIR.
 *
 * For canonical lines it also times JSON.parse + accessEventSchema.safeParse
 * (zod), the figure that made validate-event.ts a hand-written twin of the
 * schema.
 *
 *   pnpm exec tsx bench/parse-figures.ts            # prints figures and a final JSON line
 *   import { measureParse } from './parse-figures.ts'  # bench/ingest.bench.ts
 *
 * Bounded: 20,000 lines per format, 1 warm-up + 7 timed rounds each, a few seconds in all.
 */
import { pathToFileURL } from 'node:url';
// Through the package's one door (its index.ts); the repo root, where bench/ lives, has no workspace dependencies to resolve @chartwatch/event.
import { accessEventSchema, parseCanonicalLine, parseFhirLine, type AccessEvent, type ParseResult } from '../packages/event/src/index.ts';
import { createRandom } from '@chartwatch/random';

export interface ParseFigures {
  /** Lines (= events) in the generated input. */
  lines: number;
  /** Events per second of bare JSON.parse over the lines. */
  jsonParseEventsPerSecond: number;
  /** Events per second of the real parser: JSON.parse + mapping + validation. */
  parseValidateEventsPerSecond: number;
  /** parseValidate / jsonParse: the median over rounds of the per-round ratio. */
  ratio: number;
  meanBytesPerEvent: number;
}

export interface CanonicalParseFigures extends ParseFigures {
  /** Events per second of JSON.parse + accessEventSchema.safeParse, for comparison. */
  zodEventsPerSecond: number;
  /** zod / jsonParse. */
  zodRatio: number;
}

export interface MeasureParseOptions {
  /** Lines generated per format; default 20,000. */
  lines?: number;
  /** Timed rounds per measurement (the median is reported); default 7. */
  rounds?: number;
  seed?: number;
}

export async function measureParse(options: MeasureParseOptions = {}): Promise<{ fhir: ParseFigures; canonical: CanonicalParseFigures }> {
  const n = Math.max(20_000, options.lines ?? 20_000);
  const rounds = options.rounds ?? 7;
  const fhirLines = generateFhirLines(n, options.seed ?? 42);
  const canonicalLines = toCanonicalLines(fhirLines);

  const bareJson = (line: string): number => (JSON.parse(line) === null ? 0 : 1);
  const fhir = (line: string): number => countOk(parseFhirLine(line));
  const canonical = (line: string): number => (parseCanonicalLine(line).ok ? 1 : 0);
  const zod = (line: string): number => (accessEventSchema.safeParse(JSON.parse(line)).success ? 1 : 0);

  const fhirRounds = await interleaved(rounds, fhirLines, [bareJson, fhir]);
  const canonicalRounds = await interleaved(rounds, canonicalLines, [bareJson, canonical, zod]);
  const [canJson, , canZod] = canonicalRounds.medians as [number, number, number];
  return {
    fhir: figures(fhirLines, fhirRounds),
    canonical: { ...figures(canonicalLines, canonicalRounds), zodEventsPerSecond: Math.round(canZod), zodRatio: round3(canZod / canJson) },
  };
}

interface Rounds {
  /** Median over rounds of each function's events/s. */
  medians: number[];
  /** Median over rounds of (second function's events/s / first function's). */
  medianRatio: number;
}

const CHUNK = 5000;

/**
 * Times the functions over the same lines, interleaved chunk by chunk (5,000
 * lines of JSON.parse, then the same 5,000 through the parser, in rotating
 * order), so a burst of load from a neighbour on this shared machine lands on
 * every side of the ratio alike. One untimed warm-up round, then `rounds`
 * timed rounds; each figure is the median over rounds. Throws if any line
 * failed to parse: a benchmark of failures measures the wrong path.
 */
async function interleaved(rounds: number, lines: string[], fns: ((line: string) => number)[]): Promise<Rounds> {
  const perRound: number[][] = fns.map(() => []);
  const ratios: number[] = [];
  for (let round = -1; round < rounds; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    const nanos = fns.map(() => 0);
    const ok = fns.map(() => 0);
    for (let start = 0, chunk = 0; start < lines.length; start += CHUNK, chunk++) {
      const end = Math.min(lines.length, start + CHUNK);
      for (let k = 0; k < fns.length; k++) {
        const f = (k + chunk) % fns.length;
        const fn = fns[f] as (line: string) => number;
        let n = 0;
        const t0 = process.hrtime.bigint();
        for (let i = start; i < end; i++) n += fn(lines[i] as string);
        nanos[f] = (nanos[f] as number) + Number(process.hrtime.bigint() - t0);
        ok[f] = (ok[f] as number) + n;
      }
    }
    ok.forEach((n, f) => {
      if (n !== lines.length) throw new Error(`function ${f}: only ${n} of ${lines.length} lines parsed`);
    });
    if (round < 0) continue;
    const rates = nanos.map((ns) => lines.length / (ns / 1e9));
    rates.forEach((rate, f) => perRound[f]?.push(rate));
    ratios.push((rates[1] as number) / (rates[0] as number));
  }
  return { medians: perRound.map(median), medianRatio: median(ratios) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function figures(lines: string[], rounds: Rounds): ParseFigures {
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line, 'utf8');
  return {
    lines: lines.length,
    jsonParseEventsPerSecond: Math.round(rounds.medians[0] as number),
    parseValidateEventsPerSecond: Math.round(rounds.medians[1] as number),
    ratio: round3(rounds.medianRatio),
    meanBytesPerEvent: Math.round(bytes / lines.length),
  };
}

function countOk(results: ParseResult[]): number {
  let ok = 0;
  for (const r of results) if (r.ok) ok++;
  return ok;
}

function expectEvent(result: ParseResult | undefined, i: number): AccessEvent {
  if (result?.ok !== true) throw new Error(`generated AuditEvent ${i} does not parse: ${JSON.stringify(result)}`);
  return result.event;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ------------------------------------------------------------ generator

/** `count` realistic FHIR AuditEvent NDJSON lines (IHE BALP shape), the same for the same seed. */
export function generateFhirLines(count: number, seed = 42): string[] {
  const rand = createRandom(seed);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(generateAuditEvent(rand, i)));
  return lines;
}

/** The canonical JSON lines of the same events (each FHIR line parsed, then written as an AccessEvent). */
export function toCanonicalLines(fhirLines: readonly string[]): string[] {
  return fhirLines.map((line, i) => JSON.stringify({ ...expectEvent(parseFhirLine(line)[0], i), format: 'json' }));
}


const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const REST = 'http://hl7.org/fhir/restful-interaction';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const ROLES = [
  ['doctor', 'Doctor'],
  ['nurse', 'Nurse'],
  ['pharmacist', 'Pharmacist'],
  ['registrar', 'Registrar'],
  ['therapist', 'Therapist'],
] as const;
const DEPARTMENTS = ['Cardiology', 'Emergency', 'Oncology', 'Psychiatry', 'Radiology', 'Pediatrics', 'ICU', 'Health Information Management'];
const RESOURCES = ['Observation', 'DocumentReference', 'Condition', 'MedicationRequest', 'Encounter', 'DiagnosticReport', 'Procedure'];
const VENDORS = ['acme-analytics', 'carecoord-app', 'rx-benefits', 'tele-derm'];

function patientEntity(id: string): Record<string, unknown> {
  return {
    what: { reference: `Patient/${id}` },
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  };
}

/** A BALP-shaped AuditEvent as a FHIR server would log it: 70 % reads by staff, then vendor searches, updates, exports, break-the-glass. */
function generateAuditEvent(rand: () => number, i: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const patient = () => `P${String(Math.floor(rand() * 500_000)).padStart(6, '0')}`;
  // Sources write `recorded` in several ISO-8601 spellings; half are already canonical.
  const instant = Date.UTC(2024, 0, 1) + Math.floor(rand() * 180 * 86_400_000);
  const spelling = rand();
  const time =
    spelling < 0.5
      ? new Date(instant).toISOString()
      : spelling < 0.75
        ? `${new Date(instant + 3_600_000).toISOString().slice(0, 23)}+01:00`
        : `${new Date(instant).toISOString().slice(0, 19)}Z`;
  const kind = rand();
  const server = {
    type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
    who: { reference: 'Device/ehr-fhir-server' },
    requestor: false,
    network: { address: 'https://fhir.stmarys.example.org/r4', type: '5' },
  };
  const client = {
    type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
    who: { display: `ws-${Math.floor(rand() * 400)}.stmarys.example.org` },
    requestor: false,
    network: { address: `10.20.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`, type: '2' },
  };
  const source = {
    site: 'fhir.stmarys.example.org',
    observer: { reference: 'Device/ehr-fhir-server', display: "St Mary's EHR FHIR server" },
    type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
  };
  const [roleCode, roleDisplay] = pick(ROLES);
  const department = pick(DEPARTMENTS);
  const btg = kind > 0.97;
  const user = {
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
    who: { identifier: { system: 'urn:oid:2.16.840.1.113883.19.5.1', value: `staff.${Math.floor(rand() * 3000)}` }, display: 'Staff Member' },
    requestor: true,
    role: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: roleCode, display: roleDisplay }] },
      { coding: [{ system: 'urn:chartwatch:department', code: department.toLowerCase(), display: department }] },
    ],
    purposeOfUse: [{ coding: [{ system: ACT_REASON, code: btg ? 'BTG' : 'TREAT' }] }],
  };
  const base = {
    resourceType: 'AuditEvent',
    id: `ae-${i}-${Math.floor(rand() * 1e9).toString(36)}`,
    meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    recorded: time,
    outcome: rand() < 0.02 ? '4' : '0',
    source,
  };
  if (kind < 0.7 || btg) {
    const resource = btg ? 'DocumentReference' : pick(RESOURCES);
    const data: Record<string, unknown> = {
      what: { reference: `${resource}/${Math.floor(rand() * 1e7)}` },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
    };
    if (btg) data['securityLabel'] = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSYTHPN' }];
    return { ...base, subtype: [{ system: REST, code: 'read', display: 'read' }], action: 'R', agent: [client, server, user], entity: [data, patientEntity(patient())] };
  }
  if (kind < 0.85) {
    const vendor = pick(VENDORS);
    const app = {
      type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
      who: { reference: `Device/${vendor}`, identifier: { system: 'urn:stmarys:oauth-client', value: vendor } },
      requestor: true,
      network: { address: `203.0.113.${Math.floor(rand() * 255)}`, type: '2' },
      purposeOfUse: [{ coding: [{ system: ACT_REASON, code: 'HOPERAT' }] }],
    };
    const patients = Array.from({ length: 1 + Math.floor(rand() * 12) }, patient);
    const q = `GET https://fhir.stmarys.example.org/r4/${pick(RESOURCES)}?patient=${patients.join(',')}`;
    const query = { type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '24', display: 'Query' }, description: q, query: Buffer.from(q).toString('base64') };
    return { ...base, subtype: [{ system: REST, code: 'search-type', display: 'search-type' }], action: 'E', agent: [app, server], entity: [query, ...patients.map(patientEntity)] };
  }
  if (kind < 0.93) {
    const resource = pick(RESOURCES);
    const data = { what: { reference: `${resource}/${Math.floor(rand() * 1e7)}` }, type: { system: ENTITY_TYPE, code: '2' }, role: { system: OBJECT_ROLE, code: '4' } };
    return { ...base, subtype: [{ system: REST, code: 'update', display: 'update' }], action: 'U', agent: [client, server, user], entity: [data, patientEntity(patient())] };
  }
  const patients = Array.from({ length: 2 + Math.floor(rand() * 6) }, patient);
  const q = 'GET https://fhir.stmarys.example.org/r4/$export?_type=Patient,Encounter,Condition';
  const query = {
    type: { system: ENTITY_TYPE, code: '2' },
    role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
    description: q,
    detail: [{ type: 'result-count', valueString: String(10 + Math.floor(rand() * 500)) }],
  };
  return { ...base, type: { system: DCM, code: '110106', display: 'Export' }, action: 'R', agent: [client, user], entity: [query, ...patients.map(patientEntity)] };
}

// ------------------------------------------------------------ CLI

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureParse();
  for (const [name, f] of Object.entries(result)) {
    console.log(
      `${name.padEnd(10)} ${f.lines} lines, ${f.meanBytesPerEvent} B/event: JSON.parse ${f.jsonParseEventsPerSecond.toLocaleString('en')} ev/s, ` +
        `parse+validate ${f.parseValidateEventsPerSecond.toLocaleString('en')} ev/s, ratio ${f.ratio}` +
        ('zodEventsPerSecond' in f ? `; with zod ${f.zodEventsPerSecond.toLocaleString('en')} ev/s, ratio ${f.zodRatio}` : ''),
    );
  }
  console.log(JSON.stringify({ bench: 'parse-figures', ...result }));
}
