import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, queryRows } from '@chartwatch/store';
import { sampleEvent } from '@chartwatch/event';
import { run } from '../../services/chartwatch/src/commands/load.ts';

/**
 * `chartwatch load` against real embedded chDB: a file loaded, an
 * interruption after some batches were stored but before the checkpoint
 * said so (the state a kill -9 between insert and checkpoint leaves), the
 * resume, and a second full load. Every event is stored once, with FINAL
 * and without: a repeated batch carries the same dedup token and ClickHouse
 * drops it.
 */

const EVENTS = 3_000;
const BATCH = 400;
let dir: string;
const saved = { dataDir: process.env['CHARTWATCH_DATA_DIR'], url: process.env['CLICKHOUSE_URL'], db: process.env['CLICKHOUSE_DATABASE'] };

function eventLine(i: number): string {
  return JSON.stringify(
    sampleEvent({
      eventId: `load-${i}`,
      time: new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 60_000).toISOString(),
      actor: { id: `u${i % 17}` },
      patientIds: [`p${i % 101}`],
    }),
  );
}

async function counts(): Promise<{ final: number; raw: number }> {
  const store = await openStore({ database: 'load_test', dataDir: join(dir, 'data') });
  try {
    const [row] = await queryRows<{ final: string | number; raw: string | number }>(
      { client: store.client, db: '`load_test`' },
      'SELECT (SELECT count() FROM `load_test`.access_events FINAL) AS final, (SELECT count() FROM `load_test`.access_events) AS raw',
      {},
    );
    return { final: Number(row?.final), raw: Number(row?.raw) };
  } finally {
    await store.close();
  }
}

async function load(...extra: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    expect(await run(['--input', join(dir, 'events.jsonl'), '--format', 'json', '--batch-events', String(BATCH), '--no-progress', ...extra])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-load-'));
  // One bad line: counted, not stored, and the load goes on.
  const lines = Array.from({ length: EVENTS }, (_, i) => eventLine(i));
  lines.splice(1_234, 0, '{"not": "an event"}');
  await writeFile(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
  process.env['CHARTWATCH_DATA_DIR'] = join(dir, 'data');
  process.env['CLICKHOUSE_DATABASE'] = 'load_test';
  delete process.env['CLICKHOUSE_URL'];
});

afterAll(async () => {
  for (const [name, value] of [['CHARTWATCH_DATA_DIR', saved.dataDir], ['CLICKHOUSE_URL', saved.url], ['CLICKHOUSE_DATABASE', saved.db]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chartwatch load', () => {
  it('loads a file, resumes after an interruption, and stores nothing twice on a second load', async () => {
    const first = await load();
    expect(first).toMatch(/: 3000 events, 1 invalid, /);
    expect(first).toMatch(/0 → 3000 events \(3000 new\)/);
    expect(await counts()).toEqual({ final: EVENTS, raw: EVENTS });

    // A kill -9 after later batches were inserted but with the checkpoint still at line 1,200 (a batch boundary).
    const checkpointPath = join(dir, 'data', 'load-checkpoint.json');
    const checkpoint = JSON.parse(await readFile(checkpointPath, 'utf8')) as Record<string, { done: number; events: number; invalid: number; complete: boolean }>;
    const [key] = Object.keys(checkpoint);
    const entry = checkpoint[key as string];
    if (entry === undefined) throw new Error('no checkpoint entry');
    expect(entry).toMatchObject({ done: EVENTS + 1, events: EVENTS, invalid: 1, complete: true });
    checkpoint[key as string] = { ...entry, done: 3 * BATCH, events: 3 * BATCH, invalid: 0, complete: false };
    await writeFile(checkpointPath, JSON.stringify(checkpoint));
    const resumed = await load();
    expect(resumed).toMatch(/resumed after 1,200 lines/);
    expect(resumed).toMatch(/: 3000 events, 1 invalid, /);
    expect(await counts()).toEqual({ final: EVENTS, raw: EVENTS });

    // The file is complete: a rerun reads nothing.
    expect(await load()).toMatch(/already complete/);

    // A second full load (a fresh checkpoint): same batches, same tokens, nothing added.
    const again = await load('--checkpoint', join(dir, 'second.json'));
    expect(again).toMatch(/3000 → 3000 events \(0 new\)/);
    expect(await counts()).toEqual({ final: EVENTS, raw: EVENTS });
  });
});
