import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Alert, ReplayScorer, ReplaySummary } from '@chartwatch/detect';
import { createReplay, loadRulesDir, parseDuration } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import type { InputFormat } from '@chartwatch/event';
import { INPUT_FORMATS } from '@chartwatch/event';
import { loadReferenceDir, ReferenceIndex } from '@chartwatch/reference';
import { loadModelScorers } from '../model-scorers.ts';
import { checkOutputPath, refuseIfNothingValid, writeOutput } from '../cli-files.ts';
import { readInputResults } from '../input-stream.ts';

export const summary = 'replay a file of access events through the rules; write alerts as JSON lines';

const HELP = `usage: chartwatch replay --input FILE --format fhir|csv|json --reference DIR --alerts-out FILE
                        [--timezone IANA] [--rules DIR] [--allowed-lateness 5m] [--model FILE]
                        [--reorder-window 1h | --arrival-order] [--summary-out FILE]

  --input            access events: FHIR AuditEvent NDJSON (or a Bundle), CSV export, or canonical JSON lines
  --format           fhir, csv or json
  --reference        directory with staff.csv, patients.csv, vendors.csv, encounters.csv
  --alerts-out       where to write the alerts, one JSON object per line
  --timezone         the hospital's IANA time zone for business hours and days (default UTC)
  --rules            rule directory (default: ./rules)
  --allowed-lateness how late an event may be and still count (default 5m)
  --model            an isolation-forest model file to score events with as well
  --reorder-window   how far out of event-time order the input may be (default 1h): events are
                     replayed in time order through a buffer of this much event time, so memory
                     does not grow with the file; an event further behind stops the replay and
                     says to sort the input
  --arrival-order    replay in file order instead, with no buffer (late events are counted)
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
  /** null = arrival order. */
  reorderWindowMs: number | null;
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
  const reorderWindow = parseDuration(values['reorder-window']);
  if (reorderWindow === null) throw new ConfigError('--reorder-window', `value "${values['reorder-window']}" is not a duration like 30s, 5m, 1h`);
  return {
    input: need('input', values.input),
    format: format as InputFormat,
    reference: need('reference', values.reference),
    alertsOut: need('alerts-out', values['alerts-out']),
    timezone: values.timezone,
    rules: values.rules,
    allowedLatenessMs: lateness,
    model: values.model ?? null,
    reorderWindowMs: values['arrival-order'] ? null : reorderWindow,
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
      'reorder-window': { type: 'string', default: '1h' },
      'summary-out': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
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
  const [rules, referenceSet] = await Promise.all([loadRulesDir(resolve(flags.rules), '--rules'), loadReferenceDir(flags.reference, '--reference')]);
  const reference = new ReferenceIndex(referenceSet);
  const unmapped = reference.unmappedRoles();
  if (unmapped.length > 0) {
    // Rules name role categories, so these staff fall outside every category a rule names.
    console.error(`roles with no category (${reference.roles.isDefault ? 'no roles.csv: the built-in vocabulary' : 'roles.csv'}): ${unmapped.join(', ')}`);
  }
  const scorers: ReplayScorer[] = flags.model === null ? [] : await loadModelScorers(flags.model, { reference, timezone: flags.timezone });
  // Alerts are kept as lines (a file's alerts are few); the events stream through, never all in memory.
  const lines: string[] = [];
  const replay = createReplay({
    rules,
    reference,
    timezone: flags.timezone,
    allowedLatenessMs: flags.allowedLatenessMs,
    scorers,
    reorderWindowMs: flags.reorderWindowMs,
    collect: false,
    onAlert: (a: Alert) => lines.push(JSON.stringify(a)),
  });
  for await (const { result, line } of readInputResults('--input', flags.input, flags.format)) replay.push(result, line ?? undefined);
  const { summary: s } = replay.finish();
  await writeOutput('--alerts-out', flags.alertsOut, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  if (flags.summaryOut !== null) await writeOutput('--summary-out', flags.summaryOut, `${JSON.stringify(s, null, 2)}\n`);
  printSummary(s, flags, (performance.now() - started) / 1000, flags.alertsOut);
  refuseIfNothingValid(s.events, s.invalid, s.invalidSamples[0], flags.input, flags.format);
  return 0;
}
