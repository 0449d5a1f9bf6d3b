import { trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { errorTypeOf, markSpanFailed, shopSpanAttributes } from '@shop/observability';
import { EVENTS_EXCHANGE, type PublishOutcome, type Transport } from '../transport/transport.js';

/**
 * Every span of the messaging backbone comes from this tracer. Looked up at each use (once per batch
 * or per write), never kept: a provider registered later (a test starting tracing again) would
 * otherwise be missed.
 */
export const messagingTracer = (): Tracer => trace.getTracer('@shop/messaging');

/**
 * The messaging semantic conventions' names (still "incubating" in @opentelemetry/semantic-conventions,
 * which advises copying them rather than importing the unstable entry point).
 */
const MessagingAttribute = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  consumerGroup: 'messaging.consumer.group.name',
} as const;

/** Ours, on the consumer's `process` spans. */
export const ShopAttribute = {
  handler: 'shop.handler',
  /** 1 for the first delivery, 2 for the first retry, … */
  attempt: 'shop.delivery.attempt',
  /** What became of a delivery: handled, duplicate, invalid, failed, timed_out, transient. */
  outcome: 'shop.message.outcome',
} as const;

export type MessageOutcome = 'handled' | 'duplicate' | 'invalid' | 'failed' | 'timed_out' | 'transient';

/** The three spans of a message's way: written to the outbox, published by the relay, handled by a subscriber. */
export type MessagingOperation = 'create' | 'send' | 'process';

export interface MessageSpanFacts {
  /** The event type: the routing key. */
  readonly type: string;
  /** The service whose work the span is (the producer for create/send, the subscriber for process). */
  readonly service: string;
  /** The transport that carries (or will carry) the message; left out when not known. */
  readonly transport?: Transport['kind'];
  /** Unknown only for a message too broken to have one (refused by its contract). */
  readonly messageId?: string;
  readonly correlationId?: string;
  /** `process` only: the subscriber's queue. */
  readonly consumerGroup?: string;
}

/** The attributes every messaging span starts with: the messaging conventions' and ours (`shopSpanAttributes`). */
export function messageSpanAttributes(operation: MessagingOperation, facts: MessageSpanFacts): Attributes {
  const attributes: Attributes = {
    ...shopSpanAttributes(facts.service, facts.correlationId),
    [MessagingAttribute.operationType]: operation,
    [MessagingAttribute.operationName]: operation,
    [MessagingAttribute.destinationName]: EVENTS_EXCHANGE,
    [MessagingAttribute.routingKey]: facts.type,
  };
  if (facts.transport) attributes[MessagingAttribute.system] = facts.transport === 'amqp' ? 'rabbitmq' : 'shop.memory';
  if (facts.messageId !== undefined) attributes[MessagingAttribute.messageId] = facts.messageId;
  if (facts.correlationId !== undefined) attributes[MessagingAttribute.conversationId] = facts.correlationId;
  if (facts.consumerGroup !== undefined) attributes[MessagingAttribute.consumerGroup] = facts.consumerGroup;
  return attributes;
}

/**
 * Ends a span with the error that ended its work, by the platform's one policy (`markSpanFailed`):
 * status ERROR and `error.type` (the error's code or class name), never its message or stack, which
 * may quote a row's values or a customer's data. The log line of the failure has the detail.
 */
export function endWithError(span: Span, error: unknown): void {
  markSpanFailed(span, errorTypeOf(error));
  span.end();
}

/** A publish's span ends at its confirm: as it is on success, ERROR on a nack, a return or a timeout. */
export function endWithOutcome(span: Span, outcome: PublishOutcome): void {
  if (outcome.ok) span.end();
  else endWithError(span, outcome.error);
}
