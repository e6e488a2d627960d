/**
 * Detection benchmark.
 *
 *   pnpm bench:detect                 # 50,000 actors, 1,000,000 events, 200,000 FHIR events
 *   pnpm bench:detect --events 300000 --fhir-events 50000
 *   pnpm bench:detect --rules ''                        # no rules: what the core costs alone
 *   pnpm bench:detect --rules after-hours-bulk          # one rule: its cost is the difference
 *   pnpm bench:detect --repeat 5                        # the core's median of five runs (default three)
 *   pnpm bench:detect --alerts-out /tmp/a.ndjson        # the core run's alerts, to cmp two versions
 *                                                       # (flushes at the end: ignore the memory line then)
 *
 * 1. core: pre-parsed canonical AccessEvents through createDetector with the
 *    whole default rule pack (rules/*.yaml), one core, events/s: the median of
 *    --repeat runs (default 3) on fresh detectors, the spread printed beside it.
 *    1b. the same events as the live detector meets them: batches of 512
 *    canonical JSON messages decoded just before they are judged (fresh in
 *    cache), CPU time of detection alone. It shows whether run 1's figure is
 *    an artefact of reading a million cold, long-built event objects; so far
 *    it is not (1b is no faster: the misses are in the state, not the events).
 * 2. bytes per active actor: heapUsed + arrayBuffers after the core run
 *    minus the same before it (after a warm-up pass that resolved every patient once, so
 *    the patient cache, which belongs to reference data, is not counted),
 *    over the number of actors with state. Measured with windows open, i.e.
 *    before flush().
 * 3. replay on FHIR: the same kind of events as FHIR R4 AuditEvent NDJSON
 *    through replayEvents (parse + sort + detect), events/s, with the parse
 *    share measured on its own.
 *
 * Synthetic reference data: 50,000 staff in 14 departments (day, evening
 * and night shifts), 200,000 patients (VIPs, deceased, employees, shared
 * households), one or two encounters each, 20 vendor applications. Events
 * (see synthEvents): 90% clinicians in sessions reading mostly their own
 * department's patients, 10% applications querying in bulk; a sprinkling
 * of break-the-glass, sensitive labels, VIP and deceased charts. Seeded:
 * the same run every time.
 *
 * Prints figures, then one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDetector, loadRulesDir, parseInput, replayEvents } from '../packages/detect/src/index.ts';
import type { AccessEvent } from '../packages/event/src/index.ts';
import { ReferenceIndex } from '../packages/reference/src/index.ts';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from '../packages/reference/src/index.ts';
import { createRandom } from '@chartwatch/random';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values: flags } = parseArgs({
  options: {
    actors: { type: 'string', default: '50000' },
    patients: { type: 'string', default: '200000' },
    events: { type: 'string', default: '1000000' },
    'fhir-events': { type: 'string', default: '200000' },
    // Comma-separated rule ids to keep ('' = none): what a rule costs is the difference.
    rules: { type: 'string' },
    // Writes the core run's alerts as JSON lines: compare two versions of the core with cmp.
    'alerts-out': { type: 'string' },
    // Core runs (fresh detector each): the figure is their median, printed with the spread.
    repeat: { type: 'string', default: '3' },
  },
});
const ACTORS = Number(flags.actors);
const PATIENTS = Number(flags.patients);
const EVENTS = Number(flags.events);
const FHIR_EVENTS = Number(flags['fhir-events']);
const REPEAT = Number(flags.repeat);
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat: expected a whole number ≥ 1, got ${JSON.stringify(flags.repeat)}`);
const APPS = 20;

const rnd = createRandom(20261125);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const DEPARTMENTS = ['emergency', 'icu', 'cardiology', 'oncology', 'behavioral-health', 'pediatrics', 'medicine', 'radiology', 'laboratory', 'pharmacy', 'registration', 'billing', 'him', 'it'];
const CLINICAL = DEPARTMENTS.slice(0, 10);
const ROLES: Record<string, string> = { him: 'him-clerk', billing: 'billing-clerk', registration: 'registrar', it: 'it-analyst', laboratory: 'technician', radiology: 'technician', pharmacy: 'pharmacist' };
const START = Date.parse('2026-03-02T00:00:00.000Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Actor {
  id: string;
  role: string;
  department: string;
  /** Shift start hour: 7 day, 15 evening, 23 night. */
  shift: number;
}

