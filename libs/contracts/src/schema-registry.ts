import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DomainError } from '@shop/shared-kernel';
import type { EventContract, EventEnvelope } from './envelope.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

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

const envelopeSchema = {
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

/**
 * Compiles every contract's schema once and validates payloads on publish and on receive. Each
 * service holds one registry with the contracts it speaks.
 */
export class EventSchemaRegistry {
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly validateEnvelopeShape: ValidateFunction;

  constructor(contracts: Iterable<EventContract> = []) {
    addFormats(this.ajv);
    this.validateEnvelopeShape = this.ajv.compile(envelopeSchema);
    for (const contract of contracts) this.register(contract);
  }

  register(contract: EventContract): this {
    if (this.validators.has(contract.type)) throw new Error(`event type '${contract.type}' is registered twice`);
    this.validators.set(contract.type, this.ajv.compile(contract.schema));
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
    const validate = this.validators.get(type);
    if (!validate) throw new ContractViolationError(type, [{ path: '', message: 'is not a known event type' }]);
    if (!validate(payload)) throw new ContractViolationError(type, problemsOf(validate));
  }

  /** Checks the envelope fields and then the payload of an untrusted message. */
  validateEnvelope(candidate: unknown): asserts candidate is EventEnvelope {
    if (!this.validateEnvelopeShape(candidate)) {
      const type = typeof (candidate as { type?: unknown })?.type === 'string' ? (candidate as { type: string }).type : '(unknown)';
      throw new ContractViolationError(type, problemsOf(this.validateEnvelopeShape));
    }
    const envelope = candidate as EventEnvelope;
    this.validatePayload(envelope.type, envelope.payload);
  }
}

const problemsOf = (validate: ValidateFunction): SchemaProblem[] =>
  (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
