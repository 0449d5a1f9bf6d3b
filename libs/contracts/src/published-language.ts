import type { EventContract } from './envelope.js';
import { UserRegisteredV1 } from './events/user.events.js';

/** Every integration event the platform publishes. A new event is added here and nowhere else. */
export const publishedLanguage: readonly EventContract[] = [UserRegisteredV1];
