/*
 * The rows of the coupon context's tables as the repositories and queries read and write them with
 * plain SQL (the tables are the migrations'; no ORM mapping declares them). The domain's aggregates
 * never see them: the mappers translate. Times are epoch milliseconds; a discount and a validity are
 * the JSON of their snapshot.
 */

export interface CouponTemplateRecord {
  id: string;
  name: string;
  /** JSON of the discount's snapshot (`{ kind, … }`). */
  discount: string;
  totalStock: number;
  /** Coupons issued so far: raised only by the conditional `issued < total_stock` update. */
  issued: number;
  perUserLimit: number;
  /** JSON of the validity's snapshot. */
  validity: string;
  claimStartsAt: number | null;
  claimEndsAt: number | null;
  grantOnRegister: boolean;
  status: string;
  createdAt: number;
  version: number;
}

export interface CouponRecord {
  id: string;
  templateId: string;
  userId: string;
  templateName: string;
  discount: string;
  validFrom: number;
  validUntil: number;
  status: string;
  orderId: string | null;
  /** `welcome:<templateId>:<userId>` for a welcome coupon (unique); null for a claimed one. */
  grantKey: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface CouponClaimCountRecord {
  templateId: string;
  userId: string;
  claimed: number;
}

export interface CouponReservationRecord {
  orderId: string;
  couponId: string | null;
  userId: string | null;
  status: string;
  /** Fen; null unless reserved. */
  discount: number | null;
  reason: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}
