import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '@chartwatch/errors';
import type { InputFormat } from '@chartwatch/event';
import { INPUT_FORMATS } from '@chartwatch/event';
import { MAX_DAYS, MAX_STAFF, MIN_STAFF } from '@chartwatch/simulator';

/** What `chartwatch start` was asked to do, checked; the environment is read apart (start-config.ts). */
export interface StartFlags {
  /** A file to load instead of the simulator; null = the simulator (unless `simulator` is false). */
  input: { path: string; format: InputFormat; reference: string | null } | null;
  /** false (--no-simulator): feed nothing, judge only what arrives on the raw topic (e.g. from Kafka). */
  simulator: boolean;
  /** First port tried for the API and dashboard; 0 = any free port; null = API_PORT or 8080. */
  port: number | null;
  /** Simulated seconds per wall-clock second once the backfill is done. */
  speed: number;
  /** null = not given: the data directory's simulation, else the default. */
  seed: number | null;
  staff: number | null;
  days: number | null;
  /** Simulated days pushed at full speed before pacing starts; null = derived from the incident plan. */
  backfillDays: number | null;
  /** Root of everything start writes: chDB data, the log, the simulation's state; null = the default (CHARTWATCH_DATA_DIR's parent or .data). */
  dataDir: string | null;
  /** A behaviour model (chartwatch train --model-out) to score with beside the rules; null = rules only. */
  model: string | null;
  /** Create another local admin key even when one exists. */
  newAdminKey: boolean;
  help: boolean;
}

export const START_DEFAULTS = {
  port: 8080,
  /** A simulated day in 4.8 minutes: a week's remaining days play out in about a quarter of an hour. */
  speed: 300,
  seed: 7,
  staff: 300,
  days: 7,
  dataDir: '.data',
} as const;

export const START_HELP = `usage: pnpm start [flags]        (chartwatch start)

Runs chartwatch in one process: ingest, detector and the API with its
dashboard, a simulated hospital feeding it. Embedded by default (chDB and an
in-process queue); Kafka when KAFKA_BROKERS is set, a ClickHouse server when
CLICKHOUSE_URL is set.

  --port N          first port tried for the dashboard and API; the next free one is taken (default API_PORT or ${START_DEFAULTS.port}; 0 = any)
  --data-dir DIR    chDB data (DIR/clickhouse), the log (DIR/chartwatch.log) and the simulation's state (default ${START_DEFAULTS.dataDir})
  --speed X         simulated seconds per real second after the backfill (default ${START_DEFAULTS.speed}: a day in ${(86_400 / START_DEFAULTS.speed / 60).toFixed(1)} min)
  --seed N          the simulated hospital's seed (default ${START_DEFAULTS.seed})
  --staff N         staff of the simulated hospital, ${MIN_STAFF}-${MAX_STAFF} (default ${START_DEFAULTS.staff})
  --days N          simulated days, the last one today (default ${START_DEFAULTS.days})
                    A data directory keeps its hospital: a restart resumes it; other --seed/--staff/--days need another --data-dir.
  --backfill-days N days pushed at full speed first, so baselines exist and incidents show at once (default: up to the first incident of every kind)
  --input FILE      load this file instead of the simulator (FHIR AuditEvent NDJSON, CSV access log, canonical JSON lines)
  --format F        the file's format: ${INPUT_FORMATS.join(', ')} (required with --input)
  --reference DIR   staff.csv, patients.csv, vendors.csv, encounters.csv for --input (default: the reference already stored)
  --model FILE      score with this behaviour model (chartwatch train --model-out) beside the rules
  --no-simulator    feed nothing; judge what arrives on the raw topic
  --new-admin-key   create and print another local admin API key
  -h, --help        this text

Environment: KAFKA_BROKERS, CLICKHOUSE_URL (and the other KAFKA_*, CLICKHOUSE_*,
INGEST_*, DETECTOR_*, API_* variables of the services), CHARTWATCH_TIMEZONE, LOG_LEVEL.`;

function number(flag: string, text: string, min: number, max: number, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new ConfigError(`--${flag}`, `expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return v;
}

export function parseStartFlags(argv: readonly string[]): StartFlags {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        input: { type: 'string' },
        format: { type: 'string' },
        reference: { type: 'string' },
        port: { type: 'string' },
        speed: { type: 'string', default: String(START_DEFAULTS.speed) },
        seed: { type: 'string' },
        staff: { type: 'string' },
        days: { type: 'string' },
        'backfill-days': { type: 'string' },
        'data-dir': { type: 'string' },
        model: { type: 'string' },
        'no-simulator': { type: 'boolean', default: false },
        'new-admin-key': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError('start', `${(err as Error).message} (pnpm start --help)`);
  }

  let input: StartFlags['input'] = null;
  if (values.input !== undefined) {
    if (values['no-simulator']) throw new ConfigError('--input', 'cannot be combined with --no-simulator');
    const format = values.format;
    if (format === undefined) throw new ConfigError('--format', `required with --input: one of ${INPUT_FORMATS.join(', ')}`);
    if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new ConfigError('--format', `expected one of ${INPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    input = { path: resolve(values.input), format: format as InputFormat, reference: values.reference === undefined ? null : resolve(values.reference) };
  } else {
    if (values.format !== undefined) throw new ConfigError('--format', 'only means something with --input FILE');
    if (values.reference !== undefined) throw new ConfigError('--reference', 'only means something with --input FILE (the simulator brings its own reference data)');
  }

  const days = values.days === undefined ? null : number('days', values.days, 1, MAX_DAYS, true);
  const backfill = values['backfill-days'];
  const dataDir = values['data-dir']?.trim();
  if (dataDir === '') throw new ConfigError('--data-dir', 'expected a directory path, got ""');
  return {
    input,
    simulator: !values['no-simulator'],
    port: values.port === undefined ? null : number('port', values.port, 0, 65_535, true),
    // 86,400 = a simulated day per real second; beyond that the feed is the backfill anyway.
    speed: number('speed', values.speed, 1, 86_400, false),
    seed: values.seed === undefined ? null : number('seed', values.seed, 0, 2 ** 31 - 1, true),
    staff: values.staff === undefined ? null : number('staff', values.staff, MIN_STAFF, MAX_STAFF, true),
    days,
    backfillDays: backfill === undefined ? null : number('backfill-days', backfill, 0, days ?? MAX_DAYS, false),
    dataDir: dataDir === undefined ? null : resolve(dataDir),
    model: values.model === undefined ? null : resolve(values.model),
    newAdminKey: values['new-admin-key'],
    help: values.help,
  };
}
