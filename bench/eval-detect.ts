/**
 * pnpm eval:detect — detection on hospitals nobody developed on.
 *
 * The hospitals are chosen by a written rule from the run's UTC date (or
 * --date), so each day's evaluation is of hospitals that did not exist while
 * the rules, the model or their thresholds were written, and no threshold can
 * be tuned to them in advance:
 *
 *   d      = days from 1970-01-01 to the date
 *   seed_i = (d × 7,919 + i × 104,729 + 1,000,003) mod 2^31, i = 0 … n−1
 *   staff  = 300 + (seed_i mod 401)                          (300 – 700)
 *   zone   = hospitals 0-2: DST_ZONES[(d + i) mod 6]; later ones: ALL_ZONES[(d + i) mod 9]
 *   start  = for a zone with daylight saving, the date's year's first change of UTC offset minus
 *            3 + (seed_i mod 12) days, so the change lies inside the scored hospital's three weeks;
 *            else the Monday on or after the date minus 60 days
 *   vocabulary = plain, snake, coded in turn from (d + i) mod 3  (three role naming schemes)
 *
 * Each hospital is 21 days: the model is trained on days 0-13 (actor-days a rule alerted on left out,
 * as the trainer's --exclude-alerts does), then the rules and the model replay all 21 days and the last
 * 7 are scored: per-scenario recall, precision, false alerts per 1,000 actor-days (overall and the
 * model's), then the mean and the worst over hospitals, and a final JSON line.
 *
 * Incidents happen throughout the 21 days at the simulator's rate (three of each scenario a week), so the
 * model's training weeks hold unlabelled behavioural incidents, as a hospital's past would. With
 * --clean-history the training weeks are ordinary work and the same rate of incidents falls in the
 * scored week only (a model trained on a clean past).
 *
 * Flags: --date YYYY-MM-DD (default today, UTC), --hospitals N (default 5), --days N (default 21),
 * --train-days N (default 14), --staff N (all hospitals this size instead of the rule's), --clean-history,
 * --budget N and --shrinkage N (the model's alert budget per 1,000 training actor-days and share
 * shrinkage; default the trainer's), to measure a setting before changing its default.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRulesDir, replayEvents } from '../packages/detect/src/index.ts';
import type { Alert } from '../packages/detect/src/index.ts';
import type { AccessEvent } from '../packages/event/src/index.ts';
import { createModelScorer, overlapsAlerts, trainFromEvents } from '../packages/model/src/index.ts';
import { ReferenceIndex } from '../packages/reference/src/index.ts';
import { BEHAVIOURAL_SCENARIOS, matchAlert, RULE_SCENARIOS, scoreAlerts, simulateHospital } from '../packages/simulator/src/index.ts';
import type { Label, RoleVocabularyName, Scenario } from '../packages/simulator/src/index.ts';

const DST_ZONES = ['America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'America/Denver', 'Europe/London', 'America/Toronto'] as const;
const ALL_ZONES = [...DST_ZONES, 'Asia/Tokyo', 'Asia/Kolkata', 'America/Phoenix'] as const;
const VOCABULARIES: readonly RoleVocabularyName[] = ['plain', 'snake', 'coded'];
const DAY_MS = 86_400_000;

const { values } = parseArgs({
  options: {
    date: { type: 'string' },
    hospitals: { type: 'string', default: '5' },
    days: { type: 'string', default: '21' },
    'train-days': { type: 'string', default: '14' },
    staff: { type: 'string' },
    'clean-history': { type: 'boolean', default: false },
    budget: { type: 'string' },
    shrinkage: { type: 'string' },
  },
});
const modelSettings = {
  ...(values.budget === undefined ? {} : { budgetPer1000: Number(values.budget) }),
  ...(values.shrinkage === undefined ? {} : { shrinkage: Number(values.shrinkage) }),
};
const cleanHistory = values['clean-history'];

const date = values.date ?? new Date().toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new Error(`--date: "${date}" is not YYYY-MM-DD`);
const hospitals = Number(values.hospitals);
const days = Number(values.days);
const trainDays = Number(values['train-days']);
if (!(trainDays >= 7 && days >= trainDays + 7)) throw new Error('--days must leave at least 7 scored days after --train-days (≥ 7)');

/** UTC offset of a zone at an instant, in minutes. */
function offsetMinutes(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return (Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - ms) / 60_000;
}

