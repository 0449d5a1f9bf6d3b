import { CONTEXTS } from './contexts.js';
import type { EventContract } from './envelope.js';

/** Every integration event the platform publishes: each context's `events` (`CONTEXTS`). */
export const publishedLanguage: readonly EventContract[] = CONTEXTS.flatMap((context) => context.events);
