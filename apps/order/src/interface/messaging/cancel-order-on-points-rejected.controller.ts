import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PointsReservationRejectedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordPointsReplyHandler } from '../../application/commands/record-points-reply/record-points-reply.handler.js';
import { logSagaReply } from './saga-reply.log.js';

/**
 * The saga's compensation for the points: an order whose points cannot be frozen is cancelled with the
 * reason `POINTS_<reason>` (POINTS_INSUFFICIENT_POINTS, …), and order.cancelled.v1 has the coupon
 * context release its lock. A rejection after the decision, or twice, changes nothing.
 */
@Controller()
export class CancelOrderOnPointsRejected {
  constructor(
    private readonly recordPointsReply: RecordPointsReplyHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(PointsReservationRejectedV1, 'cancel-order-on-points-rejected')
  async handle(@Payload() envelope: EventEnvelope<PointsReservationRejectedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const result = await this.recordPointsReply.execute({ orderId, reply: { kind: 'rejected', reason: payload.reason } });
    logSagaReply(this.logger, result, { orderId, points: payload.points, reason: payload.reason }, 'points reservation rejected');
  }
}
