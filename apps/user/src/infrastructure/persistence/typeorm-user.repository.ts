import { TransactionHost } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import type { Repository } from 'typeorm';
import type { UserRepository } from '../../application/ports/user.repository.js';
import { userIntegrationEvents } from '../../application/user.integration-events.js';
import type { Email } from '../../domain/email.js';
import type { User } from '../../domain/user.js';
import { EmailTakenError } from '../../domain/user.errors.js';
import { isUniqueViolationOf } from './unique-violation.js';
import { USERS_EMAIL_INDEX, UserEntitySchema, type UserRecord } from './user.entity-schema.js';
import { UserMapper } from './user.mapper.js';

const MUTABLE_COLUMNS = ['email', 'nickname', 'password_hash', 'roles'];

/**
 * Users in the service's own database, through the current transaction's EntityManager, so every
 * call joins the unit of work of the use case that makes it. Saving a user writes its events to the
 * outbox in the same transaction (`AggregateRepository`).
 */
export class TypeOrmUserRepository extends AggregateRepository<User> implements UserRepository {
  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, userIntegrationEvents);
  }

  async findById(id: string): Promise<User | null> {
    // PostgreSQL refuses to compare a UUID column with anything else; such an id exists nowhere.
    if (!isUuid(id)) return null;
    const record = await this.rows().findOneBy({ id: id.toLowerCase() });
    return record ? this.tracked(UserMapper.toDomain(record)) : null;
  }

  async findByEmail(email: Email): Promise<User | null> {
    const record = await this.rows().createQueryBuilder('u').where('lower(u.email) = :email', { email: email.normalized }).getOne();
    return record ? this.tracked(UserMapper.toDomain(record)) : null;
  }

  protected async persist(user: User): Promise<void> {
    try {
      await this.rows().createQueryBuilder().insert().values(UserMapper.toRecord(user)).orUpdate(MUTABLE_COLUMNS, ['id']).execute();
    } catch (error) {
      if (isUniqueViolationOf(error, USERS_EMAIL_INDEX)) throw new EmailTakenError(user.email.value);
      throw error;
    }
  }

  private rows(): Repository<UserRecord> {
    return this.transactions.manager.getRepository(UserEntitySchema);
  }
}
