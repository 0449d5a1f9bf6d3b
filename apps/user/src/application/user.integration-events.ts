import { UserRegisteredV1, eventOf } from '@shop/contracts';
import type { OutgoingEvent } from '@shop/shared-kernel';
import type { UserEvent } from '../domain/user.events.js';

/** What other contexts hear of the user context's domain events: the published language. */
export function integrationEventsOf(events: readonly UserEvent[]): OutgoingEvent[] {
  return events.flatMap((event): OutgoingEvent[] => {
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
    }
  });
}
