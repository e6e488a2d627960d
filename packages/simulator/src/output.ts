import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessEvent } from '@chartwatch/event';
import { eventsToCsv } from './event-csv.ts';
import { toFhirAuditEvent } from './fhir-audit-event.ts';
import type { Label } from './label.ts';
import type { Hospital } from './model.ts';
import { referenceToCsv } from './reference-csv.ts';
import type { Scenario } from './scenarios.ts';
import { SCENARIOS } from './scenarios.ts';
import { streamDays } from './simulate.ts';

export const OUTPUT_FORMATS = ['json', 'csv', 'fhir'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const EVENT_FILES: Record<OutputFormat, string> = {
  json: 'events.jsonl',
  csv: 'events.csv',
  fhir: 'events.ndjson',
};

export interface SimulationSummary {
  seed: number;
  staff: number;
  days: number;
  start: string;
  timezone: string;
  format: OutputFormat;
  events: number;
  /** Distinct actor ids with at least one event (users and applications). */
  actors: number;
  users: number;
  applications: number;
  /** Distinct (actor, UTC date) pairs with at least one event: the denominator of false alerts per 1,000 actor-days. */
  actorDays: number;
  patients: number;
  encounters: number;
  incidents: number;
  incidentsByScenario: Record<Scenario, number>;
  firstEvent: string | null;
  lastEvent: string | null;
  files: string[];
}

/** Serialises one day's events in the chosen format. */
export function formatEvents(events: readonly AccessEvent[], format: OutputFormat, first: boolean): string {
  if (events.length === 0) return first && format === 'csv' ? eventsToCsv([], true) : '';
  switch (format) {
    case 'json':
      return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    case 'fhir':
      return events.map((e) => JSON.stringify(toFhirAuditEvent(e))).join('\n') + '\n';
    case 'csv':
      return eventsToCsv(events, first);
  }
}

/**
 * Writes events.<ext>, the reference CSVs (roles.csv among them), labels.jsonl and
 * summary.json into `dir`, a day at a time, so memory stays at one day's
 * events whatever the length of the run.
 */
export async function writeSimulation(hospital: Hospital, dir: string, format: OutputFormat): Promise<SimulationSummary> {
  await mkdir(dir, { recursive: true });
  const reference = referenceToCsv(hospital.reference);
  for (const [name, text] of Object.entries(reference)) await writeFile(join(dir, name), text);

  const eventFile = EVENT_FILES[format];
  const out = createWriteStream(join(dir, eventFile));
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  // Keep the rejection handled until someone awaits it.
  failed.catch(() => undefined);
  const labels: Label[] = [];
  const actors = new Set<string>();
  const actorDays = new Set<string>();
  let users = 0;
  let applications = 0;
  let count = 0;
  let firstEvent: string | null = null;
  let lastEvent: string | null = null;
  let first = true;
  for (const day of streamDays(hospital)) {
    for (const e of day.events) {
      if (!actors.has(e.actor.id)) {
        actors.add(e.actor.id);
        if (e.actor.kind === 'user') users++;
        else applications++;
      }
      actorDays.add(`${e.actor.id}|${e.time.slice(0, 10)}`);
    }
    if (day.events.length > 0) {
      firstEvent ??= (day.events[0] as AccessEvent).time;
      lastEvent = (day.events[day.events.length - 1] as AccessEvent).time;
    }
    count += day.events.length;
    labels.push(...day.labels);
    const text = formatEvents(day.events, format, first);
    first = false;
    if (text !== '' && !out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);

  labels.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.incidentId < b.incidentId ? -1 : 1));
  await writeFile(join(dir, 'labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n') + (labels.length > 0 ? '\n' : ''));

  const incidentsByScenario = Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number>;
  for (const l of labels) incidentsByScenario[l.scenario]++;
  const summary: SimulationSummary = {
    seed: hospital.options.seed,
    staff: hospital.options.staff,
    days: hospital.options.days,
    start: hospital.options.start,
    timezone: hospital.options.timezone,
    format,
    events: count,
    actors: actors.size,
    users,
    applications,
    actorDays: actorDays.size,
    patients: hospital.reference.patients.length,
    encounters: hospital.reference.encounters.length,
    incidents: labels.length,
    incidentsByScenario,
    firstEvent,
    lastEvent,
    files: [eventFile, ...Object.keys(reference), 'labels.jsonl', 'summary.json'],
  };
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
