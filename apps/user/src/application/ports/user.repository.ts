import type { Email } from '../../domain/email.js';
import type { User } from '../../domain/user.js';

/**
 * Where users live. Joins the transaction of the unit of work it is called in.
 *
 * E-mail addresses are unique without regard to letter case, and the store enforces it itself:
 * `save` throws `EmailTakenError` when another user holds the address, also when that user was
 * saved a moment ago by a concurrent transaction that a look-up could not yet see.
 */
export interface UserRepository {
  findById(id: string): Promise<User | null>;
  findByEmail(email: Email): Promise<User | null>;
  /**
   * Adds a new user or updates a known one, and writes the events it recorded to the outbox, in the
   * same transaction (`AggregateRepository`).
   */
  save(user: User): Promise<void>;
}