function synthReference(): { set: ReferenceSet; actors: Actor[]; byDepartment: Map<string, string[]> } {
  const staff: Staff[] = [];
  const actors: Actor[] = [];
  for (let i = 0; i < ACTORS; i++) {
    const department = pick(DEPARTMENTS);
    const role = ROLES[department] ?? (rnd() < 0.25 ? 'physician' : 'nurse');
    const id = `s${i}`;
    actors.push({ id, role, department, shift: pick([7, 7, 7, 15, 15, 23]) });
    staff.push({
      actorId: id,
      givenName: 'Staff',
      familyName: `F${Math.floor(rnd() * 20_000)}`,
      address: `${i} Staff Street`,
      department,
      role,
      hiredAt: '2015-01-01T00:00:00.000Z',
      terminatedAt: rnd() < 0.005 ? iso(START + rnd() * DAY) : null,
    });
  }
  const patients: Patient[] = [];
  const encounters: Encounter[] = [];
  const byDepartment = new Map<string, string[]>(CLINICAL.map((d) => [d, []]));
  for (let i = 0; i < PATIENTS; i++) {
    const id = `pt${i}`;
    const household = rnd() < 0.02 ? Math.floor(rnd() * ACTORS) : -1;
    patients.push({
      patientId: id,
      givenName: 'Pat',
      familyName: household >= 0 ? (staff[household]?.familyName ?? 'X') : `F${Math.floor(rnd() * 20_000)}`,
      address: household >= 0 ? `${household} Staff Street` : `${i} Patient Road`,
      birthDate: '1970-01-01',
      deceasedAt: rnd() < 0.01 ? iso(START - 200 * DAY) : null,
      vip: rnd() < 0.002,
      employeeActorId: rnd() < 0.01 ? `s${Math.floor(rnd() * ACTORS)}` : null,
    });
    const n = rnd() < 0.3 ? 2 : 1;
    for (let k = 0; k < n; k++) {
      const department = pick(CLINICAL);
      const start = START - rnd() * 10 * DAY;
      encounters.push({ patientId: id, department, start: iso(start), end: rnd() < 0.5 ? null : iso(start + rnd() * 5 * DAY) });
      byDepartment.get(department)?.push(id);
    }
  }
  const vendors: Vendor[] = Array.from({ length: APPS }, (_, i) => ({ clientId: `app${i}`, name: `App ${i}`, dailyQuota: i % 4 === 0 ? null : 50_000 }));
  return { set: { staff, patients, vendors, encounters }, actors, byDepartment };
}

const READ_TYPES = ['Patient', 'Observation'];
const APP_TYPES = ['Patient', 'Observation', 'Condition'];
const NONE: string[] = [];
const TREAT = ['TREAT'];
const BTG = ['TREAT', 'BTG'];
const PSY = ['PSY'];
const PAYMENT = ['HPAYMT'];

/**
 * Events sorted by time over one day. Like an EHR's audit log, they come in
 * sessions: a user opens a handful of charts (their own department's
 * patients mostly) and reads each a few times; about 2,000 sessions are open
 * at once, each on an actor whose shift covers the hour, so night shifts
 * read after hours. Applications query in bulk throughout.
 */
