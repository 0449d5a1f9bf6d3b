import { UserRegisteredV1, eventOf } from '@shop/contracts';
import { unmappedDomainEvent, type IntegrationEventMapping } from '@shop/shared-kernel';
import type { UserEvent } from '../domain/user.events.js';

/**
 * What other contexts hear of the user context's domain events: the published language. The one
 * mapping of the context; every repository of the context saves through it (`AggregateRepository`).
 * A new domain event type does not compile until it has its case here.
 */
export const userIntegrationEvents: IntegrationEventMapping<UserEvent> = (event) => {
  switch (event.type) {
    case 'UserRegistered':
      return [
        eventOf(UserRegisteredV1, event.aggregateId, {
          userId: event.aggregateId,
          email: event.email,
          nickname: event.nickname,
          registeredAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'RoleGranted':
      // Roles travel inside access tokens; no other context keeps a copy.
      return [];
    default:
      return unmappedDomainEvent(event);
  }
};
