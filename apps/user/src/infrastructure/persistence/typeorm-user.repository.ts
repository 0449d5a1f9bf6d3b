import { TransactionHost, isUniqueViolationOf } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import type { Repository } from 'typeorm';
import type { UserRepository } from '../../application/ports/user.repository.js';
import { userIntegrationEvents } from '../../application/user.integration-events.js';
import type { Email } from '../../domain/email.js';
import type { User } from '../../domain/user.js';
import { EmailTakenError } from '../../domain/user.errors.js';
import { USERS_EMAIL_INDEX, UserEntitySchema, type UserRecord } from './user.entity-schema.js';
import { UserMapper } from './user.mapper.js';

const MUTABLE_COLUMNS = ['email', 'nickname', 'password_hash', 'roles'];

const USER_COLUMNS = 'id, email, nickname, password_hash, roles, registered_at';
const SELECT_BY_ID_POSTGRES = `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`;
const SELECT_BY_ID_SQLITE = `SELECT ${USER_COLUMNS} FROM users WHERE id = ?`;

/** A row of `users` as the drivers return it (PostgreSQL hands BIGINT back as a string). */
interface UserRow {
  id: string;
  email: string;
  nickname: string | null;
  password_hash: string;
  roles: string;
  registered_at: string | number;
}

const recordOf = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  nickname: row.nickname,
  passwordHash: row.password_hash,
  roles: row.roles,
  registeredAt: Number(row.registered_at),
});

/**
 * Users in the service's own database, through the current transaction's EntityManager, so every
 * call joins the unit of work of the use case that makes it. Saving a user writes its events to the
 * outbox in the same transaction (`AggregateRepository`). Outside a transaction (log-in, GET /me) the
 * finds go through `TransactionHost.read`: on SQLite's one connection they would otherwise see another
 * request's uncommitted registration, one that may yet roll back.
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
    // One plain SELECT instead of findOneBy: TypeORM's query builder (building the SQL, aliasing,
    // hydrating the entity) cost more CPU than the database call on GET /me, the hottest read.
    const sql = this.transactions.kind === 'postgres' ? SELECT_BY_ID_POSTGRES : SELECT_BY_ID_SQLITE;
    const rows = (await this.transactions.read(() => this.transactions.manager.query(sql, [id.toLowerCase()]))) as UserRow[];
    return rows.length > 0 ? this.tracked(UserMapper.toDomain(recordOf(rows[0]!))) : null;
  }

  async findByEmail(email: Email): Promise<User | null> {
    const record = await this.transactions.read(() =>
      this.rows().createQueryBuilder('u').where('lower(u.email) = :email', { email: email.normalized }).getOne(),
    );
    return record ? this.tracked(UserMapper.toDomain(record)) : null;
  }

  protected async persist(user: User): Promise<void> {
    try {
      await this.rows().createQueryBuilder().insert().values(UserMapper.toRecord(user)).orUpdate(MUTABLE_COLUMNS, ['id']).execute();
    } catch (error) {
      if (isUniqueViolationOf(error, { index: USERS_EMAIL_INDEX })) throw new EmailTakenError(user.email.value);
      throw error;
    }
  }

  private rows(): Repository<UserRecord> {
    return this.transactions.manager.getRepository(UserEntitySchema);
  }
}
