import { parseArgs } from 'node:util';
import { parseDuration } from '@chartwatch/detect';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import type { InputFormat } from '@chartwatch/event';
import { INPUT_FORMATS } from '@chartwatch/event';
import type { AlertedWindow, FeatureName, PeerGrouping, WindowKind } from '@chartwatch/model';
import { APPLICATION_GROUP_PREFIX, DEFAULT_BUDGET_PER_1000, DEFAULT_FEATURE_OPTIONS, DEFAULT_MIN_GROUP_ROWS, DEFAULT_MODEL_FEATURES, DEFAULT_PEER_GROUPING, DEFAULT_REFERENCE_SHARE, FEATURE_NAMES, overlapsAlerts, PEER_GROUPINGS, WINDOWS, trainFromEvents } from '@chartwatch/model';
import { loadReferenceDir, ReferenceIndex } from '@chartwatch/reference';
import { readFlagFile } from '@chartwatch/settings';
import { checkOutputPath, refuseIfNothingValid, writeOutput } from '../cli-files.ts';
import { inFeatureOrder, type ReadTally } from '../event-order.ts';
import { readInputResults } from '../input-stream.ts';

export const summary = 'train a behavioural model (isolation forest per peer group) from a file of access events';

const HELP = `usage: chartwatch train --input FILE --format fhir|csv|json --reference DIR --model-out FILE
                       [--timezone IANA] [--budget N] [--peer-groups role|global] [--window day|hour]
                       [--novelty-days N] [--features a,b,c] [--min-group-rows N] [--reference-share X]
                       [--exclude-alerts FILE] [--seed N] [--model-version TEXT] [--reorder-window 1h]

  --input          access events (the history to learn from): FHIR AuditEvent NDJSON, CSV or canonical JSON lines
  --format         fhir, csv or json
  --reference      directory with staff.csv, patients.csv, vendors.csv, encounters.csv
  --model-out      where to write the model (JSON), for replay --model
  --timezone       the hospital's IANA time zone: local days and business hours (default UTC)
  --budget         at most this many model alerts per 1,000 actor-days on this history (default ${DEFAULT_BUDGET_PER_1000})
  --peer-groups    role: a forest per role; global: one forest, role as a column (default ${DEFAULT_PEER_GROUPING})
  --window         day or hour (default ${DEFAULT_FEATURE_OPTIONS.window})
  --novelty-days   a patient is "new" when the actor has not touched them for this many days (default ${DEFAULT_FEATURE_OPTIONS.noveltyDays})
  --features       columns, comma-separated (default ${DEFAULT_MODEL_FEATURES.join(',')})
  --min-group-rows roles with fewer rows share the all-staff forest (default ${DEFAULT_MIN_GROUP_ROWS})
  --reference-share share of each forest's sample that is the uniform reference (default ${DEFAULT_REFERENCE_SHARE})
  --exclude-alerts alerts (JSON lines, as replay --alerts-out writes): actor-days they cover are left out of training
  --seed           forest seed (default 1)
  --model-version  version text (default: sha- and a digest of the model)
  --reorder-window how far out of event-time order the input may be (default 1h): it streams
                   through a buffer of this much event time instead of being read and sorted whole`;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        input: { type: 'string' },
        format: { type: 'string' },
        reference: { type: 'string' },
        'model-out': { type: 'string' },
        timezone: { type: 'string', default: 'UTC' },
        budget: { type: 'string', default: String(DEFAULT_BUDGET_PER_1000) },
        'peer-groups': { type: 'string', default: DEFAULT_PEER_GROUPING },
        window: { type: 'string', default: DEFAULT_FEATURE_OPTIONS.window },
        'novelty-days': { type: 'string', default: String(DEFAULT_FEATURE_OPTIONS.noveltyDays) },
        features: { type: 'string', default: DEFAULT_MODEL_FEATURES.join(',') },
        'min-group-rows': { type: 'string', default: String(DEFAULT_MIN_GROUP_ROWS) },
        'reference-share': { type: 'string', default: String(DEFAULT_REFERENCE_SHARE) },
        'exclude-alerts': { type: 'string' },
        seed: { type: 'string', default: '1' },
        'model-version': { type: 'string' },
        'reorder-window': { type: 'string', default: '1h' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new ConfigError('train', `${(err as Error).message} (chartwatch train --help)`);
  }
}

function need(name: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new ConfigError(`--${name}`, 'is required (chartwatch train --help)');
  return v;
}

