import { dialectOf, type TransactionHost, StoredVersions, StaleAggregateError, numberOf, rowsOf } from '@shop/persistence';
import { AggregateRepository, isUuid, systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { couponIntegrationEvents } from '../../application/coupon.integration-events.js';
import { RefusedIssueCommitError, type CouponRepository, type IssueOptions, type IssueOutcome } from '../../application/ports/coupon.repository.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';
import type { Coupon } from '../../domain/coupon.js';
import { discountKinds, type DiscountKinds } from '../../domain/discount/discount-kinds.js';
import type { CouponRecord } from './coupon.records.js';
import { CouponMapper } from './coupon.mappers.js';

export const COUPON_COLUMNS =
  'id, template_id, user_id, template_name, discount, valid_from, valid_until, status, order_id, grant_key, version, created_at, updated_at';

/** A row of `coupon` as the drivers return it. */
export interface CouponRow {
  id: string;
  template_id: string;
  user_id: string;
  template_name: string;
  discount: string;
  valid_from: string | number;
  valid_until: string | number;
  status: string;
  order_id: string | null;
  grant_key: string | null;
  version: number;
  created_at: string | number;
  updated_at: string | number;
}

export const couponRecordOf = (row: CouponRow): CouponRecord => ({
  id: row.id,
  templateId: row.template_id,
  userId: row.user_id,
  templateName: row.template_name,
  discount: row.discount,
  validFrom: numberOf(row.valid_from),
  validUntil: numberOf(row.valid_until),
  status: row.status,
  orderId: row.order_id,
  grantKey: row.grant_key,
  version: numberOf(row.version),
  createdAt: numberOf(row.created_at),
  updatedAt: numberOf(row.updated_at),
});

/** Taken by an issue with `undoOnRefusal`, rolled back to on its refusal; a later one shadows an earlier one. */
const ISSUE_SAVEPOINT = 'coupon_issue';

/** How `persist` writes a coupon that `issue` is issuing, and how far it got. */
interface Insertion {
  readonly grantKey: string | null;
  readonly perUserLimit: number;
  /** Nothing written (the per-user limit, or the grant key taken), the coupon written but no stock taken, or all of it. */
  reached: 'nothing' | 'coupon' | 'stock';
}

/** The per-user limit's conditional upsert: a row back when the user's count of the template was raised. */
const countClaimSql = (templateId: string, userId: string, limit: string) =>
  `INSERT INTO coupon_claim_count (template_id, user_id, claimed) VALUES (${templateId}, ${userId}, 1)
   ON CONFLICT (template_id, user_id) DO UPDATE SET claimed = coupon_claim_count.claimed + 1
   WHERE coupon_claim_count.claimed < ${limit}
   RETURNING claimed`;

/** The stock's conditional increment on the hot row (without its RETURNING). */
const takeStockSql = (templateId: string) =>
  `UPDATE coupon_template SET issued = issued + 1 WHERE id = ${templateId} AND issued < total_stock AND status = 'ACTIVE'`;

/**
 * The coupon's columns as `INSERT … SELECT` parameters on PostgreSQL: unlike in `VALUES`, there the
 * target columns do not type the parameters.
 */
const COUPON_PARAMETER_TYPES = ['uuid', 'uuid', 'uuid', 'text', 'text', 'bigint', 'bigint', 'text', 'uuid', 'text', 'integer', 'bigint', 'bigint'];

/**
 * Coupons in the service's own database, through the current transaction (`TransactionHost`); a save
 * writes the coupon's events to the outbox in the same transaction (`AggregateRepository`).
 *
 * `issue` is the flash sale's whole guarantee, and holds on any number of instances because every
 * check is a conditional write the database settles row by row, never a read followed by a write:
 * the per-user counter is raised only while below the limit (a conditional upsert: the row lock
 * orders two claims of one user), a welcome coupon's grant key is unique, and the template's
 * `issued` is raised only while below `total_stock` and the template ACTIVE (the CHECK on the table
 * backs the stock; a pause commits on that same row, so a claim is ordered before or after it). The
 * stock update goes last: every claimer of the campaign waits for that one row, which is then held
 * only until the COMMIT that follows. On PostgreSQL the three writes are one statement, so a claim is
 * BEGIN, that statement and COMMIT (`issueStatements`). On a refusal the attempt's writes are rolled back to a savepoint
 * taken first when the caller goes on in the same transaction (`undoOnRefusal`: the welcome grant);
 * otherwise no savepoint is taken (two statements fewer per claim) and the transaction is kept from
 * committing them (`RefusedIssueCommitError`).
 */
export class TypeOrmCouponRepository extends AggregateRepository<Coupon> implements CouponRepository {
  private readonly versions: StoredVersions<Coupon>;
  /** The coupons `issue` is saving right now: `persist` inserts those (the coupon objects are the call's own). */
  private readonly insertions = new WeakMap<Coupon, Insertion>();

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
    private readonly clock: Clock = systemClock,
    private readonly kinds: DiscountKinds = discountKinds,
  ) {
    super(transactions, outbox, couponIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  issue(coupon: Coupon, template: CouponTemplate, options: IssueOptions = {}): Promise<IssueOutcome> {
    const { grantKey, undoOnRefusal = false } = options;
    return this.transactions.run(async () => {
      if (undoOnRefusal) await this.query(`SAVEPOINT ${ISSUE_SAVEPOINT}`);
      const refused = async (outcome: Exclude<IssueOutcome, 'issued'>): Promise<IssueOutcome> => {
        if (undoOnRefusal) await this.query(`ROLLBACK TO SAVEPOINT ${ISSUE_SAVEPOINT}`);
        else
          this.transactions.beforeCommit(() => {
            throw new RefusedIssueCommitError(coupon.id, outcome);
          });
        return outcome;
      };

      // The statements (`persist`): 1. the user's count, 2. the coupon, 3. last, the hot row's stock.
      const insertion: Insertion = { grantKey: grantKey ?? null, perUserLimit: template.perUserLimit, reached: 'nothing' };
      this.insertions.set(coupon, insertion);
      try {
        await this.save(coupon);
      } finally {
        this.insertions.delete(coupon);
      }
      if (insertion.reached === 'nothing') return refused('limit_reached');
      if (insertion.reached === 'coupon') return refused(await this.whyNotIssued(template.id));
      // Not released: RELEASE would be one more round trip with the hot row held; the savepoint ends with the transaction.
      return 'issued';
    });
  }

  /** The stock update took nothing: sold out (for good), or else paused (or no such template). The rare path's one read. */
  private async whyNotIssued(templateId: string): Promise<'sold_out' | 'not_claimable'> {
    const { param } = this.dialect();
    const [row] = await this.query<{ issued: number; total_stock: number }>(`SELECT issued, total_stock FROM coupon_template WHERE id = ${param(1)}`, [
      templateId,
    ]);
    return row && numberOf(row.issued) >= numberOf(row.total_stock) ? 'sold_out' : 'not_claimable';
  }

  async findByIdForUpdate(id: string): Promise<Coupon | null> {
    if (!isUuid(id)) return null;
    const { param, kind } = this.dialect();
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<CouponRow>(`SELECT ${COUPON_COLUMNS} FROM coupon WHERE id = ${param(1)}${lock}`, [id.toLowerCase()]);
    return row ? this.tracked(CouponMapper.toDomain(couponRecordOf(row), this.kinds)) : null;
  }

  /**
   * Inside `issue`: issues the new coupon (`issueStatements`). Otherwise: updates a stored coupon at the
   * version it was loaded at (`StaleAggregateError` if it moved or is unknown).
   */
  protected async persist(coupon: Coupon): Promise<void> {
    const { param } = this.dialect();
    const now = this.clock.now();
    const insertion = this.insertions.get(coupon);
    if (insertion) {
      const record = CouponMapper.toRecord(coupon, now, insertion.grantKey);
      insertion.reached = await this.issueStatements(record, insertion);
      if (insertion.reached !== 'nothing') this.versions.record(coupon, record.version);
      return;
    }
    const expected = this.versions.of(coupon) ?? coupon.version;
    const updated = await this.query<{ version: number }>(
      `UPDATE coupon SET status = ${param(1)}, order_id = ${param(2)}, version = version + 1, updated_at = ${param(3)}
       WHERE id = ${param(4)} AND version = ${param(5)}
       RETURNING version`,
      [coupon.status, coupon.orderId, now.getTime(), coupon.id, expected],
    );
    if (updated.length === 0) throw new StaleAggregateError('coupon', coupon.id, expected);
    this.versions.record(coupon, numberOf(updated[0]!.version));
  }

  /**
   * In this order, each step only if the one before it wrote: 1. the user's count of coupons of the
   * template, raised only while below the limit (on a conflict the row is locked first: a second claim
   * of the same user waits for the first to end); 2. the coupon, unless its grant key (or id) is taken;
   * 3. last, the hot row: one more issued only while some stock is left and the campaign is ACTIVE.
   * On PostgreSQL one statement (data-modifying CTEs, each reading the one before, so they run in that
   * order): one round trip where three would each cost both processes a statement (BEGIN, this, COMMIT
   * is the whole claim). SQLite has no data-modifying CTEs: three statements there.
   */
  private async issueStatements(record: CouponRecord, insertion: Insertion): Promise<Insertion['reached']> {
    const { param, kind } = this.dialect();
    const values = [
      record.id,
      record.templateId,
      record.userId,
      record.templateName,
      record.discount,
      record.validFrom,
      record.validUntil,
      record.status,
      record.orderId,
      record.grantKey,
      record.version,
      record.createdAt,
      record.updatedAt,
    ];

    if (kind === 'postgres') {
      // $2 and $3 are the coupon's template_id and user_id, $14 the per-user limit.
      const [row] = await this.query<{ coupons: string | number; stock: string | number }>(
        `WITH counted AS (${countClaimSql('$2', '$3', '$14')}),
         inserted AS (
           INSERT INTO coupon (${COUPON_COLUMNS})
           SELECT ${COUPON_PARAMETER_TYPES.map((type, i) => `$${i + 1}::${type}`).join(', ')} FROM counted
           ON CONFLICT DO NOTHING
           RETURNING id
         ),
         taken AS (${takeStockSql('$2')} AND EXISTS (SELECT 1 FROM inserted) RETURNING issued)
         SELECT (SELECT COUNT(*) FROM inserted) AS coupons, (SELECT COUNT(*) FROM taken) AS stock`,
        [...values, insertion.perUserLimit],
      );
      if (numberOf(row!.coupons) === 0) return 'nothing';
      return numberOf(row!.stock) > 0 ? 'stock' : 'coupon';
    }

    const counted = await this.query(countClaimSql(param(1), param(2), param(3)), [record.templateId, record.userId, insertion.perUserLimit]);
    if (counted.length === 0) return 'nothing';
    const inserted = await this.query(
      `INSERT INTO coupon (${COUPON_COLUMNS}) VALUES (${values.map((_, i) => param(i + 1)).join(', ')}) ON CONFLICT DO NOTHING RETURNING id`,
      values,
    );
    if (inserted.length === 0) return 'nothing';
    const taken = await this.query(`${takeStockSql(param(1))} RETURNING issued`, [record.templateId]);
    return taken.length > 0 ? 'stock' : 'coupon';
  }

  private dialect() {
    return dialectOf(this.transactions.kind);
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
