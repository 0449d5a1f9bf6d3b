import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type Provider, type Type } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { EVENT_OUTBOX, systemClock, type EventOutbox } from '@shop/shared-kernel';
import { LogInHandler } from './application/commands/log-in/log-in.handler.js';
import { RegisterUserHandler } from './application/commands/register-user/register-user.handler.js';
import { SeedAdminHandler } from './application/commands/seed-admin/seed-admin.handler.js';
import { GetProfileHandler } from './application/queries/get-profile/get-profile.handler.js';
import { ACCESS_TOKEN_ISSUER, PASSWORD_HASHER, USER_CLOCK, USER_REPOSITORY } from './application/user.di-tokens.js';
import { AdminEmailHeldByCustomerError } from './domain/user.errors.js';
import { userMigrations } from './infrastructure/migrations/index.js';
import { TypeOrmUserRepository } from './infrastructure/persistence/typeorm-user.repository.js';
import { userEntities } from './infrastructure/persistence/user.entity-schema.js';
import { Argon2PasswordHasher } from './infrastructure/security/argon2-password.hasher.js';
import { JoseAccessTokenIssuer } from './infrastructure/security/jose-access-token.issuer.js';
import type { UserConfig } from './infrastructure/user.config.js';
import { AuthController } from './interface/http/auth.controller.js';
import { MeController } from './interface/http/me.controller.js';

const USER_CONFIG = Symbol.for('shop.user.Config');

/** Makes sure of the configured administrator before the service takes requests. */
@Injectable()
class SeedAdminOnBootstrap implements OnApplicationBootstrap {
  constructor(
    private readonly seedAdmin: SeedAdminHandler,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Throws (the start fails) when the address belongs to an account that is not an admin: see SeedAdminHandler. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.admin) return;
    const seeded = await this.seedAdmin.execute(this.config.admin).catch((error: unknown) => {
      if (!(error instanceof AdminEmailHeldByCustomerError)) throw error;
      throw new Error(
        `SHOP_ADMIN_EMAIL refused: ${error.message}; not starting: grant that account the admin role yourself if it is yours, or configure another address`,
        { cause: error },
      );
    });
    this.logger.info(
      { userId: seeded.userId, outcome: seeded.outcome },
      seeded.outcome === 'created' ? 'administrator account created' : 'administrator account already present',
    );
  }
}

const httpControllers: Type[] = [AuthController, MeController];
const commandHandlers: Provider[] = [RegisterUserHandler, LogInHandler, SeedAdminHandler];
const queryHandlers: Provider[] = [GetProfileHandler];

const adapters = (config: UserConfig): Provider[] => [
  {
    provide: USER_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmUserRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
  { provide: PASSWORD_HASHER, useValue: new Argon2PasswordHasher() },
  { provide: ACCESS_TOKEN_ISSUER, useValue: new JoseAccessTokenIssuer(config.accessTokens, systemClock) },
  { provide: USER_CLOCK, useValue: systemClock },
];

const lifecycle: Provider[] = [SeedAdminOnBootstrap];

/** The composition root of the user context: the only place that wires its layers together. */
@Module({})
export class UserModule {
  static forRoot(runtime: ServiceRuntime, config: UserConfig): DynamicModule {
    return contextModule(UserModule, runtime, {
      entities: userEntities,
      migrations: userMigrations,
      controllers: httpControllers,
      providers: [{ provide: USER_CONFIG, useValue: config }, ...adapters(config), ...commandHandlers, ...queryHandlers, ...lifecycle],
    });
  }
}
