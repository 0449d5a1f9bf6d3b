import type { OrderPlan } from './job.js';

/** The catalog the bench adds as the admin: prices 50–237 yuan, so that every order meets the coupon's minimum spend. */
export const PRODUCTS: ReadonlyArray<{ readonly sku: string; readonly name: string; readonly price: number }> = Array.from({ length: 12 }, (_, index) => ({
  sku: `SAGA-BENCH-${String(index + 1).padStart(2, '0')}`,
  name: `Saga bench product ${index + 1}`,
  price: 5_000 + index * 1_700,
}));

/** The coupon the customers who claim use: 10 yuan off from 50 yuan. */
export const COUPON_DISCOUNT = { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 } as const;

/** The most points one order asks for: with the sign-up bonus and what paid orders earn, never short. */
export const MAX_POINTS_PER_ORDER = 20;

/** What an order asks for besides its lines, by its place in the customer's sequence (and the customer's). */
type Kind = 'plain' | 'coupon' | 'points' | 'coupon+points';
const KINDS: readonly Kind[] = ['plain', 'coupon', 'points', 'coupon+points'];

/** A small deterministic generator (mulberry32): the same plans for the same sizes, run after run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface CustomerPlan {
  /** The customer claims one coupon per order of its that uses one (every other customer, from the first). */
  readonly coupons: number;
  /** Its orders, in the order it places them; `couponIndex` names which of its claimed coupons each uses. */
  readonly orders: ReadonlyArray<{ readonly items: OrderPlan['items']; readonly pointsToUse?: number; readonly couponIndex?: number }>;
}

/**
 * `orders` orders spread over `customers` customers (the first ones one more when they do not divide),
 * each of 1–3 distinct products, 1–2 of each. A quarter of each customer's orders ask for nothing else
 * (they await payment at once), a quarter for points, a quarter for a coupon, a quarter for both;
 * customers of odd index claim no coupon, so theirs ask for points or nothing.
 */
export function planOrders(customers: number, orders: number): CustomerPlan[] {
  const next = random(customers * 1_000_003 + orders);
  return Array.from({ length: customers }, (_, customer) => {
    const count = Math.floor(orders / customers) + (customer < orders % customers ? 1 : 0);
    const claims = customer % 2 === 0;
    let coupons = 0;
    const planned = Array.from({ length: count }, (_, index) => {
      const lines = 1 + Math.floor(next() * 3);
      const skus = [...PRODUCTS].sort(() => next() - 0.5).slice(0, lines);
      const items = skus.map(({ sku }) => ({ sku, quantity: 1 + Math.floor(next() * 2) }));
      const kind = KINDS[(customer + index) % KINDS.length]!;
      const withCoupon = claims && kind.startsWith('coupon');
      const withPoints = kind.endsWith('points');
      return {
        items,
        ...(withPoints ? { pointsToUse: 1 + Math.floor(next() * MAX_POINTS_PER_ORDER) } : {}),
        ...(withCoupon ? { couponIndex: coupons++ } : {}),
      };
    });
    return { coupons, orders: planned };
  });
}