function synthEvents(n: number, actors: readonly Actor[], byDepartment: Map<string, string[]>, tag: string, day = 1): AccessEvent[] {
  interface Session {
    actor: Actor;
    patients: string[];
    left: number;
  }
  const open: Session[] = [];
  const newSession = (hour: number): Session => {
    let actor = pick(actors);
    for (let k = 0; k < 16 && !((hour - actor.shift + 24) % 24 < 8); k++) actor = pick(actors);
    const local = byDepartment.get(actor.department);
    const count = 1 + Math.floor(rnd() * 6);
    const patients = Array.from({ length: count }, () => (local !== undefined && local.length > 0 && rnd() < 0.97 ? pick(local) : `pt${Math.floor(rnd() * PATIENTS)}`));
    return { actor, patients, left: 5 + Math.floor(rnd() * 20) };
  };
  const out: AccessEvent[] = [];
  const step = DAY / n;
  for (let i = 0; i < n; i++) {
    const t = START + day * DAY + i * step;
    const hour = new Date(t).getUTCHours();
    if (rnd() < 0.1) {
      const app = `app${Math.floor(rnd() * APPS)}`;
      const count = 1 + Math.floor(rnd() * 10);
      out.push({
        eventId: `${tag}${i}`,
        time: iso(t),
        actor: { id: app, kind: 'application', role: null, department: null },
        patientIds: Array.from({ length: count }, () => `pt${Math.floor(rnd() * PATIENTS)}`),
        action: 'query',
        resourceTypes: APP_TYPES,
        sensitivity: NONE,
        purposeOfUse: PAYMENT,
        breakTheGlass: false,
        outcome: 'success',
        records: count * (1 + Math.floor(rnd() * 20)),
        sourceSystem: 'gateway',
        networkAddress: '203.0.113.7',
        format: 'json',
      });
      continue;
    }
    while (open.length < 2000) open.push(newSession(hour));
    const k = Math.floor(rnd() * open.length);
    const session = open[k] as Session;
    if (--session.left <= 0) open[k] = newSession(hour);
    const actor = session.actor;
    const patient = pick(session.patients);
    const r = rnd();
    const btg = rnd() < 0.005;
    out.push({
      eventId: `${tag}${i}`,
      time: iso(t),
      actor: { id: actor.id, kind: 'user', role: actor.role, department: actor.department },
      patientIds: [patient],
      action: r < 0.7 ? 'read' : r < 0.85 ? 'update' : r < 0.95 ? 'create' : 'print',
      resourceTypes: READ_TYPES,
      sensitivity: rnd() < 0.02 ? PSY : NONE,
      purposeOfUse: btg ? BTG : TREAT,
      breakTheGlass: btg,
      outcome: rnd() < 0.01 ? 'minor-failure' : 'success',
      records: 1,
      sourceSystem: 'ehr',
      networkAddress: '10.20.1.1',
      format: 'json',
    });
  }
  return out;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const SUBTYPE: Record<string, [string, string]> = { read: ['read', 'R'], update: ['update', 'U'], create: ['create', 'C'], print: ['read', 'R'], query: ['search-type', 'E'] };

/** An AccessEvent as a BALP-shaped FHIR R4 AuditEvent. */
function toFhir(e: AccessEvent): string {
  const [subtype, action] = SUBTYPE[e.action] ?? ['read', 'R'];
  const app = e.actor.kind === 'application';
  const requestor = app
    ? { who: { reference: `Device/${e.actor.id}` }, requestor: true, type: { coding: [{ system: DCM, code: '110150' }] } }
    : {
        who: { identifier: { value: e.actor.id } },
        requestor: true,
        role: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: e.actor.role }] }, { coding: [{ system: 'urn:chartwatch:department', code: e.actor.department }] }],
        purposeOfUse: e.purposeOfUse.map((code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code }] })),
      };
  return JSON.stringify({
    resourceType: 'AuditEvent',
    id: e.eventId,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: e.action === 'print' ? 'print' : subtype }],
    action,
    recorded: e.time,
    outcome: e.outcome === 'success' ? '0' : '4',
    agent: [{ type: { coding: [{ system: DCM, code: '110153' }] }, who: { display: 'ws' }, requestor: false, network: { address: e.networkAddress, type: '2' } }, requestor],
    source: { observer: { display: e.sourceSystem } },
    entity: [
      ...e.patientIds.map((p) => ({
        what: { reference: `Patient/${p}` },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
        securityLabel: e.sensitivity.map((code) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code })),
      })),
      ...(e.action === 'query' ? [{ what: { reference: 'Observation/x' }, detail: [{ type: 'count', valueString: String(e.records) }] }] : []),
    ],
  });
}

