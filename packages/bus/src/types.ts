/**
 * The small surface services use to talk to a message bus. Kafka (through
 * kafkajs or @platformatic/kafka) and the in-process queue of the embedded
 * mode implement the same contract: messages are ordered per partition, a
 * key always maps to the same partition, delivery is at-least-once, and a
 * consumer group resumes after the last offset it committed.
 */

export type MessageHeaders = Record<string, string>;

export interface OutgoingMessage {
  /** Partition key (chartwatch keys by actor id); null spreads messages over partitions. */
  key: string | null;
  /** null is a tombstone (a record with no value), as Kafka's compaction reads it. */
  value: Buffer | string | null;
  headers?: MessageHeaders;
}

export interface ConsumedMessage {
  /** Kafka offsets are 64-bit: kept as decimal strings, as kafkajs does. */
  offset: string;
  key: string | null;
  /** The bytes exactly as produced (an empty buffer for a null value). */
  value: Buffer;
  /** True when the record had no value at all (a tombstone), as opposed to an empty one. */
  tombstone?: boolean;
  /** Header values decoded as UTF-8; a repeated header keeps its first value. */
  headers: MessageHeaders;
  /** Producer or log-append time, milliseconds since the epoch, as a string. */
  timestamp: string;
}

/** Messages of one partition, in offset order. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

/** What a batch handler may ask of the consumer while it works. */
export interface BatchControl {
  /** False once stop() was called: finish or abandon the batch without committing more. */
  isRunning(): boolean;
  /** True when the partition was revoked or re-seeked: the rest of the batch is someone else's. */
  isStale(): boolean;
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
  /**
   * Declares every message of this partition up to and including `offset`
   * processed and commits it for the group (the committed position becomes
   * offset + 1). Resolves once the commit is durable.
   *
   * `readThrough` (at or after `offset`): the consumer goes on reading after
   * it, while the messages between `offset` and it stay uncommitted; they
   * are delivered again only after a restart or a rebalance. For a handler
   * that holds messages past the batch (the detector's event-time buffer).
   * An `offset` of "-1" commits nothing.
   */
  commit(offset: string, options?: { readThrough?: string }): Promise<void>;
}

export type BatchHandler = (batch: ConsumedBatch, control: BatchControl) => Promise<void>;

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without a committed offset starts: true = earliest, false = latest. Default true. */
  fromBeginning?: boolean;
  /** Upper bound on the messages of one handler call (platformatic and memory; kafkajs is bounded by bytes). */
  maxBatchMessages?: number;
  /** Longest time a fetch waits for data before returning what it has. */
  maxWaitMs?: number;
  sessionTimeoutMs?: number;
  /**
   * How many partitions' batches the handler may work on at once (each
   * partition stays in order). Default 1. Lets a handler overlap one
   * partition's I/O with another's parsing, and lets concurrent writes be
   * merged. The in-process queue always runs one at a time.
   */
  partitionsConcurrently?: number;
  /**
   * Called when the handler throws or the client fails; the consumer then
   * re-delivers from the last committed offset after a pause.
   */
  onError?: (err: unknown) => void;
}

export interface BusConsumer {
  /** Joins the group and starts calling `handler`; resolves once consumption has started. */
  run(handler: BatchHandler): Promise<void>;
  /** Stops fetching, waits for the handler call in flight, leaves the group. */
  stop(): Promise<void>;
  /**
   * Commits `offset` of a partition outside a handler call (commit()'s
   * meaning), for a handler that finishes held messages later. Fails if the
   * partition is no longer this consumer's. Absent where the bus cannot (platformatic).
   */
  commitOutside?(topic: string, partition: number, offset: string): Promise<void>;
}

export interface BusProducer {
  /** Resolves once every message is acknowledged by the bus (acks=all on Kafka). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Replication factor; default 1 on the in-process queue, the broker default on Kafka. */
  replicas?: number;
}

export type BusKind = 'kafkajs' | 'platformatic' | 'memory';

/** One partition's extent and a group's position in it. */
export interface PartitionOffsets {
  partition: number;
  /** Offset of the oldest message retained. */
  low: bigint;
  /** Offset the next message produced will get (the high watermark). */
  end: bigint;
  /** The group's committed position (next offset it will read); null when it has committed nothing there. */
  committed: bigint | null;
}

export interface Bus {
  readonly kind: BusKind;
  /** A connected producer; producers are cheap to hold and safe to share. */
  producer(): Promise<BusProducer>;
  consumer(options: ConsumerOptions): BusConsumer;
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /**
   * Every partition of `topic` with its extent and `groupId`'s committed
   * position: how a service tells whether another has read everything
   * produced so far. Absent where the bus cannot say (platformatic).
   */
  offsets?(topic: string, groupId: string): Promise<PartitionOffsets[]>;
  /** Closes the producers and consumers this bus created. */
  close(): Promise<void>;
}

/** The slice of a pino logger the bus writes to. */
export interface BusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