/** The first day of the year at whose noon the zone's offset differs from the day before, or null. */
function firstOffsetChange(zone: string, year: number): number | null {
  let previous = offsetMinutes(zone, Date.UTC(year, 0, 1, 12));
  for (let d = 1; d < 366; d++) {
    const ms = Date.UTC(year, 0, 1 + d, 12);
    const now = offsetMinutes(zone, ms);
    if (now !== previous) return Date.UTC(year, 0, 1 + d);
    previous = now;
  }
  return null;
}

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface HospitalSpec {
  index: number;
  seed: number;
  staff: number;
  timezone: string;
  start: string;
  vocabulary: RoleVocabularyName;
  dstChange: string | null;
}

function chooseHospitals(): HospitalSpec[] {
  const d = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
  const year = Number(date.slice(0, 4));
  const specs: HospitalSpec[] = [];
  for (let i = 0; i < hospitals; i++) {
    const seed = (d * 7919 + i * 104_729 + 1_000_003) % 2 ** 31;
    const timezone = i < 3 ? (DST_ZONES[(d + i) % DST_ZONES.length] as string) : (ALL_ZONES[(d + i) % ALL_ZONES.length] as string);
    const change = firstOffsetChange(timezone, year);
    let startMs: number;
    if (change !== null) startMs = change - (3 + (seed % 12)) * DAY_MS;
    else {
      const base = Date.parse(`${date}T00:00:00Z`) - 60 * DAY_MS;
      startMs = base + ((8 - new Date(base).getUTCDay()) % 7) * DAY_MS;
    }
    specs.push({
      index: i,
      seed,
      staff: values.staff === undefined ? 300 + (seed % 401) : Number(values.staff),
      timezone,
      start: isoDate(startMs),
      vocabulary: VOCABULARIES[(d + i) % VOCABULARIES.length] as RoleVocabularyName,
      dstChange: change === null ? null : isoDate(change),
    });
  }
  return specs;
}

interface ScenarioResult {
  incidents: number;
  detected: number;
  recall: number | null;
}

interface HospitalResult {
  spec: HospitalSpec;
  events: number;
  scoredActorDays: number;
  alerts: number;
  falseAlerts: number;
  precision: number | null;
  ruleAlerts: number;
  ruleFalse: number;
  modelAlerts: number;
  modelFalse: number;
  falsePer1000: number;
  modelFalsePer1000: number;
  byScenario: Partial<Record<Scenario, ScenarioResult>>;
  missed: string[];
  /** False alerts by rule id (the model as behaviour-model). */
  falseByRule: Record<string, number>;
  seconds: number;
}

/** Start of the local day `day` days after the hospital's first, as UTC ms. */
function localDayStart(spec: HospitalSpec, day: number): number {
  const guess = Date.parse(`${spec.start}T00:00:00Z`) + day * DAY_MS;
  // Two rounds settle a day next to an offset change.
  let t = guess - offsetMinutes(spec.timezone, guess) * 60_000;
  t = guess - offsetMinutes(spec.timezone, t) * 60_000;
  return t;
}

