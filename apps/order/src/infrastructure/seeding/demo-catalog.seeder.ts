import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { SeedDemoCatalogHandler } from '../../application/commands/seed-demo-catalog/seed-demo-catalog.handler.js';
import { ORDER_CONFIG, type OrderConfig } from '../order.config.js';

/**
 * With `ORDER_DEMO_CATALOG` on (the embedded platform's default), seeds the demo catalog before the
 * service takes requests, on the service's first start only: the seed's claim is kept in the database,
 * so a product an admin has since changed or deactivated is never put back by a restart.
 */
@Injectable()
export class DemoCatalogSeeder implements OnApplicationBootstrap {
  constructor(
    private readonly seedDemoCatalog: SeedDemoCatalogHandler,
    @Inject(ORDER_CONFIG) private readonly config: OrderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoCatalog) return;
    const { seeded, products } = await this.seedDemoCatalog.execute();
    if (seeded) this.logger.info({ products }, 'demo catalog seeded (first start with ORDER_DEMO_CATALOG)');
    else this.logger.info('demo catalog already seeded once: left as it is');
  }
}
