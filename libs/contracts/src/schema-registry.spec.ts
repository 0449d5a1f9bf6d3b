import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ContractViolationError, EventSchemaRegistry } from './schema-registry.js';
import { publishedLanguage } from './published-language.js';
import { UserRegisteredV1 } from './user/user.events.js';

const registry = new EventSchemaRegistry(publishedLanguage);
const payload: UserRegisteredV1 = { userId: randomUUID(), email: 'a@example.com', nickname: null, registeredAt: new Date().toISOString() };
const envelope = {
  id: randomUUID(),
  type: UserRegisteredV1.type,
  occurredAt: new Date().toISOString(),
  source: 'user',
  aggregateId: payload.userId,
  correlationId: 'req-1',
  causationId: null,
  payload,
};

describe('EventSchemaRegistry', () => {
  it('accepts a payload that matches its contract', () => {
    expect(() => registry.validatePayload(UserRegisteredV1.type, payload)).not.toThrow();
    expect(() => registry.validateEnvelope(envelope)).not.toThrow();
  });

  it('refuses unknown fields, wrong types and unknown event types with the path of each problem', () => {
    const error = (() => {
      try {
        registry.validatePayload(UserRegisteredV1.type, { ...payload, email: 42, extra: true });
      } catch (e) {
        return e as ContractViolationError;
      }
      throw new Error('expected a violation');
    })();
    expect(error).toBeInstanceOf(ContractViolationError);
    expect(error.code).toBe('CONTRACT_VIOLATION');
    expect(error.problems.map((p) => p.path)).toContain('/email');
    expect(() => registry.validatePayload('nobody.knows.v1', {})).toThrow(ContractViolationError);
  });

  it('refuses an envelope without an id or with a non-UUID id', () => {
    expect(() => registry.validateEnvelope({ ...envelope, id: 'x' })).toThrow(ContractViolationError);
    const { id: _id, ...withoutId } = envelope;
    expect(() => registry.validateEnvelope(withoutId)).toThrow(ContractViolationError);
  });

  it('accepts an envelope with or without a per-aggregate sequence, which must be a whole number from 1', () => {
    expect(() => registry.validateEnvelope({ ...envelope, sequence: 1 })).not.toThrow();
    expect(() => registry.validateEnvelope({ ...envelope, sequence: 2 ** 40 })).not.toThrow();
    for (const sequence of [0, -1, 1.5, '3', null]) {
      expect(() => registry.validateEnvelope({ ...envelope, sequence }), String(sequence)).toThrow(ContractViolationError);
    }
  });

  it('refuses a type registered twice', () => {
    expect(() => new EventSchemaRegistry([UserRegisteredV1, UserRegisteredV1])).toThrow(/twice/);
  });
});