/** JS heap plus ArrayBuffer backing stores (typed-array tables live outside the heap: they count too). */
function heap(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const allRules = await loadRulesDir(fileURLToPath(new URL('../rules/', import.meta.url)));
const keep = flags.rules === undefined ? null : new Set(flags.rules.split(',').filter((id) => id !== ''));
const rules = keep === null ? allRules : allRules.filter((r) => keep.has(r.id));
console.log(`rules: ${rules.length} (${rules.map((r) => r.id).join(', ')})`);
let t = performance.now();
const { set, actors, byDepartment } = synthReference();
const reference = new ReferenceIndex(set);
const events = synthEvents(EVENTS, actors, byDepartment, 'e');
console.log(`synthetic hospital: ${ACTORS} staff, ${PATIENTS} patients, ${set.encounters.length} encounters, ${APPS} applications; ${EVENTS} events (${((performance.now() - t) / 1000).toFixed(1)} s to generate)`);

/**
 * JIT warm-up on a throwaway detector, in a function: a block's local in this module body can stay
 * referenced from the suspended async frame across the awaits below, and a detector still alive when
 * the "before" heap is taken and collected before the "after" one made bytes per actor come out low.
 */
function warmUpJit(): void {
  const warm = createDetector({ rules, reference });
  for (let i = 0; i < Math.min(200_000, events.length); i++) warm.process(events[i] as AccessEvent);
}
warmUpJit();

// 1 + 2: core throughput and bytes per active actor.
const detector = createDetector({ rules, reference });
/** Resolves every patient once (reference data's cache, not actor state), from a single actor the day before, in business hours. */
function resolvePatients(d: ReturnType<typeof createDetector>): void {
  const warmActor = { id: 'warm-up', kind: 'user' as const, role: 'nurse', department: 'it' };
  for (let i = 0; i < PATIENTS; i++) {
    d.process({ ...(events[0] as AccessEvent), eventId: `w${i}`, time: iso(START + 10 * 3_600_000), actor: warmActor, patientIds: [`pt${i}`], action: 'read', breakTheGlass: false, sensitivity: NONE });
  }
}
resolvePatients(detector);
const actorsBefore = detector.stats().actors;
const heapBefore = heap();
let alerts = 0;
const profiler = process.env['CW_BENCH_PROFILE'] === undefined ? null : new (await import('node:inspector/promises')).Session();
if (profiler !== null) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
t = performance.now();
const cpu0 = process.cpuUsage();
const alertsOut: string[] | null = flags['alerts-out'] === undefined ? null : [];
if (alertsOut === null) for (let i = 0; i < events.length; i++) alerts += detector.process(events[i] as AccessEvent).length;
else {
  for (let i = 0; i < events.length; i++) {
    const fired = detector.process(events[i] as AccessEvent);
    alerts += fired.length;
    for (const a of fired) alertsOut.push(JSON.stringify(a));
  }
}
const coreSeconds = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
// CPU time of this process: on a shared machine wall time also counts other processes' turns.
const coreCpuSeconds = (cpu.user + cpu.system) / 1e6;
if (profiler !== null) {
  // CW_BENCH_PROFILE=FILE writes a .cpuprofile of the core loop alone (open it in Chrome DevTools).
  const { profile } = await profiler.post('Profiler.stop');
  (await import('node:fs')).writeFileSync(process.env['CW_BENCH_PROFILE'] as string, JSON.stringify(profile));
}
if (alertsOut !== null) {
  for (const a of detector.flush()) alertsOut.push(JSON.stringify(a));
  (await import('node:fs')).writeFileSync(flags['alerts-out'] as string, alertsOut.join('\n') + '\n');
}
const heapAfter = heap();
const stats = detector.stats();
const activeActors = stats.actors - actorsBefore;
const bytesPerActor = (heapAfter - heapBefore) / activeActors;
console.log(
  `core: ${events.length} events in ${coreSeconds.toFixed(2)} s wall = ${Math.round(events.length / coreSeconds).toLocaleString('en-US')} events/s; ` +
    `${coreCpuSeconds.toFixed(2)} s CPU = ${Math.round(events.length / coreCpuSeconds).toLocaleString('en-US')} events/s per core; ${alerts} alerts, ${stats.activeKeys} keys / ${stats.activeWindows} windows open`,
);
console.log(`memory: ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB for ${activeActors} active actors = ${Math.round(bytesPerActor)} bytes per active actor`);
console.log(`  alerts by rule: ${JSON.stringify(stats.alertsByRule)}`);

/**
 * The same core run again on fresh detectors. On a shared machine one run's rate moves by half either way with
 * the neighbours' load (the same code read 297k and 455k events per CPU-second within the hour): the figure
 * reported is the median of the runs, and the spread is printed beside it.
 */
function coreRunAgain(): { wall: number; cpu: number } {
  const d = createDetector({ rules, reference });
  resolvePatients(d);
  let n = 0;
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < events.length; i++) n += d.process(events[i] as AccessEvent).length;
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - w0) / 1000;
  if (n !== alerts) throw new Error(`a repeated core run gave ${n} alerts where the first gave ${alerts}: the same events must give the same alerts`);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}