async function evaluate(spec: HospitalSpec, rules: Awaited<ReturnType<typeof loadRulesDir>>): Promise<HospitalResult> {
  const t0 = performance.now();
  const sim = simulateHospital({ seed: spec.seed, staff: spec.staff, days, start: spec.start, timezone: spec.timezone, vocabulary: spec.vocabulary, ...(cleanHistory ? { incidentsFrom: trainDays } : {}) });
  const reference = new ReferenceIndex(sim.reference);
  const cut = localDayStart(spec, trainDays);
  const cutIso = new Date(cut).toISOString();
  const training: AccessEvent[] = sim.events.filter((e) => e.time < cutIso);

  // Training history: what the rules alerted on is left out, as `chartwatch train --exclude-alerts` does.
  const trainingAlerts = replayEvents({ parsed: training.map((event) => ({ ok: true as const, event })), rules, reference, timezone: spec.timezone }).alerts;
  const { model } = await trainFromEvents(training, { reference, timezone: spec.timezone, exclude: overlapsAlerts(trainingAlerts), ...modelSettings });

  const scorer = createModelScorer({ model, reference, timezone: spec.timezone });
  const { alerts } = replayEvents({ parsed: sim.events.map((event) => ({ ok: true as const, event })), rules, reference, timezone: spec.timezone, scorers: [scorer] });
  const scored = alerts.filter((a: Alert) => Date.parse(a.windowEnd) > cut);
  const weekLabels = sim.labels.filter((l: Label) => l.end >= cutIso);

  const actorDays = new Set<string>();
  for (const e of sim.events) {
    if (e.time < cutIso) continue;
    actorDays.add(`${e.actor.id} ${Math.floor((Date.parse(e.time) - cut) / DAY_MS)}`);
  }
  // An alert is true when it matches any incident (one that began before the cut included).
  let falseAlerts = 0;
  let ruleAlerts = 0;
  let ruleFalse = 0;
  let modelAlerts = 0;
  let modelFalse = 0;
  const falseByRule: Record<string, number> = {};
  for (const a of scored) {
    const wrong = matchAlert(a, sim.labels).length === 0;
    if (wrong) {
      falseAlerts++;
      falseByRule[a.ruleId] = (falseByRule[a.ruleId] ?? 0) + 1;
    }
    if (a.detector === 'model') {
      modelAlerts++;
      if (wrong) modelFalse++;
    } else {
      ruleAlerts++;
      if (wrong) ruleFalse++;
    }
  }
  const report = scoreAlerts(scored, weekLabels, { actorDays: actorDays.size });
  const byScenario: Partial<Record<Scenario, ScenarioResult>> = {};
  for (const s of report.byScenario) byScenario[s.scenario] = { incidents: s.incidents, detected: s.detected, recall: s.recall };
  return {
    spec,
    events: sim.events.length,
    scoredActorDays: actorDays.size,
    alerts: scored.length,
    falseAlerts,
    precision: scored.length === 0 ? null : (scored.length - falseAlerts) / scored.length,
    ruleAlerts,
    ruleFalse,
    modelAlerts,
    modelFalse,
    falsePer1000: (falseAlerts / actorDays.size) * 1000,
    modelFalsePer1000: (modelFalse / actorDays.size) * 1000,
    byScenario,
    missed: report.missed.map((m) => `${m.scenario}:${m.actorId}`),
    falseByRule,
    seconds: (performance.now() - t0) / 1000,
  };
}

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '-' : v.toFixed(digits));

function meanAndWorst(values: readonly (number | null)[], worstIsMax = false): { mean: number | null; worst: number | null } {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { mean: null, worst: null };
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, worst: worstIsMax ? Math.max(...xs) : Math.min(...xs) };
}

