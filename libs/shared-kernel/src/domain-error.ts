/**
 * An expected failure of the business rules. `code` is stable (clients and the HTTP mapping key on
 * it); the message is for people and may change.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value object or command was given a value it cannot hold. */
export class InvalidValueError extends DomainError {
  constructor(field: string, message: string) {
    super('INVALID_VALUE', `${field}: ${message}`, { field });
  }
}
