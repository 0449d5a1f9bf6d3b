/**
 * FNV-1a of the aggregate id, reduced to a partition. All events of one aggregate share a
 * partition, and one relay at a time publishes a partition: that keeps their order.
 */
export function partitionOf(aggregateId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < aggregateId.length; i++) {
    hash ^= aggregateId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
