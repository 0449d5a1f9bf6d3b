import { CreatePointsTables1737000000000 } from './1737000000000-create-points-tables.js';

/** The points context's own migrations, in order; `contextModule` runs them after the platform's (messaging, scheduler). */
export const pointsMigrations = [CreatePointsTables1737000000000];