const runs = [{ wall: coreSeconds, cpu: coreCpuSeconds }];
for (let r = 1; r < REPEAT; r++) runs.push(coreRunAgain());
const medianOf = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const cpuRates = runs.map((r) => events.length / r.cpu);
const wallRates = runs.map((r) => events.length / r.wall);
const coreCpuRate = medianOf(cpuRates);
const coreRate = medianOf(wallRates);
if (REPEAT > 1) {
  const k = (x: number) => `${Math.round(x / 1000)}k`;
  console.log(
    `core, ${REPEAT} runs: median ${Math.round(coreCpuRate).toLocaleString('en-US')} events per CPU-second (${cpuRates.map(k).join(', ')}), ` +
      `${Math.round(coreRate).toLocaleString('en-US')} events/s wall (${wallRates.map(k).join(', ')})`,
  );
}

// 1b: the same events as the live detector meets them: a batch of canonical JSON messages decoded just
// before it is judged, so the event objects are fresh in cache. Run 1 walks a million events built
// long before, each a cold read; here only detection is timed (CPU time per batch), parsing is not.
const BATCH = 512;
let hotCpuSeconds = 0;
let hotAlerts = 0;
{
  const hot = createDetector({ rules, reference });
  resolvePatients(hot);
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH).map((e) => JSON.parse(JSON.stringify(e)) as AccessEvent);
    const c0 = process.cpuUsage();
    for (const e of batch) hotAlerts += hot.process(e).length;
    const c = process.cpuUsage(c0);
    hotCpuSeconds += (c.user + c.system) / 1e6;
  }
}
const hotCpuRate = events.length / hotCpuSeconds;
console.log(
  `core, batches of ${BATCH} decoded just before (as the detector consumes them): ${hotCpuSeconds.toFixed(2)} s CPU in detection = ${Math.round(hotCpuRate).toLocaleString('en-US')} events/s per core; ${hotAlerts} alerts${hotAlerts === alerts ? ', as in the run above' : `, but ${alerts} in the run above: the same events must give the same alerts`}`,
);

// 3: replay on FHIR.
const fhirEvents = synthEvents(FHIR_EVENTS, actors, byDepartment, 'f');
const fhirText = fhirEvents.map(toFhir).join('\n');
t = performance.now();
const parsed = parseInput(fhirText, 'fhir');
const parseSeconds = (performance.now() - t) / 1000;
const bad = parsed.filter((r) => !r.ok).length;
if (bad > 0) throw new Error(`${bad} synthetic FHIR events did not parse: ${JSON.stringify(parsed.find((r) => !r.ok))}`);
t = performance.now();
const replay = replayEvents({ input: fhirText, format: 'fhir', rules, reference, collect: false });
const replaySeconds = (performance.now() - t) / 1000;
const replayRate = replay.summary.events / replaySeconds;
console.log(
  `replay (FHIR NDJSON, ${(fhirText.length / 1e6).toFixed(0)} MB): ${replay.summary.events} events in ${replaySeconds.toFixed(2)} s = ${Math.round(replayRate).toLocaleString('en-US')} events/s; ` +
    `parsing alone ${parseSeconds.toFixed(2)} s (${Math.round((parseSeconds / replaySeconds) * 100)}% of replay), detection at the core rate ${(FHIR_EVENTS / coreRate).toFixed(2)} s`,
);

console.log(
  JSON.stringify({
    bench: 'detect',
    rules: rules.length,
    actors: ACTORS,
    patients: PATIENTS,
    coreEvents: events.length,
    coreRuns: REPEAT,
    coreEventsPerSec: Math.round(coreRate),
    coreEventsPerCpuSec: Math.round(coreCpuRate),
    coreEventsPerCpuSecMin: Math.round(Math.min(...cpuRates)),
    coreEventsPerCpuSecMax: Math.round(Math.max(...cpuRates)),
    coreBatchedEventsPerCpuSec: Math.round(hotCpuRate),
    bytesPerActiveActor: Math.round(bytesPerActor),
    activeActors,
    replayFhirEvents: replay.summary.events,
    replayFhirEventsPerSec: Math.round(replayRate),
    fhirParseEventsPerSec: Math.round(FHIR_EVENTS / parseSeconds),
    parseShareOfReplay: Math.round((parseSeconds / replaySeconds) * 100) / 100,
  }),
);
