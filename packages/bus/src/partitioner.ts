/**
 * Kafka's default partitioner (Java client, kafkajs DefaultPartitioner,
 * @platformatic/kafka compatibilityPartitioner): murmur2 of the key bytes,
 * made positive, modulo the partition count. The in-process queue uses the
 * same function so an actor lands on the same partition number in embedded
 * mode as on Kafka.
 */
export function murmur2(key: Buffer): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = key.length;
  let h = seed ^ length;
  let i = 0;
  // Math.imul keeps the 32-bit wrap-around multiplication of the Java original.
  while (length - i >= 4) {
    let k = key.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
    i += 4;
  }
  const rest = length - i;
  if (rest === 3) h ^= (key[i + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (key[i + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= key[i] ?? 0;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
