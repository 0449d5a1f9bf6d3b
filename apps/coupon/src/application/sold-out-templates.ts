import { Injectable } from '@nestjs/common';

const DEFAULT_CAPACITY = 10_000;

/**
 * The templates this instance has seen sold out, so a flash sale's latecomers are answered SOLD_OUT
 * without touching the database at all. The database stays the only source of truth: an id is
 * remembered only once the store said so. A mark never goes stale because stock never comes back (no
 * route raises it; a released coupon stays with its owner). Bounded: past its capacity the oldest
 * mark is forgotten (its template then costs one read again before it is remembered anew).
 */
@Injectable()
export class SoldOutTemplates {
  private readonly ids = new Set<string>();
  private capacity = DEFAULT_CAPACITY;

  /** A memory of another size (tests). */
  static withCapacity(capacity: number): SoldOutTemplates {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`capacity must be a whole number ≥ 1, got ${capacity}`);
    const memory = new SoldOutTemplates();
    memory.capacity = capacity;
    return memory;
  }

  has(templateId: string): boolean {
    return this.ids.has(templateId.toLowerCase());
  }

  remember(templateId: string): void {
    const id = templateId.toLowerCase();
    if (this.ids.has(id)) return;
    this.ids.add(id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }

  get size(): number {
    return this.ids.size;
  }
}
