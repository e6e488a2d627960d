/**
 * Ingest figures on this machine, against a real Kafka broker and ClickHouse
 * (embedded chDB unless CLICKHOUSE_URL is set):
 *   1. parse + validate alone (bench/parse-figures.ts), FHIR and canonical
 *      JSON, beside bare JSON.parse of the same lines;
 *   2. the consume-only ceiling of both Kafka clients behind @chartwatch/bus
 *      (kafkajs, @platformatic/kafka), each in a fresh consumer group on the
 *      same topic, committing per batch as ingest does;
 *   3. Kafka → ingest → ClickHouse (+ events topic) end to end.
 *
 *   pnpm bench:ingest [--events 100000] [--consume 200000] [--batch 512,2048] [--concurrency 1,6] [--rounds 3]
 *
 * Uses KAFKA_BROKERS when set, else starts its own broker with
 * scripts/kafka-broker.mjs (and stops it). Prints figures, then one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// bench/ sits at the repository root, which has no workspace dependencies: packages are reached by path, through their index.ts.
import { busConfigFromEnv, createKafkajsBus, createPlatformaticBus, type Bus } from '../packages/bus/src/index.ts';
import { openStore, storeConfigFromEnv } from '../packages/store/src/index.ts';
import { createIngest, createIngestLogger, INGEST_DEFAULTS } from '../services/ingest/src/index.ts';
import { startKafkaBroker, type KafkaBrokerHandle } from '../scripts/kafka-broker.mjs';
import { ingestMix } from '../test/fixtures/ingest-mix.ts';
import { groupLag, kafkaAdmin } from '../test/setup/kafka-helpers.ts';
import { generateFhirLines, measureParse, toCanonicalLines } from './parse-figures.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    consume: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: String(INGEST_DEFAULTS.partitionsConcurrently) },
    rounds: { type: 'string', default: '3' },
  },
});
const E2E_EVENTS = Number(args.events);
const CONSUME_MESSAGES = Number(args.consume);
const BATCH_SIZES = String(args.batch).split(',').map(Number);
const CONCURRENCY = String(args.concurrency).split(',').map(Number);
const ROUNDS = Number(args.rounds);
const PARTITIONS = 6;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const say = (line: string): void => console.log(line);

interface ConsumeFigure {
  client: string;
  messages: number;
  /** From run() to the last message: includes joining the group. */
  totalSeconds: number;
  /** From the first message to the last: the steady rate. */
  steadySeconds: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