function number(name: string, text: string, min: number, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) throw new ConfigError(`--${name}`, `value "${text}" is not ${integer ? 'a whole number' : 'a number'} ≥ ${min}`);
  return v;
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`--${name}`, `value "${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** actorId and window of each alert in a JSON-lines (or JSON array) file. */
async function readAlertWindows(path: string): Promise<AlertedWindow[]> {
  const text = await readFlagFile('--exclude-alerts', path);
  const trimmed = text.trimStart();
  const items: unknown[] = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown[]) : trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  return items.map((item, i) => {
    const a = item as Partial<AlertedWindow>;
    if (typeof a.actorId !== 'string' || typeof a.windowStart !== 'string' || typeof a.windowEnd !== 'string') {
      throw new FileContentError('CW_ERR_INPUT', path, `alert ${i + 1}`, 'needs actorId, windowStart and windowEnd');
    }
    return { actorId: a.actorId, windowStart: a.windowStart, windowEnd: a.windowEnd };
  });
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const input = need('input', values.input);
  const format = oneOf<InputFormat>('format', need('format', values.format), INPUT_FORMATS);
  const referenceDir = need('reference', values.reference);
  const modelOut = need('model-out', values['model-out']);
  const features = values.features.split(',').map((f) => oneOf<FeatureName>('features', f.trim(), FEATURE_NAMES));
  // Every flag is checked before any file is read: a typo fails at once, not after a minute of parsing.
  const options = {
    timezone: values.timezone,
    featureOptions: {
      window: oneOf<WindowKind>('window', values.window, WINDOWS),
      noveltyDays: number('novelty-days', values['novelty-days'], 0, true),
    },
    features,
    peerGrouping: oneOf<PeerGrouping>('peer-groups', values['peer-groups'], PEER_GROUPINGS),
    budgetPer1000: number('budget', values.budget, 0, false),
    minGroupRows: number('min-group-rows', values['min-group-rows'], 2, true),
    referenceShare: number('reference-share', values['reference-share'], 0, false),
    seed: number('seed', values.seed, 0, true),
    ...(values['model-version'] === undefined ? {} : { version: values['model-version'] }),
  };
  if (options.referenceShare >= 1) throw new ConfigError('--reference-share', `value "${values['reference-share']}" is not below 1`);
  const reorderWindowMs = parseDuration(values['reorder-window']);
  if (reorderWindowMs === null) throw new ConfigError('--reorder-window', `value "${values['reorder-window']}" is not a duration like 30s, 5m, 1h`);
  if (!isTimeZone(options.timezone)) throw new ConfigError('--timezone', `"${options.timezone}" is not an IANA time zone like UTC, Europe/Paris, America/New_York`);
  await checkOutputPath('--model-out', modelOut);
  const started = performance.now();

  const referenceSet = await loadReferenceDir(referenceDir, '--reference');
  const exclude = values['exclude-alerts'] === undefined ? undefined : overlapsAlerts(await readAlertWindows(values['exclude-alerts']));
  // The events stream from the file into the feature accumulator; only the actor-day rows are kept.
  const tally: ReadTally = { valid: 0, invalid: 0, firstFailure: undefined };
  let trained;
  try {
    trained = await trainFromEvents(inFeatureOrder(readInputResults('--input', input, format), reorderWindowMs, tally), {
      ...options,
      reference: new ReferenceIndex(referenceSet),
      ...(exclude === undefined ? {} : { exclude }),
    });
  } catch (err) {
    // No valid event at all is a wrong --format far more often than a training problem: say that first.
    refuseIfNothingValid(tally.valid, tally.invalid, tally.firstFailure, input, format);
    throw err;
  }
  refuseIfNothingValid(tally.valid, tally.invalid, tally.firstFailure, input, format);
  const { model, rows, excluded } = trained;
  const invalid = tally.invalid;
  const json = model.toJSON();
  await writeOutput('--model-out', modelOut, `${JSON.stringify(json)}\n`);
  const t = json.training;
  const own = json.groups.filter((g) => g.forest !== null);
  console.log(
    [
      `trained model ${json.version} from ${input} (${format}) in ${((performance.now() - started) / 1000).toFixed(2)} s: ${tally.valid} events (${invalid} invalid), ${t.from} .. ${t.to}`,
      `rows: ${rows.length} actor-${json.featureOptions.window}s, ${excluded} left out (alerted), ${t.rows} complete trained on (the first ${json.featureOptions.noveltyDays} days warm up the look-back), ${t.actorDays} actor-days`,
      `peer groups (${json.peerGrouping}): ${json.groups.map((g) => `${g.name} ${g.rows}${g.forest === null ? (g.name.startsWith(APPLICATION_GROUP_PREFIX) ? '°' : '*') : ''}`).join(', ')}`,
      own.length < json.groups.length ? `  (* = fewer than ${json.minGroupRows} rows: judged by the all-staff forest; ° = an application with fewer than ${json.minGroupRows} days: not scored)` : '',
      `features: ${json.features.join(', ')}`,
      `threshold ${json.threshold.toFixed(4)} for ${json.budgetPer1000} alerts per 1,000 actor-days: ${t.rowsAboveThreshold} training rows above it`,
      `wrote ${modelOut}`,
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
  console.log(JSON.stringify({ version: json.version, events: tally.valid, invalid, rows: rows.length, excluded, completeRows: t.rows, actorDays: t.actorDays, threshold: json.threshold, rowsAboveThreshold: t.rowsAboveThreshold, seconds: (performance.now() - started) / 1000 }));
  return 0;
}
