import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { SoldOutTemplates } from './sold-out-templates.js';

describe('SoldOutTemplates', () => {
  it('remembers what it is told, whatever the letter case of the id', () => {
    const memory = new SoldOutTemplates();
    const id = newId();
    expect(memory.has(id)).toBe(false);
    memory.remember(id.toUpperCase());
    expect(memory.has(id)).toBe(true);
    memory.remember(id);
    expect(memory.size).toBe(1);
  });

  it('is bounded: past its capacity the oldest mark is forgotten first', () => {
    const memory = SoldOutTemplates.withCapacity(2);
    const [a, b, c] = [newId(), newId(), newId()];
    memory.remember(a);
    memory.remember(b);
    memory.remember(c);
    expect([memory.has(a), memory.has(b), memory.has(c)]).toEqual([false, true, true]);
    expect(memory.size).toBe(2);
  });

  it('holds 10,000 marks by default', () => {
    const memory = new SoldOutTemplates();
    const first = newId();
    memory.remember(first);
    for (let i = 0; i < 9_999; i++) memory.remember(newId());
    expect(memory.has(first)).toBe(true);
    memory.remember(newId());
    expect(memory.has(first)).toBe(false);
    expect(memory.size).toBe(10_000);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %s', (capacity) => {
    expect(() => SoldOutTemplates.withCapacity(capacity)).toThrow();
  });
});
