import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PointsReservedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordPointsReplyHandler } from '../../application/commands/record-points-reply/record-points-reply.handler.js';
import { logSagaReply } from './saga-reply.log.js';

/**
 * The saga's step 4 for the points: the points the order asked for are frozen for it. Once every
 * reservation it waits for is in, the order awaits payment (or is cancelled POINTS_EXCEED_PAYABLE when
 * the coupon's discount left less to pay than the points). A reply after the decision, or twice,
 * changes nothing: points frozen for a cancelled order are released by the points context.
 */
@Controller()
export class AdvanceCheckoutOnPointsReserved {
  constructor(
    private readonly recordPointsReply: RecordPointsReplyHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(PointsReservedV1, 'advance-checkout-on-points-reserved')
  async handle(@Payload() envelope: EventEnvelope<PointsReservedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const result = await this.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points: payload.points } });
    logSagaReply(this.logger, result, { orderId, points: payload.points }, 'points reserved');
  }
}