async function consumeOnly(bus: Bus, client: string, topic: string, expected: number): Promise<ConsumeFigure> {
  let n = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = bus.consumer({ groupId: `bench-${client}-${randomUUID()}`, topics: [topic], fromBeginning: true, maxWaitMs: 100, maxBatchMessages: 2048 });
  const t0 = performance.now();
  await consumer.run(async (batch, control) => {
    if (first === 0) first = performance.now();
    for (const m of batch.messages) bytes += m.value.length;
    n += batch.messages.length;
    const tail = batch.messages.at(-1);
    if (tail) await control.commit(tail.offset);
    if (n >= expected) {
      last = performance.now();
      done();
    }
  });
  const timeout = setTimeout(() => {
    console.error(`${client}: consumed ${n} of ${expected} messages in 120 s; giving up`);
    process.exit(1);
  }, 120_000);
  await finished;
  clearTimeout(timeout);
  await consumer.stop();
  const steadySeconds = (last - first) / 1000;
  return {
    client,
    messages: n,
    totalSeconds: round2((last - t0) / 1000),
    steadySeconds: round2(steadySeconds),
    messagesPerSecond: Math.round(n / steadySeconds),
    megabytesPerSecond: round2(bytes / steadySeconds / 1e6),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function best(figures: ConsumeFigure[]): ConsumeFigure {
  return figures.reduce((a, b) => (b.messagesPerSecond > a.messagesPerSecond ? b : a));
}

async function main(): Promise<void> {
  const started = performance.now();

  // 1. Parse + validate alone.
  say('== parse + validate (no I/O), bench/parse-figures.ts');
  const parse = await measureParse();
  for (const [name, f] of Object.entries(parse)) {
    say(`  ${name.padEnd(9)} ${fmt(f.parseValidateEventsPerSecond)} events/s parse+validate  vs  ${fmt(f.jsonParseEventsPerSecond)} bare JSON.parse (${f.ratio}×), ${f.meanBytesPerEvent} bytes/event`);
  }

  // The broker.
  let broker: KafkaBrokerHandle | undefined;
  let brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) {
    const t = performance.now();
    broker = await startKafkaBroker({ ownerPid: process.pid, log: (l) => process.stderr.write(`${l}\n`) });
    brokers = broker.brokers;
    say(`== Kafka 4.1.1 broker from jars at ${brokers}, ready in ${fmt(performance.now() - t)} ms`);
  } else {
    say(`== Kafka at KAFKA_BROKERS=${brokers}`);
  }
  const brokerList = brokers.split(',');
  const run = randomUUID().slice(0, 8);
  const admin = kafkaAdmin(brokerList);
  await admin.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'chartwatch-bench-ingest-'));

  try {
    // 2. Consume-only ceiling of both clients on the same topic.
    const kafkajs = createKafkajsBus({ brokers: brokerList, clientId: 'bench-kafkajs' });
    const platformatic = createPlatformaticBus({ brokers: brokerList, clientId: 'bench-platformatic' });
    const consumeTopic = `bench.${run}.consume`;
    await kafkajs.ensureTopics([{ name: consumeTopic, partitions: PARTITIONS }]);
    const payloads = toCanonicalLines(generateFhirLines(20_000, 7)).map((line) => Buffer.from(line));
    const meanBytes = Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length);
    const producer = await kafkajs.producer();
    let t = performance.now();
    for (let i = 0; i < CONSUME_MESSAGES; i += 5_000) {
      const chunk = [];
      for (let j = i; j < Math.min(CONSUME_MESSAGES, i + 5_000); j += 1) chunk.push({ key: `actor-${j % 997}`, value: payloads[j % payloads.length] as Buffer });
      await producer.send(consumeTopic, chunk);
    }
    const produceSeconds = (performance.now() - t) / 1000;
    say(`== consume-only: ${fmt(CONSUME_MESSAGES)} messages of ${meanBytes} bytes (canonical events), ${PARTITIONS} partitions; produced at ${fmt(CONSUME_MESSAGES / produceSeconds)} msgs/s (kafkajs, acks=all)`);
    const rounds: Record<string, ConsumeFigure[]> = { kafkajs: [], platformatic: [] };
    for (let r = 0; r < (CONSUME_MESSAGES > 0 ? ROUNDS : 0); r += 1) {
      // Alternate the order so neither client always runs on a warmer page cache or a quieter neighbour.
      const order = r % 2 === 0 ? (['kafkajs', 'platformatic'] as const) : (['platformatic', 'kafkajs'] as const);
      for (const client of order) {
        const f = await consumeOnly(client === 'kafkajs' ? kafkajs : platformatic, client, consumeTopic, CONSUME_MESSAGES);
        rounds[client]?.push(f);
        say(`  round ${r + 1} ${client.padEnd(12)} ${fmt(f.messagesPerSecond)} msgs/s, ${f.megabytesPerSecond} MB/s (steady ${f.steadySeconds} s; ${f.totalSeconds} s with the group join)`);
      }
    }
    await kafkajs.close();
    await platformatic.close();
    const consume =
      CONSUME_MESSAGES > 0
        ? { messages: CONSUME_MESSAGES, meanBytes, partitions: PARTITIONS, kafkajs: best(rounds['kafkajs'] ?? []), platformatic: best(rounds['platformatic'] ?? []) }
        : null;

    // 3. End to end: raw topic → ingest → ClickHouse + events topic.
    const mix = ingestMix({ seed: 11, valid: E2E_EVENTS, invalid: 0, huge: false });
    const mixBytes = mix.messages.reduce((n, m) => n + m.value.length, 0);
    say(`== end to end: ${fmt(mix.messages.length)} raw messages (${fmt(mix.validEventIds.length)} events; FHIR/CSV/JSON mix, ${Math.round(mixBytes / mix.messages.length)} bytes/message) → ingest → ClickHouse`);
    const endToEnd = [];
    for (const [batchSize, concurrency] of BATCH_SIZES.flatMap((b) => CONCURRENCY.map((c) => [b, c] as const))) {
      const tag = `${batchSize}_${concurrency}`;
      const busConfig = busConfigFromEnv({
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_RAW: `bench.${run}.raw.${tag}`,
        KAFKA_TOPIC_EVENTS: `bench.${run}.events.${tag}`,
        KAFKA_TOPIC_DLQ: `bench.${run}.dlq.${tag}`,
        KAFKA_PARTITIONS: String(PARTITIONS),
      });
      const bus = createKafkajsBus({ brokers: brokerList, clientId: 'bench-ingest' });
      await bus.ensureTopics([busConfig.topics.raw, busConfig.topics.events, busConfig.topics.dlq].map((name) => ({ name, partitions: PARTITIONS })));
      const p = await bus.producer();
      for (let i = 0; i < mix.messages.length; i += 5_000) {
        await p.send(busConfig.topics.raw, mix.messages.slice(i, i + 5_000).map((m) => ({ key: m.key, value: m.value, headers: m.headers })));
      }
      const storeConfig = storeConfigFromEnv({ ...process.env, CHARTWATCH_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: `bench_ingest_${run}_${tag}` });
      const store = await openStore(storeConfig);
      await store.migrate();
      const groupId = `bench-ingest-${run}-${tag}`;
      const ingest = createIngest({
        config: { ...INGEST_DEFAULTS, bus: busConfig, groupId, batchSize, partitionsConcurrently: concurrency },
        store,
        bus,
        logger: createIngestLogger('warn'),
      });
      t = performance.now();
      await ingest.start();
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if ((await groupLag(admin, groupId, busConfig.topics.raw).catch(() => 1)) === 0) break;
      }
      const seconds = (performance.now() - t) / 1000;
      await ingest.stop();
      const stored = await store.countEvents();
      const m = ingest.metrics();
      await bus.close();
      await store.close();
      if (stored !== mix.validEventIds.length) throw new Error(`end to end stored ${stored} events, expected ${mix.validEventIds.length}`);
      const figure = {
        batchSize,
        partitionsConcurrently: concurrency,
        messages: mix.messages.length,
        events: stored,
        seconds: round2(seconds),
        eventsPerSecond: Math.round(stored / seconds),
        megabytesPerSecond: round2(mixBytes / seconds / 1e6),
        subBatches: m.batches,
        store: storeConfig.url === undefined ? 'chdb' : 'server',
        /** Where the time went, as shares of the wall time. */
        shares: {
          decode: round2(m.decodeMs / 1000 / seconds),
          store: round2(m.storeMs / 1000 / seconds),
          produce: round2(m.produceMs / 1000 / seconds),
          commit: round2(m.commitMs / 1000 / seconds),
        },
      };
      endToEnd.push(figure);
      say(`  batch ${String(batchSize).padEnd(5)} × ${concurrency} partitions at once: ${fmt(figure.eventsPerSecond)} events/s (${figure.megabytesPerSecond} MB/s), ${fmt(stored)} stored in ${figure.seconds} s, ${m.batches} sub-batches, ${figure.store}; time in decode ${figure.shares.decode}, store ${figure.shares.store}, produce ${figure.shares.produce}, commit ${figure.shares.commit}`);
    }

    const totalSeconds = round2((performance.now() - started) / 1000);
    say(`== done in ${totalSeconds} s`);
    console.log(
      JSON.stringify({
        bench: 'ingest',
        broker: broker ? 'kafka-4.1.1-jars' : 'external',
        parse,
        consumeOnly: consume,
        endToEnd,
        totalSeconds,
      }),
    );
  } finally {
    await admin.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
    await broker?.stop();
  }
}

await main();
