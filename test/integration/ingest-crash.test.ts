import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createKafkajsBus } from '@chartwatch/bus';
import { openStore } from '@chartwatch/store';
import { ingestMix } from '../fixtures/ingest-mix.ts';
import { groupLag, kafkaAdmin, waitFor, waitForGroupCaughtUp } from '../setup/kafka-helpers.ts';

/**
 * Crash safety of the real ingest process: `services/ingest/src/main.ts`
 * runs as a child process, is SIGKILLed in the middle of the stream (a
 * store write or a commit may be in flight), started again on the same
 * consumer group and chDB directory, and drained with SIGTERM. ClickHouse
 * must then hold exactly the produced valid event ids: nothing lost,
 * nothing doubled (FINAL and raw row counts shown side by side).
 *
 * chDB opens one data directory per process, so the children own the
 * directory while they run; this test opens it only after both exited.
 */

const repo = resolve(import.meta.dirname, '../..');
const mainPath = join(repo, 'services/ingest/src/main.ts');
const brokers = inject('kafkaBrokers');
const run = randomUUID().slice(0, 8);
const topics = { raw: `crash.${run}.raw`, events: `crash.${run}.events`, dlq: `crash.${run}.dlq`, alerts: `crash.${run}.alerts` };
const groupId = `ingest-crash-${run}`;
const database = 'ingest_crash';

let dataDir: string;
let admin: Admin;
const children: ChildProcess[] = [];
const output: string[] = [];

function startIngest(name: string): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['CLICKHOUSE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    cwd: repo,
    env: {
      ...env,
      KAFKA_BROKERS: brokers,
      KAFKA_CLIENT_ID: `crash-${name}`,
      KAFKA_TOPIC_RAW: topics.raw,
      KAFKA_TOPIC_EVENTS: topics.events,
      KAFKA_TOPIC_DLQ: topics.dlq,
      KAFKA_TOPIC_ALERTS: topics.alerts,
      INGEST_GROUP_ID: groupId,
      INGEST_BATCH_SIZE: '200',
      INGEST_MAX_BATCH_DELAY_MS: '100',
      INGEST_SHUTDOWN_TIMEOUT_MS: '30000',
      // The killed member is dropped after this; the restart need not wait the default 30 s.
      INGEST_SESSION_TIMEOUT_MS: '10000',
      CHARTWATCH_DATA_DIR: dataDir,
      CLICKHOUSE_DATABASE: database,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = (chunk: Buffer): void => {
    output.push(`[${name}] ${chunk.toString()}`);
  };
  child.stdout?.on('data', tag);
  child.stderr?.on('data', tag);
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

function tail(): string {
  return output.join('').split('\n').slice(-40).join('\n');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chartwatch-ingest-crash-'));
  admin = kafkaAdmin(brokers.split(','));
  await admin.connect();
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  await admin?.disconnect();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('ingest survives SIGKILL mid-stream', () => {
  it('stores every produced event exactly once after a kill and a restart', async () => {
    const mix = ingestMix({ seed: 99, valid: 20_000, invalid: 60, huge: false });
    const bus = createKafkajsBus({ brokers: brokers.split(','), clientId: 'crash-producer' });
    await bus.ensureTopics([topics.raw, topics.events, topics.dlq].map((name) => ({ name, partitions: 6 })));
    const producer = await bus.producer();
    for (let i = 0; i < mix.messages.length; i += 2_000) {
      await producer.send(topics.raw, mix.messages.slice(i, i + 2_000).map((m) => ({ key: m.key, value: m.value, headers: m.headers })));
    }
    await bus.close();
    const total = mix.messages.length;

    // First run: kill it once it has committed some, but not all, of the stream.
    const first = startIngest('first');
    let lag = total;
    await waitFor(
      () => `the first ingest to commit part of the stream (lag ${lag} of ${total})\n${tail()}`,
      async () => {
        if (first.exitCode !== null) throw new Error(`the first ingest exited early with ${first.exitCode}\n${tail()}`);
        lag = await groupLag(admin, groupId, topics.raw);
        return lag < total * 0.8;
      },
      120_000,
      100,
    );
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    const lagAtKill = await groupLag(admin, groupId, topics.raw);
    expect(lagAtKill).toBeGreaterThan(0);

    // The worst moment for a crash is after a store write and before its
    // commit. Where the kill fell is luck, so the test also builds that state
    // on purpose: once the dead member has left the group, every partition's
    // committed offset is moved back by up to 300 already-stored messages.
    await waitFor(
      'the killed member to leave the group',
      async () => (await admin.describeGroups([groupId])).groups[0]?.state === 'Empty',
      60_000,
      250,
    );
    const committed = (await admin.fetchOffsets({ groupId, topics: [topics.raw] }))[0]?.partitions ?? [];
    const rewound = committed
      .filter((p) => Number(p.offset) > 0)
      .map((p) => ({ partition: p.partition, offset: String(Math.max(0, Number(p.offset) - 300)), by: Math.min(300, Number(p.offset)) }));
    await admin.setOffsets({ groupId, topic: topics.raw, partitions: rewound.map(({ partition, offset }) => ({ partition, offset })) });
    const redelivered = rewound.reduce((n, p) => n + p.by, 0);
    expect(redelivered).toBeGreaterThan(0);

    // Second run: same group, same chDB directory; drain it with SIGTERM once it caught up.
    const second = startIngest('second');
    try {
      await waitForGroupCaughtUp(admin, groupId, topics.raw, 150_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${tail()}`);
    }
    second.kill('SIGTERM');
    const end = await exited(second);
    expect(end, tail()).toEqual({ code: 0, signal: null });
    expect(output.join('')).toContain('drained');

    // Both children are gone: this process may open the directory now.
    const store = await openStore({ database, dataDir });
    try {
      const expected = [...mix.validEventIds].sort();
      const visible = await store.countEvents();
      const ids = await store.eventIds();
      const raw = await store.client.query({ query: `SELECT count() AS n FROM ${database}.access_events`, format: 'JSONEachRow' });
      const [rawRow] = await raw.json<{ n: string | number }>();
      const rawRows = Number(rawRow?.n);
      process.stderr.write(
        `[ingest-crash.test] ${total} messages; killed with ${lagAtKill} uncommitted, then ${redelivered} stored messages rewound; ` +
          `after restart: ${visible} events visible with FINAL, ${rawRows} rows without FINAL (background merges may already have collapsed repeats), ${expected.length} expected\n`,
      );
      expect(visible).toBe(expected.length);
      expect(ids).toEqual(expected);
      expect(rawRows).toBeGreaterThanOrEqual(visible);
    } finally {
      await store.close();
    }
  });
});
