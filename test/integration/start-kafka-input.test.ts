import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateHospital, writeSimulation } from '@chartwatch/simulator';
import type { SimulationSummary } from '@chartwatch/simulator';
import type { StartedProcess } from './start-harness.ts';
import { alertsNow, killIfRunning, printed, spawnStart, stopWithSigterm, until } from './start-harness.ts';

/**
 * The same command against a real Kafka broker (KAFKA_BROKERS set) and fed
 * from a file instead of the simulator: a CSV access log and its reference
 * CSVs, sent to the raw topic a row at a time, with a progress line that
 * ends at 100 %. Topics and consumer groups are this run's own.
 */

const brokers = inject('kafkaBrokers');
const run = randomBytes(4).toString('hex');

let root: string;
let summary: SimulationSummary;
let proc: StartedProcess;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chartwatch-start-kafka-'));
  // Three days from a small hospital: incidents start on day 1.
  summary = await writeSimulation(generateHospital({ seed: 11, staff: 80, days: 3, start: '2026-03-02' }), join(root, 'sim'), 'csv');
  proc = spawnStart(['--data-dir', join(root, 'data'), '--port', '0', '--input', join(root, 'sim', 'events.csv'), '--format', 'csv', '--reference', join(root, 'sim')], {
    KAFKA_BROKERS: brokers,
    KAFKA_PARTITIONS: '3',
    KAFKA_TOPIC_RAW: `start-${run}.raw`,
    KAFKA_TOPIC_EVENTS: `start-${run}.events`,
    KAFKA_TOPIC_DLQ: `start-${run}.dlq`,
    KAFKA_TOPIC_ALERTS: `start-${run}.alerts`,
    INGEST_GROUP_ID: `start-${run}-ingest`,
    DETECTOR_GROUP_ID: `start-${run}-detector`,
    CLICKHOUSE_URL: undefined,
    CHARTWATCH_DATA_DIR: undefined,
    API_PORT: undefined,
  });
});

afterAll(async () => {
  await killIfRunning(proc);
  await rm(root, { recursive: true, force: true });
});

describe('pnpm start --input FILE, on Kafka', () => {
  it('says it reads Kafka and feeds the file', async () => {
    const shown = await until(proc, 'the banner', proc.spawnedAt + 60_000, () => printed(proc));
    expect(shown.key).not.toBeNull();
    expect(proc.stdout).toContain(`Kafka at ${brokers}`);
    expect(proc.stdout).toContain(`events.csv (csv) → start-${run}.raw`);
  });

  it('sends every row, ends the progress line at 100 %, and the detector judges them', async () => {
    const shown = printed(proc);
    const key = shown?.key as string;
    await until(proc, 'the file fed', proc.spawnedAt + 100_000, () => (proc.stderr.includes('messages sent') ? true : undefined));
    expect(proc.stderr).toContain(`events.csv: ${summary.events.toLocaleString('en-US')} messages sent; the dashboard stays up`);
    expect(proc.stderr).toMatch(/\[#{24}\] 100%/);
    const alerts = await until(proc, 'alerts from the file', Date.now() + 60_000, () => alertsNow(shown?.url as string, key));
    // The file's own event ids: nothing rewrites them on the way.
    expect(alerts.some((a) => a.evidenceEventIds.some((id) => /^sim-11-\d+$/.test(id)))).toBe(true);
    // Nothing dropped: every row stored once, none dead-lettered (the status line in the log, every 10 s).
    const log = join(root, 'data', 'chartwatch.log');
    await until(proc, 'every row stored', Date.now() + 40_000, async () =>
      (await readFile(log, 'utf8')).includes(`"stored":${summary.events},"dlq":0,`) ? true : undefined,
    );
    process.stdout.write(`--input on Kafka: ${summary.events} events fed and ${alerts.length} alerts ${((Date.now() - proc.spawnedAt) / 1000).toFixed(1)} s after the spawn\n`);
  });

  it('stops cleanly on SIGTERM', async () => {
    const { code, signal } = await stopWithSigterm(proc);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await readFile(join(root, 'data', 'chartwatch.log'), 'utf8')).toContain('"part":"bus"');
  });
});
