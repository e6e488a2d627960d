import { rename, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { readFlagFile } from '@chartwatch/settings';
import type { AccessEvent, InputFormat, ParseFailure } from '@chartwatch/event';
import { INPUT_FORMATS } from '@chartwatch/event';
import { migrateApiTables, modelRegistryMigrations, openStore, storeConfigFromEnv, type Store } from '@chartwatch/store';
import { refuseIfNothingValid } from '../cli-files.ts';
import { readInputResults, streamsByLine } from '../input-stream.ts';

export const summary = 'bulk-load history files straight into ClickHouse: progress, resumable, idempotent';

const DEFAULT_BATCH_EVENTS = 50_000;

const HELP = `usage: chartwatch load --input FILE [--input FILE …] --format fhir|csv|json
                     [--checkpoint FILE] [--batch-events ${DEFAULT_BATCH_EVENTS}] [--no-progress]

  --input        access events (repeat for several files): FHIR AuditEvent NDJSON, CSV or canonical JSON lines
  --format       fhir, csv or json
  --checkpoint   where the load records how far each file is stored (default CHARTWATCH_DATA_DIR/load-checkpoint.json):
                 run the same command again after an interruption and it resumes there
  --batch-events events per insert (default ${DEFAULT_BATCH_EVENTS})
  --no-progress  no progress bar on stderr

The store is the one \`pnpm start\` uses: CLICKHOUSE_URL (a server) or embedded chDB in CHARTWATCH_DATA_DIR,
CLICKHOUSE_DATABASE. Events keep their ids, so loading a file twice stores each event once; stop \`pnpm start\`
first in embedded mode (one process per chDB directory).`;

interface LoadFlags {
  inputs: string[];
  format: InputFormat;
  checkpoint: string | null;
  batchEvents: number;
  progress: boolean;
}

function parseFlags(argv: string[]): LoadFlags | null {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', multiple: true },
        format: { type: 'string' },
        checkpoint: { type: 'string' },
        'batch-events': { type: 'string', default: String(DEFAULT_BATCH_EVENTS) },
        'no-progress': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new ConfigError('load', `${(err as Error).message} (chartwatch load --help)`);
  }
  if (values.help) return null;
  const inputs = values.input ?? [];
  if (inputs.length === 0) throw new ConfigError('--input', 'is required (chartwatch load --help)');
  const format = values.format;
  if (format === undefined || format === '') throw new ConfigError('--format', 'is required (chartwatch load --help)');
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new ConfigError('--format', `value "${format}" is not one of ${INPUT_FORMATS.join(', ')}`);
  const batchEvents = Number(values['batch-events']);
  if (!Number.isInteger(batchEvents) || batchEvents < 1 || batchEvents > 1_000_000) {
    throw new ConfigError('--batch-events', `value "${values['batch-events']}" is not a whole number from 1 to 1000000`);
  }
  return { inputs, format: format as InputFormat, checkpoint: values.checkpoint ?? null, batchEvents, progress: !values['no-progress'] };
}

/**
 * How far each file is stored. A file is known by its absolute path, size
 * and modification time: a file that changed starts over (harmless, the
 * events keep their ids). `done` counts NDJSON lines, or records of a CSV or
 * a single document, every one of which ClickHouse has accepted.
 */
interface FileProgress {
  size: number;
  mtimeMs: number;
  done: number;
  events: number;
  invalid: number;
  complete: boolean;
}
type Checkpoint = Record<string, FileProgress>;

async function readCheckpoint(path: string): Promise<Checkpoint> {
  const exists = await stat(path).catch(() => null);
  if (exists === null) return {};
  const text = await readFlagFile('--checkpoint', path);
  try {
    return JSON.parse(text) as Checkpoint;
  } catch (err) {
    throw new FileContentError('CW_ERR_INPUT', path, 'checkpoint', `is not the JSON a load writes (${(err as Error).message}); delete it to load from the start`);
  }
}

/** Written to a temporary file and renamed, so a kill -9 leaves the old checkpoint or the new, never half of one. */
async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(tmp, path);
}

class ProgressBar {
  private lastDraw = 0;
  private readonly started = performance.now();

  constructor(
    private readonly enabled: boolean,
    private readonly label: string,
    private readonly totalBytes: number,
    private readonly isTty: boolean,
  ) {}

