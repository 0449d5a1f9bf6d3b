import { describe, expect, it } from 'vitest';
import { EventSchemaRegistry, UserRegisteredV1, publishedLanguage } from '@shop/contracts';
import { UnmappedDomainEventError, newId } from '@shop/shared-kernel';
import type { UserEvent } from '../domain/user.events.js';
import { userIntegrationEvents } from './user.integration-events.js';

const at = new Date('2026-02-01T08:00:00.000Z');
const id = newId();

describe('userIntegrationEvents', () => {
  it('announces a registration as user.registered.v1, valid against its published schema', () => {
    const events = userIntegrationEvents({ type: 'UserRegistered', aggregateId: id, occurredAt: at, email: 'ada@example.com', nickname: null });
    expect(events).toEqual([
      { type: UserRegisteredV1.type, aggregateId: id, payload: { userId: id, email: 'ada@example.com', nickname: null, registeredAt: at.toISOString() } },
    ]);
    expect(() => new EventSchemaRegistry(publishedLanguage).validatePayload(UserRegisteredV1.type, events[0]!.payload)).not.toThrow();
  });

  it('keeps a granted role inside the context: no integration event', () => {
    expect(userIntegrationEvents({ type: 'RoleGranted', aggregateId: 'u-1', occurredAt: at, role: 'admin' })).toEqual([]);
  });

  it('fails loudly on a domain event it has no case for', () => {
    const stray = { type: 'UserRenamed', aggregateId: 'u-1', occurredAt: at } as unknown as UserEvent;
    expect(() => userIntegrationEvents(stray)).toThrow(UnmappedDomainEventError);
  });
});
