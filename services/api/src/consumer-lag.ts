import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { PLAINTEXT, kafkajsSecurity } from '@chartwatch/bus';
import type { KafkaSecurity } from '@chartwatch/bus';

/** One consumer group's lag on one partition (partition null: summed over the partitions, when only totals are known). */
export interface PartitionLag {
  group: string;
  topic: string;
  partition: number | null;
  lag: number;
}

/**
 * What GET /overview asks for the pipeline's lag. buildApi takes one
 * (ApiDeps.consumerLag): `chartwatch start` knows its in-process services'
 * counts; a standalone API with KAFKA_BROKERS asks the Kafka admin; without
 * either the overview says why there is no figure.
 */
export interface ConsumerLagSource {
  lag(): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/** How long the overview waits for the brokers before answering without a lag figure. */
const LAG_TIMEOUT_MS = 3_000;

/**
 * Lag from the Kafka admin: per partition, the topic's end offset minus the
 * group's committed offset (the whole end offset when the group has not
 * committed there yet). One admin connection, opened on first use.
 */
export function kafkaConsumerLag(
  brokers: readonly string[],
  clientId: string,
  groups: readonly { group: string; topic: string }[],
  security: KafkaSecurity = PLAINTEXT,
): ConsumerLagSource {
  const kafka = new Kafka({
    clientId: `${clientId}-api-lag`,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: LAG_TIMEOUT_MS,
    retry: { retries: 1 },
    ...kafkajsSecurity(security),
  });
  let admin: Promise<Admin> | null = null;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })().catch((err: unknown) => {
      admin = null;
      throw err;
    });
    return admin;
  };
  return {
    async lag(): Promise<PartitionLag[]> {
      const a = await connected();
      const out: PartitionLag[] = [];
      for (const { group, topic } of groups) {
        const [ends, committed] = await Promise.all([a.fetchTopicOffsets(topic), a.fetchOffsets({ groupId: group, topics: [topic] })]);
        const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        for (const end of ends.sort((x, y) => x.partition - y.partition)) {
          const high = Number(end.high);
          const at = done.get(end.partition) ?? -1;
          // -1: nothing committed; the group would start at the log's start (low), so all of it is behind.
          const from = at < 0 ? Number(end.low) : at;
          out.push({ group, topic, partition: end.partition, lag: Math.max(0, high - from) });
        }
      }
      return out;
    },
    async close(): Promise<void> {
      const a = admin;
      admin = null;
      if (a !== null) await (await a.catch(() => null))?.disconnect();
    },
  };
}

/** Resolves to the source's lag, or to the reason it has none within the time limit. */
export async function lagOrReason(source: ConsumerLagSource | undefined): Promise<{ lag: PartitionLag[] | null; reason: string | null }> {
  if (source === undefined) return { lag: null, reason: 'no lag source: the API runs without KAFKA_BROKERS and outside chartwatch start' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const lag = await Promise.race([
      source.lag(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${LAG_TIMEOUT_MS} ms`)), LAG_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
    return { lag, reason: null };
  } catch (err) {
    return { lag: null, reason: `the brokers did not give the lag: ${(err as Error).message}` };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
