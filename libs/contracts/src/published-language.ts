import { AWAITED_EVENTS } from './awaited-events.js';
import { CONTEXTS } from './contexts.js';
import type { EventContract } from './envelope.js';

/**
 * Every integration event of the platform: each context's `events` (`CONTEXTS`), then the events
 * awaited from a context not registered yet (`AWAITED_EVENTS`), which no one publishes yet.
 */
export const publishedLanguage: readonly EventContract[] = Object.freeze([...CONTEXTS.flatMap((context) => context.events), ...AWAITED_EVENTS]);
