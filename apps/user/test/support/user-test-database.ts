import { platformMigrations } from '@shop/runtime';
import { serviceTestOutbox } from '@shop/runtime/testing';
import { TransactionHost, databaseNameOf, openDataSource, type DatabaseKind } from '@shop/persistence';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';
import { systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { LogInHandler } from '../../src/application/commands/log-in/log-in.handler.js';
import { RegisterUserHandler } from '../../src/application/commands/register-user/register-user.handler.js';
import { SeedAdminHandler } from '../../src/application/commands/seed-admin/seed-admin.handler.js';
import type { UserRepository } from '../../src/application/ports/user.repository.js';
import { userMigrations } from '../../src/infrastructure/migrations/index.js';
import { userEntities } from '../../src/infrastructure/persistence/user.entity-schema.js';
import { TypeOrmUserRepository } from '../../src/infrastructure/persistence/typeorm-user.repository.js';
import { Argon2PasswordHasher, TEST_ARGON2ID_COST } from '../../src/infrastructure/security/argon2-password.hasher.js';
import { JoseAccessTokenIssuer } from '../../src/infrastructure/security/jose-access-token.issuer.js';

export const KINDS: readonly DatabaseKind[] = ['postgres', 'sqlite'];
export const TEST_JWT_SECRET = 'integration-test-secret-at-least-32-bytes';

export interface UserDatabase {
  readonly kind: DatabaseKind;
  readonly service: string;
  readonly transactions: TransactionHost;
  /** Another instance of the service on the same database (PostgreSQL only: SQLite is one process's file). */
  openAnotherInstance(): Promise<TransactionHost>;
}

/** A fresh database of the user service with its migrations applied, the platform's (messaging only: no jobs, no `Idempotency-Key`) and its own. */
export async function openUserDatabase(kind: DatabaseKind, cleanups: Cleanups): Promise<UserDatabase> {
  const service = uniqueServiceName('user');
  const open = async () => {
    const dataSource = await openDataSource({
      service,
      ...(kind === 'postgres' ? { postgresUrl: TEST_POSTGRES_URL, poolSize: 6 } : { sqliteDir: ':memory:' }),
      entities: userEntities,
      migrations: [...platformMigrations({ scheduler: false, idempotency: false }), ...userMigrations],
    });
    cleanups.add(() => dataSource.destroy());
    return new TransactionHost(dataSource);
  };
  if (kind === 'postgres') cleanups.add(() => dropDatabase(databaseNameOf(service)));
  const transactions = await open();
  return {
    kind,
    service,
    transactions,
    openAnotherInstance: () => {
      if (kind !== 'postgres') throw new Error('only PostgreSQL is shared between instances');
      return open();
    },
  };
}

export interface UserServiceParts {
  readonly users?: UserRepository;
  readonly outbox?: EventOutbox;
  readonly clock?: Clock;
}

/** The real repository, saving through the given outbox (the real one by default). */
export function userRepository(transactions: TransactionHost, outbox: EventOutbox = serviceTestOutbox('user', transactions)): TypeOrmUserRepository {
  return new TypeOrmUserRepository(transactions, outbox);
}

/** The user context's use cases on the real adapters, as the composition root will wire them. */
export function userService(transactions: TransactionHost, parts: UserServiceParts = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('user', transactions);
  const users = parts.users ?? userRepository(transactions, outbox);
  const hasher = new Argon2PasswordHasher(TEST_ARGON2ID_COST);
  const clock = parts.clock ?? systemClock;
  return {
    users,
    outbox,
    register: new RegisterUserHandler(transactions, users, hasher, clock),
    logIn: new LogInHandler(users, hasher, new JoseAccessTokenIssuer({ secret: TEST_JWT_SECRET, expiresInSeconds: 600 }, clock)),
    seedAdmin: new SeedAdminHandler(transactions, users, hasher, clock),
  };
}

export { outboxRows, type OutboxRow } from '@shop/testing';

export async function countUsers(transactions: TransactionHost): Promise<number> {
  const [row] = (await transactions.dataSource.query(`SELECT COUNT(*) AS n FROM users`)) as Array<{ n: string | number }>;
  return Number(row?.n ?? 0);
}
