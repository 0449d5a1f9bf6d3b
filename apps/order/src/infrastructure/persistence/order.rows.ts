import { booleanOf, dialectOf, inList, numberOf, numberOrNull, type SqlDialect } from '@shop/persistence';
import type { OrderSnapshot } from '../../domain/order.js';
import type { OrderCancelReason, OrderStatus, RefundReason, ReservationStep } from '../../domain/order-status.js';

type Query = <R>(sql: string, parameters?: unknown[]) => Promise<R[]>;
type Bigint = string | number;

export const ORDER_COLUMNS =
  'order_id, user_id, status, subtotal, coupon_id, coupon_step, coupon_discount, points_to_use, points_step, payable, cancel_reason, ' +
  'reservation_due_at, payment_due_at, version, placed_at, updated_at';
export const LINE_COLUMNS = 'order_id, line_no, sku, name, quantity, unit_price, line_total';
export const HISTORY_COLUMNS = 'order_id, seq, status, reason, at';
export const PAYMENT_COLUMNS = 'payment_id, order_id, payment_no, amount, captured, refund_status, refund_reason, recorded_at, updated_at';

/** A row of `orders` as the drivers return it (PostgreSQL: BIGINT as a string). */
export interface OrderRow {
  order_id: string;
  user_id: string;
  status: string;
  subtotal: Bigint;
  coupon_id: string | null;
  coupon_step: string;
  coupon_discount: Bigint;
  points_to_use: Bigint;
  points_step: string;
  payable: Bigint | null;
  cancel_reason: string | null;
  reservation_due_at: Bigint | null;
  payment_due_at: Bigint | null;
  version: Bigint;
  placed_at: Bigint;
  updated_at: Bigint;
}

interface LineRow {
  order_id: string;
  line_no: number;
  sku: string;
  name: string;
  quantity: Bigint;
  unit_price: Bigint;
  line_total: Bigint;
}

interface HistoryRow {
  order_id: string;
  seq: number;
  status: string;
  reason: string | null;
  at: Bigint;
}

interface PaymentRow {
  payment_id: string;
  order_id: string;
  payment_no: number;
  amount: Bigint;
  captured: boolean | number;
  refund_status: string;
  refund_reason: string | null;
  recorded_at: Bigint;
  updated_at: Bigint;
}

const dateOrNull = (value: Bigint | null): Date | null => (value === null ? null : new Date(numberOf(value)));

/** Rows of one table for the given orders, grouped by order id, each group in its `order` column's order. */
async function childrenOf<R extends { order_id: string }>(
  query: Query,
  dialect: SqlDialect,
  table: string,
  columns: string,
  order: string,
  orderIds: readonly string[],
): Promise<Map<string, R[]>> {
  const rows = await query<R>(`SELECT ${columns} FROM ${table} WHERE order_id IN ${inList(dialect, orderIds.length)} ORDER BY order_id, ${order}`, [
    ...orderIds,
  ]);
  const byOrder = new Map<string, R[]>();
  for (const row of rows) byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), row]);
  return byOrder;
}

/**
 * The snapshots of the orders of `rows` (read before, by the caller's own condition), with their lines,
 * history and payments: three more statements whatever the number of orders. The parent rows are read
 * first: their children, written in the same transaction, are then at least as new (a history may show
 * a step that the status read just before does not, never the other way round).
 */
export async function snapshotsOf(query: Query, kind: SqlDialect['kind'], rows: readonly OrderRow[]): Promise<OrderSnapshot[]> {
  if (rows.length === 0) return [];
  const dialect = dialectOf(kind);
  const ids = rows.map((row) => row.order_id);
  const lines = await childrenOf<LineRow>(query, dialect, 'order_line', LINE_COLUMNS, 'line_no', ids);
  const history = await childrenOf<HistoryRow>(query, dialect, 'order_history', HISTORY_COLUMNS, 'seq', ids);
  const payments = await childrenOf<PaymentRow>(query, dialect, 'order_payment', PAYMENT_COLUMNS, 'payment_no', ids);
  return rows.map((row) => ({
    orderId: row.order_id,
    userId: row.user_id,
    // The columns' CHECKs admit only the values of the domain's lists.
    status: row.status as OrderStatus,
    lines: (lines.get(row.order_id) ?? []).map((line) => ({
      sku: line.sku,
      name: line.name,
      quantity: numberOf(line.quantity),
      unitPrice: numberOf(line.unit_price),
      lineTotal: numberOf(line.line_total),
    })),
    subtotal: numberOf(row.subtotal),
    couponId: row.coupon_id,
    couponStep: row.coupon_step as ReservationStep,
    couponDiscount: numberOf(row.coupon_discount),
    pointsToUse: numberOf(row.points_to_use),
    pointsStep: row.points_step as ReservationStep,
    payable: numberOrNull(row.payable),
    cancelReason: row.cancel_reason as OrderCancelReason | null,
    reservationDueAt: dateOrNull(row.reservation_due_at),
    paymentDueAt: dateOrNull(row.payment_due_at),
    payments: (payments.get(row.order_id) ?? []).map((payment) => ({
      paymentId: payment.payment_id,
      amount: numberOf(payment.amount),
      captured: booleanOf(payment.captured),
      refundStatus: payment.refund_status as 'NONE' | 'REQUESTED' | 'REFUNDED',
      refundReason: payment.refund_reason as RefundReason | null,
      recordedAt: new Date(numberOf(payment.recorded_at)),
      updatedAt: new Date(numberOf(payment.updated_at)),
    })),
    history: (history.get(row.order_id) ?? []).map((entry) => ({
      status: entry.status as OrderStatus,
      at: new Date(numberOf(entry.at)),
      reason: entry.reason,
    })),
    placedAt: new Date(numberOf(row.placed_at)),
    updatedAt: new Date(numberOf(row.updated_at)),
  }));
}

/** The values of `orders`' columns before `version` (the first 13 of `ORDER_COLUMNS`), in that order. */
export const orderValues = (state: OrderSnapshot): unknown[] => [
  state.orderId,
  state.userId,
  state.status,
  state.subtotal,
  state.couponId,
  state.couponStep,
  state.couponDiscount,
  state.pointsToUse,
  state.pointsStep,
  state.payable,
  state.cancelReason,
  state.reservationDueAt?.getTime() ?? null,
  state.paymentDueAt?.getTime() ?? null,
];
