import { DomainError } from '@shop/shared-kernel';
import type { EventContract, EventEnvelope } from './envelope.js';
import { schemaCheck, type SchemaCheck, type SchemaProblem } from './schema-check.js';

/** A message that does not match its contract. Never retried: it can only fail the same way again. */
export class ContractViolationError extends DomainError {
  constructor(
    readonly eventType: string,
    readonly problems: readonly SchemaProblem[],
  ) {
    super('CONTRACT_VIOLATION', `'${eventType}' does not match its schema: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`, {
      eventType,
      problems,
    });
  }
}

/** The envelope every event travels in (its AMQP form: `EVENT_HEADERS`), as JSON Schema. */
export const eventEnvelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'occurredAt', 'source', 'aggregateId', 'correlationId', 'causationId', 'payload'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', minLength: 1, maxLength: 200 },
    occurredAt: { type: 'string', format: 'date-time' },
    source: { type: 'string', minLength: 1, maxLength: 100 },
    aggregateId: { type: 'string', minLength: 1, maxLength: 200 },
    correlationId: { type: 'string', minLength: 1, maxLength: 200 },
    causationId: { type: ['string', 'null'], maxLength: 200 },
    sequence: { type: 'integer', minimum: 1 },
    payload: {},
  },
} as const;

const envelopeShape = schemaCheck(eventEnvelopeSchema);

/**
 * Checks event payloads on publish and on receive against the contracts of their types (each schema
 * compiled once, by `schemaCheck`). Each service holds one registry with the contracts it speaks.
 */
export class EventSchemaRegistry {
  private readonly validators = new Map<string, SchemaCheck<unknown>>();

  constructor(contracts: Iterable<EventContract> = []) {
    for (const contract of contracts) this.register(contract);
  }

  register(contract: EventContract): this {
    if (this.validators.has(contract.type)) throw new Error(`event type '${contract.type}' is registered twice`);
    this.validators.set(contract.type, schemaCheck(contract.schema));
    return this;
  }

  has(type: string): boolean {
    return this.validators.has(type);
  }

  types(): string[] {
    return [...this.validators.keys()];
  }

  /** Throws ContractViolationError unless `payload` matches the schema of `type`. */
  validatePayload(type: string, payload: unknown): void {
    const check = this.validators.get(type);
    if (!check) throw new ContractViolationError(type, [{ path: '', message: 'is not a known event type' }]);
    const problems = check.problems(payload);
    if (problems.length > 0) throw new ContractViolationError(type, problems);
  }

  /** Checks the envelope fields and then the payload of an untrusted message. */
  validateEnvelope(candidate: unknown): asserts candidate is EventEnvelope {
    const problems = envelopeShape.problems(candidate);
    if (problems.length > 0) {
      const type = typeof (candidate as { type?: unknown })?.type === 'string' ? (candidate as { type: string }).type : '(unknown)';
      throw new ContractViolationError(type, problems);
    }
    const envelope = candidate as EventEnvelope;
    this.validatePayload(envelope.type, envelope.payload);
  }
}
