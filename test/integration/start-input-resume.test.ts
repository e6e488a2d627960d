import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHospital, writeSimulation } from '@chartwatch/simulator';
import { openStore, storeConfigFromEnv } from '@chartwatch/store';
import type { StartedProcess } from './start-harness.ts';
import { killIfRunning, spawnStart, stopWithSigterm, until } from './start-harness.ts';

/**
 * `pnpm start --input FILE` in the embedded mode, killed with SIGKILL part
 * way through the file and started again with the same command: it resumes
 * where everything before was stored, and the store ends up holding exactly
 * the file's valid events, none lost and none twice. (The in-process queue
 * dies with the process; before, what it held was lost and a restart did
 * not resume the file.)
 */

let root: string;
let input: string;
let valid = 0;
let first: StartedProcess | undefined;
let second: StartedProcess | undefined;

const EMBEDDED = { KAFKA_BROKERS: undefined, CLICKHOUSE_URL: undefined, CHARTWATCH_DATA_DIR: undefined, API_PORT: undefined };

interface Progress {
  offset: number;
  size: number;
  done: boolean;
}

async function progress(): Promise<Progress | undefined> {
  try {
    return JSON.parse(await readFile(join(root, 'data', 'input-progress.json'), 'utf8')) as Progress;
  } catch {
    return undefined;
  }
}

const args = (): string[] => ['--data-dir', join(root, 'data'), '--port', '0', '--input', input, '--format', 'csv', '--reference', join(root, 'sim')];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chartwatch-start-resume-'));
  const summary = await writeSimulation(generateHospital({ seed: 12, staff: 120, days: 4, start: '2026-03-02' }), join(root, 'sim'), 'csv');
  valid = summary.events;
  // A few rows no parser accepts, in the middle of the file: dead-lettered, never stored.
  const lines = (await readFile(join(root, 'sim', 'events.csv'), 'utf8')).split('\n');
  const middle = Math.floor(lines.length / 2);
  lines.splice(middle, 0, 'not,a,valid,row', 'x', 'y,,,,');
  input = join(root, 'events-with-junk.csv');
  await writeFile(input, lines.join('\n'));
});

afterAll(async () => {
  await killIfRunning(first);
  await killIfRunning(second);
  await rm(root, { recursive: true, force: true });
});

describe('start --input after kill -9', () => {
  it('resumes the file and stores exactly its valid events', async () => {
    first = spawnStart(args(), EMBEDDED);
    const p = first;
    // Killed once a third of the file is known stored (a condition, not a time).
    const at = await until(p, 'a third of the file stored', p.spawnedAt + 240_000, async () => {
      const got = await progress();
      return got !== undefined && got.offset >= got.size / 3 ? got : undefined;
    });
    expect(at.done).toBe(false);
    p.child.kill('SIGKILL');
    await p.exit;

    second = spawnStart(args(), EMBEDDED);
    const q = second;
    await until(q, 'the file fed to its end', q.spawnedAt + 300_000, async () => ((await progress())?.done === true ? true : undefined));
    expect(q.stdout).toMatch(/resuming at byte [\d,]+ of [\d,]+/);
    const { code } = await stopWithSigterm(q, 60_000);
    expect(code).toBe(0);

    const store = await openStore(storeConfigFromEnv({ CHARTWATCH_DATA_DIR: join(root, 'data', 'clickhouse') }));
    try {
      const rs = await store.client.query({
        query: `SELECT count() AS rows, uniqExact(event_id) AS ids FROM \`${store.database}\`.access_events FINAL`,
        format: 'JSONEachRow',
      });
      const [counts] = await rs.json<{ rows: string | number; ids: string | number }>();
      expect({ rows: Number(counts?.rows), ids: Number(counts?.ids) }).toEqual({ rows: valid, ids: valid });
      process.stdout.write(`start --input resume: killed at byte ${at.offset} of ${at.size}; ${valid} valid events stored exactly once after the restart\n`);
    } finally {
      await store.close();
    }
  }, 700_000);
});
