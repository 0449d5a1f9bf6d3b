import { AsyncLocalStorage } from 'node:async_hooks';

export interface MessageContextValue {
  /** The request that started the chain. */
  readonly correlationId: string;
  /** The message or request that caused the work being done now. */
  readonly causationId: string | null;
}

const storage = new AsyncLocalStorage<MessageContextValue>();

/**
 * Carries the correlation and causation ids of the work in progress (an HTTP request, a message
 * being handled) to the events that work emits and to the log lines it writes.
 */
export const MessageContext = {
  run<T>(value: MessageContextValue, work: () => T): T {
    return storage.run(value, work);
  },
  current(): MessageContextValue | undefined {
    return storage.getStore();
  },
};