async function main(): Promise<void> {
  const rules = await loadRulesDir(fileURLToPath(new URL('../rules/', import.meta.url)));
  const specs = chooseHospitals();
  console.log(
    `eval:detect ${date}: ${specs.length} hospitals, ${days} days each, trained on days 0-${trainDays - 1} (${cleanHistory ? 'ordinary work only' : 'incidents included, unlabelled'}), scored on days ${trainDays}-${days - 1}`,
  );
  const results: HospitalResult[] = [];
  for (const spec of specs) {
    const r = await evaluate(spec, rules);
    results.push(r);
    console.log(
      `hospital ${spec.index}: seed ${spec.seed}, ${spec.staff} staff, ${spec.timezone} from ${spec.start}${spec.dstChange === null ? '' : ` (offset change ${spec.dstChange})`}, roles ${spec.vocabulary}: ` +
        `${r.events} events, ${r.scoredActorDays} scored actor-days, ${r.alerts} alerts (${r.ruleAlerts} rule, ${r.modelAlerts} model), precision ${fmt(r.precision)}, ` +
        `false/1k actor-days ${fmt(r.falsePer1000, 2)} (model ${fmt(r.modelFalsePer1000, 2)}), ${r.seconds.toFixed(0)} s` +
        (r.falseAlerts > 0 ? `\n  false: ${Object.entries(r.falseByRule).map(([k, v]) => `${k} ${v}`).join(', ')}` : '') +
        (r.missed.length > 0 ? `\n  missed: ${r.missed.join(', ')}` : ''),
    );
  }

  const scenarios = [...RULE_SCENARIOS, ...BEHAVIOURAL_SCENARIOS] as Scenario[];
  console.log('');
  console.log(`${'scenario'.padEnd(26)} ${'kind'.padEnd(11)} ${'incidents'.padStart(9)} ${'mean recall'.padStart(11)} ${'worst'.padStart(6)}  per hospital`);
  const table: Record<string, { kind: string; incidents: number; mean: number | null; worst: number | null; perHospital: (number | null)[] }> = {};
  for (const s of scenarios) {
    const per = results.map((r) => r.byScenario[s]?.recall ?? null);
    const incidents = results.reduce((n, r) => n + (r.byScenario[s]?.incidents ?? 0), 0);
    const { mean, worst } = meanAndWorst(per);
    const kind = (BEHAVIOURAL_SCENARIOS as readonly string[]).includes(s) ? 'behavioural' : 'rule';
    table[s] = { kind, incidents, mean, worst, perHospital: per };
    console.log(`${s.padEnd(26)} ${kind.padEnd(11)} ${String(incidents).padStart(9)} ${fmt(mean).padStart(11)} ${fmt(worst).padStart(6)}  ${per.map((v) => fmt(v, 2)).join(' ')}`);
  }
  const precision = meanAndWorst(results.map((r) => r.precision));
  const falsePer1000 = meanAndWorst(results.map((r) => r.falsePer1000), true);
  const modelFalsePer1000 = meanAndWorst(results.map((r) => r.modelFalsePer1000), true);
  const ruleRecall = meanAndWorst(results.map((r) => recallOver(r, RULE_SCENARIOS)));
  const behaviouralRecall = meanAndWorst(results.map((r) => recallOver(r, BEHAVIOURAL_SCENARIOS)));
  console.log('');
  console.log(`precision                    mean ${fmt(precision.mean)}  worst ${fmt(precision.worst)}`);
  console.log(`false alerts / 1k actor-days mean ${fmt(falsePer1000.mean, 2)}  worst ${fmt(falsePer1000.worst, 2)}`);
  console.log(`model false / 1k actor-days  mean ${fmt(modelFalsePer1000.mean, 2)}  worst ${fmt(modelFalsePer1000.worst, 2)}`);
  console.log(`rule scenarios recall        mean ${fmt(ruleRecall.mean)}  worst ${fmt(ruleRecall.worst)}`);
  console.log(`behavioural recall           mean ${fmt(behaviouralRecall.mean)}  worst ${fmt(behaviouralRecall.worst)}`);
  console.log(
    JSON.stringify({
      bench: 'eval-detect',
      date,
      days,
      trainDays,
      cleanHistory,
      model: modelSettings,
      hospitals: results.map((r) => ({ ...r.spec, events: r.events, scoredActorDays: r.scoredActorDays, alerts: r.alerts, falseAlerts: r.falseAlerts, precision: r.precision, modelAlerts: r.modelAlerts, modelFalse: r.modelFalse, falsePer1000: r.falsePer1000, modelFalsePer1000: r.modelFalsePer1000, falseByRule: r.falseByRule, missed: r.missed })),
      scenarios: table,
      precision,
      falsePer1000,
      modelFalsePer1000,
      ruleRecall,
      behaviouralRecall,
    }),
  );
}

function recallOver(r: HospitalResult, list: readonly Scenario[]): number | null {
  let incidents = 0;
  let detected = 0;
  for (const s of list) {
    incidents += r.byScenario[s]?.incidents ?? 0;
    detected += r.byScenario[s]?.detected ?? 0;
  }
  return incidents === 0 ? null : detected / incidents;
}

await main();
