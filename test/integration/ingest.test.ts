import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { busConfigFromEnv, createKafkaBus, type Bus, type BusConfig, type ConsumedMessage } from '@chartwatch/bus';
import { parseCanonicalLine, type AccessEvent } from '@chartwatch/event';
import { createIngest, createIngestLogger, DEAD_LETTER_PREFIX_BYTES, HEADERS, INGEST_DEFAULTS, REDUCED_HEADERS, type Ingest } from '@chartwatch/ingest';
import { openStore, type Store } from '@chartwatch/store';
import { ingestMix, type IngestMix } from '../fixtures/ingest-mix.ts';
import { kafkaAdmin, readTopic, waitForGroupCaughtUp } from '../setup/kafka-helpers.ts';

/**
 * Ingest end to end against a real Kafka broker and embedded ClickHouse
 * (chDB): ~10,000 valid events in three formats and ~540 malformed
 * messages go in; ClickHouse must hold exactly the valid events, the DLQ
 * every malformed message (original bytes, with reasons; at least once), the
 * events topic the canonical events; a second delivery changes nothing.
 */

const brokers = inject('kafkaBrokers');
const run = randomUUID().slice(0, 8);
const busConfig: BusConfig = busConfigFromEnv({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: 'ingest-test',
  KAFKA_TOPIC_RAW: `it.${run}.raw`,
  KAFKA_TOPIC_EVENTS: `it.${run}.events`,
  KAFKA_TOPIC_DLQ: `it.${run}.dlq`,
  KAFKA_TOPIC_ALERTS: `it.${run}.alerts`,
});
const groupId = `ingest-${run}`;
const brokerList = busConfig.brokers;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Raw messages the DLQ records stand for, by their source partition and offset. Ingest is at least once: a
 * batch redelivered after a rebalance (a heartbeat missed on a loaded machine) is dead-lettered again, so a
 * source offset may appear twice, but always with the same bytes and reason. Consumers of the DLQ dedupe
 * on these headers; the test does the same, and fails on a missing message or a twin that differs.
 */
function distinctSources(dlq: readonly ConsumedMessage[]): number {
  const bySource = new Map<string, string>();
  for (const m of dlq) {
    const source = `${m.headers[HEADERS.sourcePartition]}:${m.headers[HEADERS.sourceOffset]}`;
    const seen = `${sha(m.value)} ${m.headers[HEADERS.dlqReason]}`;
    const twin = bySource.get(source);
    if (twin !== undefined) expect(seen, `DLQ twins of source offset ${source}`).toBe(twin);
    bySource.set(source, seen);
  }
  if (bySource.size < dlq.length) process.stderr.write(`[ingest.test] ${dlq.length - bySource.size} DLQ record(s) redelivered (at least once)\n`);
  return bySource.size;
}

let dataDir: string;
let store: Store;
let bus: Bus;
let admin: Admin;
let ingest: Ingest;
let mix: IngestMix;

async function produceMix(): Promise<void> {
  const producer = await bus.producer();
  for (let i = 0; i < mix.messages.length; i += 2_000) {
    await producer.send(
      busConfig.topics.raw,
      mix.messages.slice(i, i + 2_000).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    );
  }
}

beforeAll(async () => {
  mix = ingestMix({ seed: 7 });
  dataDir = mkdtempSync(join(tmpdir(), 'chartwatch-ingest-it-'));
  store = await openStore({ database: 'ingest_it', dataDir });
  await store.migrate();
  bus = createKafkaBus(busConfig);
  admin = kafkaAdmin(brokerList);
  await admin.connect();
  ingest = createIngest({
    config: { ...INGEST_DEFAULTS, bus: busConfig, groupId, maxBatchDelayMs: 100, retryInitialMs: 100, retryMaxMs: 2_000 },
    store,
    bus,
    logger: createIngestLogger('warn'),
  });
  await ingest.start();
});

