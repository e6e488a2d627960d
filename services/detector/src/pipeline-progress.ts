import type { Bus } from '@chartwatch/bus';

/**
 * Whether the detector holds everything produced so far: the upstream
 * consumer group (ingest) has committed every message of its topic (the raw
 * topic), this detector has read every partition of the events topic to its
 * end, and the raw topic did not grow while that was checked. Ingest
 * produces an event before it commits the raw message that carried it, so
 * then every event of every raw message is held, and no event still on its
 * way can be older than what is held — except one a producer sends late,
 * which is what allowed lateness is for. The last step matters: a raw
 * message produced during the check could have put part of a newer backlog
 * on the events topic, and releasing that part would make the rest late.
 */
export interface PipelineProgress {
  caughtUp(consumedNext: ReadonlyMap<number, bigint>): Promise<boolean>;
}

export interface PipelineTopics {
  /** The upstream group and the topic it consumes (ingest, the raw topic). */
  upstream: { groupId: string; topic: string };
  /** This detector's group and the events topic. */
  events: { groupId: string; topic: string };
}

/**
 * Progress from the bus's offsets (Kafka); null when the bus cannot report
 * them. An upstream topic that does not exist (a producer writes canonical
 * events straight to the events topic) leaves only the events topic to check.
 */
export function busPipelineProgress(bus: Bus, topics: PipelineTopics): PipelineProgress | null {
  const offsets = bus.offsets?.bind(bus);
  if (offsets === undefined) return null;
  return {
    async caughtUp(consumedNext) {
      const before = await offsets(topics.upstream.topic, topics.upstream.groupId);
      for (const p of before) {
        if ((p.committed ?? p.low) < p.end) return false;
      }
      for (const p of await offsets(topics.events.topic, topics.events.groupId)) {
        if ((consumedNext.get(p.partition) ?? p.committed ?? p.low) < p.end) return false;
      }
      const after = await offsets(topics.upstream.topic, topics.upstream.groupId);
      return after.length === before.length && after.every((p, i) => p.end === before[i]?.end);
    },
  };
}
