import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { readFlagFile } from '@chartwatch/settings';
import { parseAlerts } from './alerts-file.ts';
import { generateHospital } from './hospital.ts';
import { parseLabels } from './label.ts';
import type { OutputFormat } from './output.ts';
import { OUTPUT_FORMATS, writeSimulation } from './output.ts';
import type { RoleVocabularyName } from './role-vocabulary.ts';
import { formatScoreTable, scoreAlerts } from './score.ts';

export const SIMULATE_USAGE = `usage: simulate --seed N --start YYYY-MM-DD --out DIR [--staff N] [--days N] [--format fhir|csv|json]
                [--timezone ZONE] [--vocabulary plain|snake|coded] [--no-incidents]

  --seed N            the hospital and its week are a function of the seed (required)
  --start YYYY-MM-DD  first simulated day (required)
  --out DIR           writes events, staff/patients/encounters/vendors/roles CSVs, labels.jsonl, summary.json
  --staff N           staff members (default 300)
  --days N            days simulated (default 7)
  --format F          events as fhir (AuditEvent NDJSON), csv or json (canonical events; default json)
  --timezone ZONE     the hospital's IANA zone for shifts and business hours (default UTC)
  --vocabulary V      how the hospital spells its roles: plain, snake or coded (default plain); roles.csv maps them
  --no-incidents      ordinary work only, no injected incidents`;

export const SCORE_USAGE = `usage: score --alerts FILE --labels FILE [--actor-days N]

  --alerts FILE       alerts as JSON lines or a JSON array (replay --alerts-out)
  --labels FILE       labels.jsonl from simulate
  --actor-days N      for false alerts per 1,000 actor-days (default: summary.json beside the labels)`;

export const SIMULATOR_USAGE = `${SIMULATE_USAGE}\n\n${SCORE_USAGE}`;

function integer(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`--${name}`, 'is required');
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`--${name}`, `expected an integer, got ${JSON.stringify(value)}`);
  return n;
}

/** `simulate …`: writes a simulated hospital week into --out and prints a summary through `print`. */
export async function simulateCommand(args: string[], print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      staff: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      timezone: { type: 'string' },
      vocabulary: { type: 'string' },
      'no-incidents': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    print(SIMULATE_USAGE);
    return;
  }
  const format = values.format ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new ConfigError('--format', `expected one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (!values.out) throw new ConfigError('--out', 'is required: the directory to write into');
  if (!values.start) throw new ConfigError('--start', 'is required: the first simulated day, YYYY-MM-DD');
  // Before the hospital is generated (seconds for a large one): a path that cannot become the directory fails now.
  const existing = await stat(values.out).catch(() => null);
  if (existing !== null && !existing.isDirectory()) throw new ConfigError('--out', `${JSON.stringify(values.out)} is a file, not a directory to write into`);
  const t0 = performance.now();
  const hospital = generateHospital({
    seed: integer('seed', values.seed),
    staff: integer('staff', values.staff, 300),
    days: integer('days', values.days, 7),
    start: values.start,
    ...(values.timezone ? { timezone: values.timezone } : {}),
    ...(values.vocabulary ? { vocabulary: values.vocabulary as RoleVocabularyName } : {}),
    ...(values['no-incidents'] ? { incidents: false } : {}),
  });
  const t1 = performance.now();
  const summary = await writeSimulation(hospital, values.out, format as OutputFormat).catch((err: unknown) => {
    throw new ConfigError('--out', `cannot write into ${JSON.stringify(values.out)}: ${(err as Error).message}`);
  });
  const t2 = performance.now();
  print(`hospital: ${summary.staff} staff, ${summary.patients} patients, ${summary.encounters} encounters, ${hospital.vendors.length} applications (${Math.round(t1 - t0)} ms)`);
  print(`events: ${summary.events} from ${summary.firstEvent ?? '-'} to ${summary.lastEvent ?? '-'} (${summary.days} days from ${summary.start}, ${summary.timezone})`);
  print(`actors: ${summary.actors} (${summary.users} users, ${summary.applications} applications), ${summary.actorDays} actor-days`);
  print(`incidents: ${summary.incidents}`);
  for (const [scenario, n] of Object.entries(summary.incidentsByScenario)) print(`  ${scenario.padEnd(26)} ${n}`);
  print(`wrote ${summary.files.join(', ')} to ${values.out} (${Math.round(t2 - t1)} ms generating and writing)`);
  print(JSON.stringify({ ...summary, generateMs: Math.round(t1 - t0), writeMs: Math.round(t2 - t1) }));
}

/** `score …`: judges an alerts file against a labels file and prints the table and a final JSON line. */
export async function scoreCommand(args: string[], print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { alerts: { type: 'string' }, labels: { type: 'string' }, 'actor-days': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    print(SCORE_USAGE);
    return;
  }
  if (!values.alerts) throw new ConfigError('--alerts', 'is required: a file of alerts (JSON lines or a JSON array)');
  if (!values.labels) throw new ConfigError('--labels', 'is required: labels.jsonl from simulate');
  const alerts = parseAlerts(await readFlagFile('--alerts', values.alerts), values.alerts);
  const labels = parseLabels(await readFlagFile('--labels', values.labels), values.labels);
  let actorDays: number;
  if (values['actor-days'] !== undefined) {
    actorDays = integer('actor-days', values['actor-days']);
  } else {
    // simulate writes summary.json beside labels.jsonl.
    const summaryFile = join(dirname(values.labels), 'summary.json');
    const exists = await stat(summaryFile).then(
      () => true,
      () => false,
    );
    if (!exists) throw new ConfigError('--actor-days', `is required when ${summaryFile} does not exist`);
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { actorDays?: unknown };
    if (typeof summary.actorDays !== 'number') throw new FileContentError('CW_ERR_INPUT', summaryFile, 'actorDays', 'missing or not a number');
    actorDays = summary.actorDays;
  }
  const report = scoreAlerts(alerts, labels, { actorDays });
  print(formatScoreTable(report));
  print(JSON.stringify(report));
}