afterAll(async () => {
  await ingest?.stop();
  await bus?.close();
  await admin?.disconnect();
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('ingest: Kafka → ClickHouse, events topic and DLQ', () => {
  it('the fixture has what the test claims', () => {
    expect(mix.validEventIds.length).toBeGreaterThanOrEqual(10_000);
    expect(mix.deadLetters.length).toBeGreaterThanOrEqual(500);
    const kinds = new Set(mix.messages.map((m) => m.kind));
    for (const kind of ['fhir', 'csv', 'json', 'bundle-mixed', 'one-megabyte', 'injection-id-json', 'injection-id-fhir', 'injection-id-csv', 'missing-actor', 'empty-patient-id', 'time-out-of-range', 'truncated-json']) {
      expect(kinds).toContain(kind);
    }
  });

  it('stores exactly the valid events and dead-letters every invalid message', async () => {
    const started = Date.now();
    await produceMix();
    await waitForGroupCaughtUp(admin, groupId, busConfig.topics.raw, 150_000);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`[ingest.test] ${mix.messages.length} messages produced and ingested in ${seconds.toFixed(1)} s; metrics ${JSON.stringify(ingest.metrics())}\n`);

    // ClickHouse: the valid event ids, each once.
    const expectedIds = [...mix.validEventIds].sort();
    expect(await store.countEvents()).toBe(expectedIds.length);
    expect(await store.eventIds()).toEqual(expectedIds);

    // Injection strings in free text are data, stored verbatim.
    const [verbatim] = await store.eventsByIds([mix.verbatim.eventId]);
    expect(verbatim?.actor.role).toBe(mix.verbatim.role);
    expect(verbatim?.actor.department).toBe(mix.verbatim.department);
    expect(verbatim?.sourceSystem).toBe(mix.verbatim.sourceSystem);

    // DLQ: every malformed message, byte for byte, each with why and where from.
    const dlq = await readTopic(brokerList, busConfig.topics.dlq);
    expect(dlq).toHaveLength(ingest.metrics().dlq);
    expect(new Set(dlq.map((m) => sha(m.value)))).toEqual(new Set(mix.deadLetters.map((m) => sha(m.value))));
    expect(distinctSources(dlq)).toBe(mix.deadLetters.length);
    for (const m of dlq) {
      expect(m.headers[HEADERS.dlqReason]?.length).toBeGreaterThan(0);
      expect(m.headers[HEADERS.dlqField]?.length).toBeGreaterThan(0);
      expect(m.headers[HEADERS.sourceTopic]).toBe(busConfig.topics.raw);
      expect(Number(m.headers[HEADERS.sourcePartition])).toBeGreaterThanOrEqual(0);
      expect(m.headers[HEADERS.sourceOffset]).toMatch(/^\d+$/);
    }
    const huge = dlq.find((m) => m.value.length > 900_000);
    expect(huge?.headers[HEADERS.dlqReason]).toMatch(/larger than the limit/);

    // Events topic: the canonical events, keyed by actor, one per stored event.
    const events = await readTopic(brokerList, busConfig.topics.events);
    expect(events).toHaveLength(ingest.metrics().stored);
    const ids = new Set<string>();
    for (const m of events) {
      expect(m.headers[HEADERS.format]).toBe('json');
      const parsed = parseCanonicalLine(m.value.toString('utf8'));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(m.key).toBe(parsed.event.actor.id);
      ids.add(parsed.event.eventId);
    }
    expect([...ids].sort()).toEqual(expectedIds);
  });

  it('a second delivery of the same messages changes nothing in ClickHouse', async () => {
    const before = await store.countEvents();
    await produceMix();
    await waitForGroupCaughtUp(admin, groupId, busConfig.topics.raw, 150_000);
    expect(await store.countEvents()).toBe(before);
    expect(await store.eventIds()).toEqual([...mix.validEventIds].sort());
    // The repeats are new messages at new offsets: they are dead-lettered again, not dropped.
    expect(distinctSources(await readTopic(brokerList, busConfig.topics.dlq))).toBe(2 * mix.deadLetters.length);
  });
});

/**
 * The dead-letter path never blocks a partition: a raw topic that takes
 * 4 MiB messages in front of a DLQ topic that takes less. Behind the refused
 * letter and a tombstone, 50 valid events must be stored.
 */
describe('ingest: a dead letter the DLQ refuses, and tombstones', () => {
  function validEvents(tag: string): AccessEvent[] {
    return Array.from({ length: 50 }, (_, i) => ({
      eventId: `${tag}-${i}`,
      time: new Date(Date.parse('2026-03-02T08:00:00.000Z') + i * 60_000).toISOString(),
      actor: { id: `dr.${i % 5}`, kind: 'user', role: 'physician', department: 'Cardiology' },
      patientIds: [`P${1000 + i}`],
      action: 'read',
      resourceTypes: ['Observation'],
      sensitivity: [],
      purposeOfUse: ['TREAT'],
      breakTheGlass: false,
      outcome: 'success',
      records: 1,
      sourceSystem: 'ehr',
      networkAddress: '10.0.0.1',
      format: 'json',
    }));
  }

  /** Topics of one case: raw accepts 4 MiB, the DLQ `dlqMaxBytes` (undefined = the broker's 1 MiB default). */
  async function runCase(tag: string, dlqMaxBytes: number | undefined) {
    const cfg = busConfigFromEnv({
      KAFKA_BROKERS: brokers,
      KAFKA_CLIENT_ID: `ingest-test-${tag}`,
      KAFKA_PARTITIONS: '1',
      KAFKA_TOPIC_RAW: `it.${run}.${tag}.raw`,
      KAFKA_TOPIC_EVENTS: `it.${run}.${tag}.events`,
      KAFKA_TOPIC_DLQ: `it.${run}.${tag}.dlq`,
      KAFKA_TOPIC_ALERTS: `it.${run}.${tag}.alerts`,
    });
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: cfg.topics.raw, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }] },
        { topic: cfg.topics.dlq, numPartitions: 1, configEntries: dlqMaxBytes === undefined ? [] : [{ name: 'max.message.bytes', value: String(dlqMaxBytes) }] },
        { topic: cfg.topics.events, numPartitions: 1 },
      ],
    });
    const events = validEvents(`${run}-${tag}`);
    const big = Buffer.alloc(2 * 1024 * 1024, 0x7b);
    const producer = await bus.producer();
    await producer.send(cfg.topics.raw, [
      { key: 'dr.0', value: big, headers: { 'x-big': 'yes' } },
      { key: 'dr.1', value: null },
      ...events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })),
    ]);
    const group = `ingest-${run}-${tag}`;
    const own = createIngest({
      config: { ...INGEST_DEFAULTS, bus: cfg, groupId: group, maxBatchDelayMs: 100, retryInitialMs: 100, retryMaxMs: 2_000 },
      store,
      bus,
      logger: createIngestLogger('silent'),
    });
    await own.start();
    try {
      await waitForGroupCaughtUp(admin, group, cfg.topics.raw, 120_000);
    } finally {
      await own.stop();
    }
    const stored = await store.eventsByIds(events.map((e) => e.eventId));
    expect(stored.map((e) => e.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    const dlq = await readTopic(brokerList, cfg.topics.dlq);
    const tombstone = dlq.find((m) => m.headers[HEADERS.sourceOffset] === '1');
    expect(tombstone?.tombstone).toBe(true);
    expect(tombstone?.headers[HEADERS.dlqReason]).toMatch(/tombstone/);
    return { dlq, metrics: own.metrics(), cfg, big };
  }

  it('reduces a dead letter the DLQ topic refuses (reason headers, hash, a prefix of the bytes) and moves on; a tombstone stays a tombstone', async () => {
    const { dlq, metrics, big } = await runCase('reduce', undefined);
    const reduced = dlq.find((m) => m.headers[HEADERS.sourceOffset] === '0');
    expect(reduced?.headers[REDUCED_HEADERS.reduced]).toBe('true');
    expect(reduced?.headers[REDUCED_HEADERS.originalBytes]).toBe(String(big.length));
    expect(reduced?.headers[REDUCED_HEADERS.sha256]).toBe(sha(big));
    expect(reduced?.headers[HEADERS.dlqReason]).toMatch(/larger than the limit/);
    expect(reduced?.headers['x-big']).toBeUndefined();
    expect(reduced?.value.length).toBe(DEAD_LETTER_PREFIX_BYTES);
    expect(metrics.dlqReduced).toBeGreaterThanOrEqual(1);
  });

  it('keeps a dead letter refused whole and reduced in ClickHouse (dead_letters) and moves on', async () => {
    const { dlq, metrics, cfg, big } = await runCase('keep', 2_048);
    expect(dlq.some((m) => m.headers[HEADERS.sourceOffset] === '0')).toBe(false);
    expect(metrics.dlqKept).toBeGreaterThanOrEqual(1);
    const kept = await store.deadLetters(cfg.topics.raw);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ sourcePartition: 0, sourceOffset: '0', key: 'dr.0', tombstone: false, originalBytes: big.length, sha256: sha(big) });
    expect(kept[0]?.reason).toMatch(/larger than the limit/);
    expect(kept[0]?.headers['x-big']).toBe('yes');
    expect(Buffer.from(kept[0]?.prefixBase64 ?? '', 'base64').length).toBe(DEAD_LETTER_PREFIX_BYTES);
  });
});