  draw(bytes: number, events: number, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    // A bar redrawn on every line would cost more than the load; a log line every 5 s when not on a terminal.
    if (!force && now - this.lastDraw < (this.isTty ? 250 : 5_000)) return;
    this.lastDraw = now;
    const share = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 1;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? events / seconds : 0;
    const eta = share > 0 && share < 1 ? (seconds / share) * (1 - share) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    const text =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}% ` +
      `${(bytes / 1e6).toFixed(0)}/${(this.totalBytes / 1e6).toFixed(0)} MB, ${events.toLocaleString('en-US')} events, ${Math.round(rate).toLocaleString('en-US')}/s` +
      (eta > 0 ? `, ${Math.ceil(eta)} s left` : '');
    process.stderr.write(this.isTty ? `\r${text}\u001b[K` : `${text}\n`);
  }

  end(): void {
    if (this.enabled && this.isTty) process.stderr.write('\n');
  }
}

interface FileResult {
  events: number;
  invalid: number;
  firstFailure: ParseFailure | undefined;
  resumedAt: number;
  seconds: number;
}

/**
 * Loads one file in batches of `batchEvents`, cut only between lines (or
 * records), so a resumed run cuts the rest the same way: a batch that was
 * stored but not yet checkpointed when the process died is sent again with
 * the same dedup token and ClickHouse drops it, and ReplacingMergeTree would
 * collapse it even if not. The next batch is parsed while the previous one
 * is being inserted (one insert in flight), and the checkpoint moves only
 * after its insert resolved.
 */
async function loadFile(store: Store, path: string, flags: LoadFlags, checkpoint: Checkpoint, checkpointPath: string): Promise<FileResult> {
  const key = resolve(path);
  const info = await stat(path).catch(() => null);
  if (info === null) await readFlagFile('--input', path);
  const size = info?.size ?? 0;
  const mtimeMs = info?.mtimeMs ?? 0;
  const previous = checkpoint[key];
  const same = previous !== undefined && previous.size === size && previous.mtimeMs === mtimeMs;
  const progress: FileProgress = same ? { ...previous } : { size, mtimeMs, done: 0, events: 0, invalid: 0, complete: false };
  const resumedAt = progress.done;
  const started = performance.now();
  if (progress.complete) return { events: progress.events, invalid: progress.invalid, firstFailure: undefined, resumedAt, seconds: 0 };

  const byLine = await streamsByLine('--input', path, flags.format);
  const bar = new ProgressBar(flags.progress, path.length > 40 ? `…${path.slice(-39)}` : path, size, process.stderr.isTTY === true);
  let bytes = 0;
  const results = readInputResults('--input', path, flags.format, {
    ...(byLine ? { skipLines: resumedAt } : { skipRecords: resumedAt }),
    onBytes: (b) => {
      bytes = b;
    },
  });

  let batch: AccessEvent[] = [];
  let invalidInBatch = 0;
  let position = resumedAt;
  let firstFailure: ParseFailure | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const send = async (events: AccessEvent[], upTo: number, invalid: number): Promise<void> => {
    // One insert at a time, in file order: the checkpoint is a single position.
    await inFlight;
    inFlight = (async () => {
      await store.writeEvents(events);
      progress.done = upTo;
      progress.events += events.length;
      progress.invalid += invalid;
      checkpoint[key] = { ...progress };
      await writeCheckpoint(checkpointPath, checkpoint);
      bar.draw(bytes, progress.events);
    })();
  };

  for await (const { result, line } of results) {
    const at = byLine ? (line as number) : position + 1;
    // Cut a full batch only where a new line (or record) starts.
    if (batch.length >= flags.batchEvents && at !== position) {
      await send(batch, position, invalidInBatch);
      batch = [];
      invalidInBatch = 0;
    }
    position = at;
    if (result.ok) batch.push(result.event);
    else {
      invalidInBatch++;
      firstFailure ??= result;
    }
  }
  await send(batch, position, invalidInBatch);
  await inFlight;
  progress.complete = true;
  checkpoint[key] = { ...progress };
  await writeCheckpoint(checkpointPath, checkpoint);
  bar.draw(size, progress.events, true);
  bar.end();
  return { events: progress.events, invalid: progress.invalid, firstFailure, resumedAt, seconds: (performance.now() - started) / 1000 };
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === null) {
    console.log(HELP);
    return 0;
  }
  const storeConfig = storeConfigFromEnv(process.env);
  const checkpointPath = flags.checkpoint ?? resolve(storeConfig.dataDir, 'load-checkpoint.json');
  for (const input of flags.inputs) if ((await stat(input).catch(() => null)) === null) await readFlagFile('--input', input);
  const store = await openStore(storeConfig, { writer: { maxRowsPerInsert: flags.batchEvents } });
  try {
    // The same tables `pnpm start` makes, so the API's materialized views are fed by the load too.
    await store.migrate(modelRegistryMigrations);
    await migrateApiTables(store, { retentionYears: storeConfig.retentionYears });
    const checkpoint = await readCheckpoint(checkpointPath);
    const before = await store.countEvents();
    const started = performance.now();
    let loaded = 0;
    for (const input of flags.inputs) {
      const r = await loadFile(store, input, flags, checkpoint, checkpointPath);
      loaded += r.events;
      const resumed = r.resumedAt > 0 ? `, resumed after ${r.resumedAt.toLocaleString('en-US')} ${flags.format === 'csv' ? 'records' : 'lines'}` : '';
      console.log(`loaded ${input} (${flags.format}): ${r.events} events, ${r.invalid} invalid${resumed}${r.seconds > 0 ? `, ${r.seconds.toFixed(1)} s` : ', already complete'}`);
      refuseIfNothingValid(r.events, r.invalid, r.firstFailure, input, flags.format);
    }
    const after = await store.countEvents();
    const seconds = (performance.now() - started) / 1000;
    console.log(`store ${store.database} (${store.mode}): ${before} → ${after} events (${after - before} new) in ${seconds.toFixed(1)} s; checkpoint ${checkpointPath}`);
    console.log(JSON.stringify({ inputs: flags.inputs.length, eventsRead: loaded, before, after, seconds: Math.round(seconds * 10) / 10 }));
  } finally {
    await store.close();
  }
  return 0;
}
