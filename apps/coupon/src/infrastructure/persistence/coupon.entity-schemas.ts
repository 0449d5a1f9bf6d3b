import { EntitySchema, type ValueTransformer } from 'typeorm';

/*
 * The rows of the coupon context's tables, as TypeORM reads and writes them (created by the
 * migrations, never synchronised from here). The domain's aggregates never see them: the mappers
 * translate. Times are epoch milliseconds; a discount and a validity are the JSON of their snapshot.
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

/** The PostgreSQL driver hands BIGINT back as a string. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
const millis = (name: string, nullable = false) => ({ name, type: 'bigint' as const, nullable, transformer: bigintAsNumber });
// UUID on PostgreSQL; declared as varchar here because SQLite has no such type.
const uuid = (name: string, nullable = false) => ({ name, type: 'varchar' as const, length: 36, nullable });

export const CouponTemplateEntitySchema = new EntitySchema<CouponTemplateRecord>({
  name: 'CouponTemplateRecord',
  tableName: 'coupon_template',
  columns: {
    id: { ...uuid('id'), primary: true },
    name: { type: 'varchar', length: 100 },
    discount: { type: 'text' },
    totalStock: { name: 'total_stock', type: 'integer' },
    issued: { type: 'integer' },
    perUserLimit: { name: 'per_user_limit', type: 'integer' },
    validity: { type: 'text' },
    claimStartsAt: millis('claim_starts_at', true),
    claimEndsAt: millis('claim_ends_at', true),
    grantOnRegister: { name: 'grant_on_register', type: 'boolean' },
    status: { type: 'varchar', length: 16 },
    createdAt: millis('created_at'),
    version: { type: 'integer' },
  },
});

export const CouponEntitySchema = new EntitySchema<CouponRecord>({
  name: 'CouponRecord',
  tableName: 'coupon',
  columns: {
    id: { ...uuid('id'), primary: true },
    templateId: uuid('template_id'),
    userId: uuid('user_id'),
    templateName: { name: 'template_name', type: 'varchar', length: 100 },
    discount: { type: 'text' },
    validFrom: millis('valid_from'),
    validUntil: millis('valid_until'),
    status: { type: 'varchar', length: 16 },
    orderId: uuid('order_id', true),
    grantKey: { name: 'grant_key', type: 'varchar', length: 200, nullable: true },
    version: { type: 'integer' },
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
  },
});

export const CouponClaimCountEntitySchema = new EntitySchema<CouponClaimCountRecord>({
  name: 'CouponClaimCountRecord',
  tableName: 'coupon_claim_count',
  columns: {
    templateId: { ...uuid('template_id'), primary: true },
    userId: { ...uuid('user_id'), primary: true },
    claimed: { type: 'integer' },
  },
});

export const CouponReservationEntitySchema = new EntitySchema<CouponReservationRecord>({
  name: 'CouponReservationRecord',
  tableName: 'coupon_reservation',
  columns: {
    orderId: { ...uuid('order_id'), primary: true },
    couponId: uuid('coupon_id', true),
    userId: uuid('user_id', true),
    status: { type: 'varchar', length: 20 },
    discount: { type: 'bigint', nullable: true, transformer: bigintAsNumber },
    reason: { type: 'varchar', length: 64, nullable: true },
    version: { type: 'integer' },
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
  },
});

/** The entities of the coupon context, for `openDataSource({ entities })`. */
export const couponEntities = [CouponTemplateEntitySchema, CouponEntitySchema, CouponClaimCountEntitySchema, CouponReservationEntitySchema];
