import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Alert, ReplayScorer, ReplaySummary } from '@chartwatch/detect';
import { loadRulesDir, parseDuration, parseInput, replayEvents } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import type { InputFormat, ParseResult } from '@chartwatch/event';
import { INPUT_FORMATS, parseCanonicalLine, parseFhirLine } from '@chartwatch/event';
import { loadReferenceDir, ReferenceIndex } from '@chartwatch/reference';
import { loadModelScorers } from '../model-scorers.ts';
import { readFlagFile } from '@chartwatch/settings';
import { checkOutputPath, refuseIfNothingValid, writeOutput } from '../cli-files.ts';

export const summary = 'replay a file of access events through the rules; write alerts as JSON lines';

const HELP = `usage: chartwatch replay --input FILE --format fhir|csv|json --reference DIR --alerts-out FILE
                        [--timezone IANA] [--rules DIR] [--allowed-lateness 5m] [--model FILE]
                        [--arrival-order] [--summary-out FILE]

  --input            access events: FHIR AuditEvent NDJSON (or a Bundle), CSV export, or canonical JSON lines
  --format           fhir, csv or json
  --reference        directory with staff.csv, patients.csv, vendors.csv, encounters.csv
  --alerts-out       where to write the alerts, one JSON object per line
  --timezone         the hospital's IANA time zone for business hours and days (default UTC)
  --rules            rule directory (default: ./rules)
  --allowed-lateness how late an event may be and still count (default 5m)
  --model            an isolation-forest model file to score events with as well
  --arrival-order    replay in file order instead of sorting by event time
  --summary-out      also write the summary as JSON to this file`;

interface ReplayFlags {
  input: string;
  format: InputFormat;
  reference: string;
  alertsOut: string;
  timezone: string;
  rules: string;
  allowedLatenessMs: number;
  model: string | null;
  sort: boolean;
  summaryOut: string | null;
}

function parseFlags(argv: string[]): ReplayFlags | null {
  let parsed;
  try {
    parsed = parseFlagValues(argv);
  } catch (err) {
    throw new ConfigError('replay', `${(err as Error).message} (chartwatch replay --help)`);
  }
  const values = parsed.values;
  if (values.help) return null;
  const need = (name: string, v: string | undefined): string => {
    if (v === undefined || v === '') throw new ConfigError(`--${name}`, 'is required (chartwatch replay --help)');
    return v;
  };
  const format = need('format', values.format);
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new ConfigError('--format', `value "${format}" is not one of ${INPUT_FORMATS.join(', ')}`);
  const lateness = parseDuration(values['allowed-lateness']);
  if (lateness === null) throw new ConfigError('--allowed-lateness', `value "${values['allowed-lateness']}" is not a duration like 30s, 5m, 1h`);
  return {
    input: need('input', values.input),
    format: format as InputFormat,
    reference: need('reference', values.reference),
    alertsOut: need('alerts-out', values['alerts-out']),
    timezone: values.timezone,
    rules: values.rules,
    allowedLatenessMs: lateness,
    model: values.model ?? null,
    sort: !values['arrival-order'],
    summaryOut: values['summary-out'] ?? null,
  };
}

function parseFlagValues(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      format: { type: 'string' },
      reference: { type: 'string' },
      'alerts-out': { type: 'string' },
      timezone: { type: 'string', default: 'UTC' },
      rules: { type: 'string', default: 'rules' },
      'allowed-lateness': { type: 'string', default: '5m' },
      model: { type: 'string' },
      'arrival-order': { type: 'boolean', default: false },
      'summary-out': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}

/** NDJSON is parsed line by line as it streams in, so a large file never has to fit in one string. */
async function readParsed(path: string, format: InputFormat): Promise<ParseResult[]> {
  if (format === 'csv') return parseInput(await readFlagFile('--input', path), format);
  const head = await readHead(path);
  if (head.startsWith('[') || (format === 'fhir' && head.startsWith('{') && !/^\{[^\n]*\}\s*(\n|$)/.test(head))) {
    // One JSON document (array, or a pretty-printed Bundle).
    return parseInput(await readFlagFile('--input', path), format);
  }
  const out: ParseResult[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    if (format === 'fhir') for (const r of parseFhirLine(line, n)) out.push(r);
    else out.push(parseCanonicalLine(line, n));
  }
  return out;
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8', start: 0, end: 65_535 });
  let text = '';
  try {
    for await (const chunk of stream) text += chunk as string;
  } catch (err) {
    throw new ConfigError('--input', `cannot read ${path}: ${(err as Error).message}`);
  }
  return text.trimStart();
}

function printSummary(s: ReplaySummary, flags: ReplayFlags, seconds: number, alertsOut: string): void {
  const lines = [
    `replayed ${flags.input} (${flags.format}) in ${seconds.toFixed(2)} s: ${s.events} events (${Math.round(s.events / Math.max(seconds, 1e-9))}/s), ${s.firstEventTime ?? '-'} .. ${s.lastEventTime ?? '-'}`,
    `invalid: ${s.invalid}${s.invalid > 0 ? ` (${Object.entries(s.invalidByField).map(([f, n]) => `${f}: ${n}`).join(', ')})` : ''}`,
  ];
  for (const x of s.invalidSamples.slice(0, 5)) lines.push(`  line ${x.line ?? '?'}: ${x.field}: ${x.reason}`);
  lines.push(`late events (behind the watermark, not counted): ${s.late}`);
  for (const x of s.lateSamples.slice(0, 5)) lines.push(`  ${x.eventId} at ${x.time}, ${Math.round(x.lateByMs / 1000)} s behind`);
  lines.push(`alerts: ${s.alerts} -> ${alertsOut}`);
  for (const [rule, n] of Object.entries(s.alertsByRule).sort()) lines.push(`  ${rule.padEnd(24)} ${n}`);
  console.log(lines.join('\n'));
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === null) {
    console.log(HELP);
    return 0;
  }
  await checkOutputPath('--alerts-out', flags.alertsOut);
  if (flags.summaryOut !== null) await checkOutputPath('--summary-out', flags.summaryOut);
  const started = performance.now();
  const [rules, referenceSet, parsed] = await Promise.all([loadRulesDir(resolve(flags.rules), '--rules'), loadReferenceDir(flags.reference, '--reference'), readParsed(flags.input, flags.format)]);
  const reference = new ReferenceIndex(referenceSet);
  const unmapped = reference.unmappedRoles();
  if (unmapped.length > 0) {
    // Rules name role categories, so these staff fall outside every category a rule names.
    console.error(`roles with no category (${reference.roles.isDefault ? 'no roles.csv: the built-in vocabulary' : 'roles.csv'}): ${unmapped.join(', ')}`);
  }
  const scorers: ReplayScorer[] = flags.model === null ? [] : await loadModelScorers(flags.model, { reference, timezone: flags.timezone });
  const lines: string[] = [];
  const { summary: s } = replayEvents({
    parsed,
    rules,
    reference,
    timezone: flags.timezone,
    allowedLatenessMs: flags.allowedLatenessMs,
    scorers,
    sort: flags.sort,
    collect: false,
    onAlert: (a: Alert) => lines.push(JSON.stringify(a)),
  });
  await writeOutput('--alerts-out', flags.alertsOut, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  if (flags.summaryOut !== null) await writeOutput('--summary-out', flags.summaryOut, `${JSON.stringify(s, null, 2)}\n`);
  printSummary(s, flags, (performance.now() - started) / 1000, flags.alertsOut);
  refuseIfNothingValid(s.events, s.invalid, s.invalidSamples[0], flags.input, flags.format);
  return 0;
}
