import type { AdminCouponTemplate, ClaimableCouponTemplate, CouponStatus, Discount, MyCoupon, Validity } from '@shop/contracts';
import { dialectOf, type TransactionHost, numberOf, rowsOf } from '@shop/persistence';
import { isUuid } from '@shop/shared-kernel';
import type { CouponQueries } from '../../application/ports/coupon.queries.js';
import { Validity as DomainValidity, type ValiditySnapshot } from '../../domain/validity.js';
import { COUPON_COLUMNS, couponRecordOf, type CouponRow } from './typeorm-coupon.repository.js';
import { TEMPLATE_COLUMNS, templateRecordOf, type CouponTemplateRow } from './typeorm-coupon-template.repository.js';

const iso = (millis: number): string => new Date(millis).toISOString();
const isoOrNull = (millis: number | null): string | null => (millis === null ? null : iso(millis));
// The stored discount and validity are the domain's snapshots, which have the answers' shapes.
const discountOf = (json: string): Discount => JSON.parse(json) as Discount;
const validityOf = (json: string): Validity => JSON.parse(json) as Validity;

/**
 * The read side, straight from the tables into the HTTP contract's shapes: no aggregate is loaded, no
 * transaction opened (each answer is one statement, consistent by itself). Through
 * `TransactionHost.read`, so that on SQLite's one connection an answer never shows a transaction's
 * uncommitted writes.
 */
export class SqlCouponQueries implements CouponQueries {
  constructor(private readonly transactions: TransactionHost) {}

  async listTemplatesWithCounts(): Promise<AdminCouponTemplate[]> {
    // `used` counted per template on the (template_id, status) index.
    const rows = await this.query<CouponTemplateRow & { used: string | number }>(
      `SELECT ${prefixed('t', TEMPLATE_COLUMNS)},
         (SELECT COUNT(*) FROM coupon c WHERE c.template_id = t.id AND c.status = 'USED') AS used
       FROM coupon_template t
       ORDER BY t.created_at DESC, t.id DESC`,
    );
    return rows.map((row) => {
      const template = templateRecordOf(row);
      return {
        templateId: template.id,
        name: template.name,
        discount: discountOf(template.discount),
        totalStock: template.totalStock,
        perUserLimit: template.perUserLimit,
        validity: validityOf(template.validity),
        claimStartsAt: isoOrNull(template.claimStartsAt),
        claimEndsAt: isoOrNull(template.claimEndsAt),
        grantOnRegister: template.grantOnRegister,
        status: template.status as AdminCouponTemplate['status'],
        remainingStock: Math.max(0, template.totalStock - template.issued),
        createdAt: iso(template.createdAt),
        issued: template.issued,
        used: numberOf(row.used),
      };
    });
  }

  async listClaimable(now: Date): Promise<ClaimableCouponTemplate[]> {
    const { param } = this.dialect();
    const at = now.getTime();
    // Welcome campaigns (grant_on_register) are granted on registration only, never claimed.
    const rows = await this.query<CouponTemplateRow>(
      `SELECT ${TEMPLATE_COLUMNS} FROM coupon_template
       WHERE status = 'ACTIVE' AND issued < total_stock AND grant_on_register = FALSE
         AND (claim_starts_at IS NULL OR claim_starts_at <= ${param(1)})
         AND (claim_ends_at IS NULL OR claim_ends_at > ${param(2)})
       ORDER BY created_at DESC, id DESC`,
      [at, at],
    );
    return (
      rows
        .map(templateRecordOf)
        // A fixed validity that has ended: lives in the validity's JSON, so it is the domain's to say.
        .filter((template) => !DomainValidity.fromSnapshot(JSON.parse(template.validity) as ValiditySnapshot).endsBy(now))
        .map((template) => ({
          templateId: template.id,
          name: template.name,
          discount: discountOf(template.discount),
          perUserLimit: template.perUserLimit,
          validity: validityOf(template.validity),
          claimEndsAt: isoOrNull(template.claimEndsAt),
          remainingStock: Math.max(0, template.totalStock - template.issued),
        }))
    );
  }

  async listOwnedBy(userId: string, status: CouponStatus | undefined, limit: number, now: Date): Promise<MyCoupon[]> {
    if (!isUuid(userId)) return [];
    const { param } = this.dialect();
    const at = now.getTime();
    const parameters: unknown[] = [userId.toLowerCase()];
    // A coupon stored AVAILABLE past its end (not yet moved by the expiry job) is EXPIRED to its owner.
    const byStatus =
      status === undefined
        ? ''
        : status === 'AVAILABLE'
          ? ` AND status = 'AVAILABLE' AND valid_until > ${param(parameters.push(at))}`
          : status === 'EXPIRED'
            ? ` AND (status = 'EXPIRED' OR (status = 'AVAILABLE' AND valid_until <= ${param(parameters.push(at))}))`
            : ` AND status = ${param(parameters.push(status))}`;
    const rows = await this.query<CouponRow>(
      `SELECT ${COUPON_COLUMNS} FROM coupon WHERE user_id = ${param(1)}${byStatus} ORDER BY created_at DESC, id DESC LIMIT ${param(parameters.push(limit))}`,
      parameters,
    );
    return rows.map(couponRecordOf).map((coupon) => ({
      couponId: coupon.id,
      templateId: coupon.templateId,
      name: coupon.templateName,
      discount: discountOf(coupon.discount),
      status: (coupon.status === 'AVAILABLE' && coupon.validUntil <= at ? 'EXPIRED' : coupon.status) as CouponStatus,
      validFrom: iso(coupon.validFrom),
      validUntil: iso(coupon.validUntil),
      orderId: coupon.orderId,
    }));
  }

  private dialect() {
    return dialectOf(this.transactions.kind);
  }

  private async query<R>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.read(() => this.transactions.manager.query(sql, parameters)));
  }
}

/** `a, b` → `t.a, t.b`. */
const prefixed = (alias: string, columns: string): string =>
  columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
