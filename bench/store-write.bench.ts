/**
 * The store alone: access events written to embedded chDB (a fresh data
 * directory) in batches, through the same writer ingest uses, with chDB's
 * default `async_insert=1` and with the writer's `async_insert=0`. Prints
 * wall time and CPU per event (this process: the writer, chDB's threads and
 * its background merges), then one JSON line.
 *
 *   pnpm exec tsx bench/store-write.bench.ts [--events 20000] [--batch 5000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// bench/ sits at the repository root, which has no workspace dependencies: packages are reached by path, through their index.ts.
import { parseCanonicalLine } from '../packages/event/src/index.ts';
import { accessEventToRow, dedupToken, openStore } from '../packages/store/src/index.ts';
import { generateFhirLines, toCanonicalLines } from './parse-figures.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(args.events);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);

const events = toCanonicalLines(generateFhirLines(N, 3)).map((line, i) => {
  const r = parseCanonicalLine(line, i + 1);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
});

const figures = [];
for (const asyncInsert of [1, 0] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'chartwatch-bench-store-'));
  const store = await openStore({ database: 'bench_store', dataDir: dir });
  await store.migrate();
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i += BATCH) {
      const part = events.slice(i, i + BATCH).map((e) => ({ ...e, eventId: `${e.eventId}-${round}` }));
      // The writer's own insert (EventWriter) with the async_insert setting under test.
      await store.connection.insertClient.insert({
        table: 'bench_store.access_events',
        values: part.map(accessEventToRow),
        format: 'JSONEachRow',
        clickhouse_settings: {
          async_insert: asyncInsert,
          insert_deduplicate: 1,
          insert_deduplication_token: dedupToken('events', part.map((e) => e.eventId)),
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    }
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - t;
    const figure = { asyncInsert, round: round + 1, events: N, batch: BATCH, wallMs: Math.round(wallMs), eventsPerSecond: Math.round(N / (wallMs / 1000)), cpuMicrosPerEvent: Math.round((used.user + used.system) / N) };
    figures.push(figure);
    console.log(`async_insert=${asyncInsert} round ${figure.round}: ${N} events in batches of ${BATCH}: ${figure.wallMs} ms (${figure.eventsPerSecond}/s), ${figure.cpuMicrosPerEvent} µs CPU/event`);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'store-write', figures }));
