import { dialectOf, type TransactionHost, StoredVersions, StaleAggregateError, booleanOf, numberOf, numberOrNull, rowsOf } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { couponIntegrationEvents } from '../../application/coupon.integration-events.js';
import type { CouponTemplateRepository } from '../../application/ports/coupon-template.repository.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';
import { discountKinds, type DiscountKinds } from '../../domain/discount/discount-kinds.js';
import type { CouponTemplateRecord } from './coupon.records.js';
import { CouponTemplateMapper } from './coupon.mappers.js';

export const TEMPLATE_COLUMNS =
  'id, name, discount, total_stock, issued, per_user_limit, validity, claim_starts_at, claim_ends_at, grant_on_register, status, created_at, version';

/** A row of `coupon_template` as the drivers return it. */
export interface CouponTemplateRow {
  id: string;
  name: string;
  discount: string;
  total_stock: number;
  issued: number;
  per_user_limit: number;
  validity: string;
  claim_starts_at: string | number | null;
  claim_ends_at: string | number | null;
  grant_on_register: boolean | number;
  status: string;
  created_at: string | number;
  version: number;
}

export const templateRecordOf = (row: CouponTemplateRow): CouponTemplateRecord => ({
  id: row.id,
  name: row.name,
  discount: row.discount,
  totalStock: numberOf(row.total_stock),
  issued: numberOf(row.issued),
  perUserLimit: numberOf(row.per_user_limit),
  validity: row.validity,
  claimStartsAt: numberOrNull(row.claim_starts_at),
  claimEndsAt: numberOrNull(row.claim_ends_at),
  grantOnRegister: booleanOf(row.grant_on_register),
  status: row.status,
  createdAt: numberOf(row.created_at),
  version: numberOf(row.version),
});

/**
 * Campaigns in the service's own database, through the current transaction (`TransactionHost`), so
 * every call joins the use case's unit of work; a save writes the template's events to the outbox in
 * the same transaction (`AggregateRepository`). The `issued` counter is written once, at insert: it
 * moves afterwards only through `CouponRepository.issue`'s conditional increment, so pausing a
 * campaign during a flash sale can never put back a stale count.
 */
export class TypeOrmCouponTemplateRepository extends AggregateRepository<CouponTemplate> implements CouponTemplateRepository {
  private readonly versions: StoredVersions<CouponTemplate>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
    private readonly kinds: DiscountKinds = discountKinds,
  ) {
    super(transactions, outbox, couponIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  async findById(id: string): Promise<CouponTemplate | null> {
    return this.load(id, false);
  }

  async findByIdForUpdate(id: string): Promise<CouponTemplate | null> {
    return this.load(id, true);
  }

  async findActiveGrantOnRegister(): Promise<CouponTemplate[]> {
    // Always in the same order: a welcome grant locks the rows of several templates in one transaction,
    // and two grants taking them in the same order cannot deadlock each other.
    const rows = await this.query<CouponTemplateRow>(
      `SELECT ${TEMPLATE_COLUMNS} FROM coupon_template WHERE grant_on_register = TRUE AND status = 'ACTIVE' ORDER BY created_at, id`,
    );
    return rows.map((row) => this.tracked(CouponTemplateMapper.toDomain(templateRecordOf(row), this.kinds)));
  }

  /**
   * Insert, or update of a known template at the version it was loaded at (else `StaleAggregateError`),
   * in one upsert. Never writes `issued` nor `total_stock` of a stored template.
   */
  protected async persist(template: CouponTemplate): Promise<void> {
    const { param } = this.dialect();
    const record = CouponTemplateMapper.toRecord(template);
    const expected = this.versions.of(template) ?? template.version;
    const rows = await this.query<{ version: number }>(
      `INSERT INTO coupon_template (${TEMPLATE_COLUMNS})
       VALUES (${Array.from({ length: 13 }, (_, i) => param(i + 1)).join(', ')})
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, discount = excluded.discount, per_user_limit = excluded.per_user_limit, validity = excluded.validity,
         claim_starts_at = excluded.claim_starts_at, claim_ends_at = excluded.claim_ends_at, grant_on_register = excluded.grant_on_register,
         status = excluded.status, version = coupon_template.version + 1
       WHERE coupon_template.version = excluded.version
       RETURNING version`,
      [
        record.id,
        record.name,
        record.discount,
        record.totalStock,
        record.issued,
        record.perUserLimit,
        record.validity,
        record.claimStartsAt,
        record.claimEndsAt,
        record.grantOnRegister,
        record.status,
        record.createdAt,
        expected,
      ],
    );
    if (rows.length === 0) throw new StaleAggregateError('coupon_template', template.id, expected);
    this.versions.record(template, numberOf(rows[0]!.version));
  }

  private async load(id: string, forUpdate: boolean): Promise<CouponTemplate | null> {
    // PostgreSQL refuses to compare a UUID column with anything else; such an id exists nowhere.
    if (!isUuid(id)) return null;
    const { param, kind } = this.dialect();
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = forUpdate && kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<CouponTemplateRow>(`SELECT ${TEMPLATE_COLUMNS} FROM coupon_template WHERE id = ${param(1)}${lock}`, [id.toLowerCase()]);
    return row ? this.tracked(CouponTemplateMapper.toDomain(templateRecordOf(row), this.kinds)) : null;
  }

  private dialect() {
    return dialectOf(this.transactions.kind);
  }

  private async query<R>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
