import { WakeSignal } from '../wake-signal.js';

/** In-process wake-up for the relay: fired after a transaction that wrote outbox rows commits. */
export class OutboxSignal extends WakeSignal {}
