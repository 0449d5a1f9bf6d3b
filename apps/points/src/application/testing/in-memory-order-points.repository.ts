import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { OrderPoints, type OrderPointsSnapshot } from '../../domain/order-points.js';
import { pointsIntegrationEvents } from '../points.integration-events.js';
import type { OrderPointsRepository } from '../ports/order-points.repository.js';

/** Each order's points in memory, one per order id; the unit of work's one-at-a-time transactions stand in for the row lock. */
export class InMemoryOrderPointsRepository extends InMemoryAggregateRepository<OrderPoints, OrderPointsSnapshot> implements OrderPointsRepository {
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, pointsIntegrationEvents, { toRow: (order) => order.toSnapshot(), fromRow: (row) => OrderPoints.restore(row) });
  }

  async findForUpdate(orderId: string): Promise<OrderPoints | null> {
    return this.findById(orderId.toLowerCase());
  }
}
