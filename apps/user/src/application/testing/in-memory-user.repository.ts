import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import type { Email } from '../../domain/email.js';
import { User, type UserSnapshot } from '../../domain/user.js';
import { EmailTakenError } from '../../domain/user.errors.js';
import type { UserRepository } from '../ports/user.repository.js';
import { userIntegrationEvents } from '../user.integration-events.js';

/**
 * Users in memory, saved as the real repository saves them (`AggregateRepository`: the events go to
 * the outbox it is given); stores snapshots, so a test never shares an instance with the "database".
 */
export class InMemoryUserRepository extends InMemoryAggregateRepository<User, UserSnapshot> implements UserRepository {
  /** Runs before each save: lets a test slip in what a concurrent transaction would do. */
  beforeSave: (() => Promise<void> | void) | undefined;
  saves = 0;

  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, userIntegrationEvents, { toRow: (user) => user.toSnapshot(), fromRow: (row) => User.restore(row) });
  }

  async findByEmail(email: Email): Promise<User | null> {
    const row = [...this.rows.values()].find((candidate) => candidate.email.equals(email));
    return row ? this.tracked(User.restore(row)) : null;
  }

  /** The store's unique index on the e-mail address, as the real one enforces it. */
  protected override async persist(user: User): Promise<void> {
    await this.beforeSave?.();
    const holder = [...this.rows.values()].find((row) => row.email.equals(user.email));
    if (holder && holder.id !== user.id) throw new EmailTakenError(user.email.value);
    await super.persist(user);
    this.saves += 1;
  }
}
