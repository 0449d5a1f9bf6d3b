import { AggregateRoot, displayTextProblem, hasVisibleCharacter } from '@shop/shared-kernel';
import { Coupon } from './coupon.js';
import { InvalidCouponTemplateError, NotClaimableError, SoldOutError } from './coupon.errors.js';
import type { CouponTemplateEvent } from './coupon.events.js';
import type { Discount } from './discount/discount.js';
import type { Validity } from './validity.js';

export const TEMPLATE_NAME_MAX_LENGTH = 100;
export const MAX_TOTAL_STOCK = 10_000_000;
export const MAX_PER_USER_LIMIT = 100;
export const DEFAULT_PER_USER_LIMIT = 1;

export const COUPON_TEMPLATE_STATUSES = ['ACTIVE', 'PAUSED'] as const;
export type CouponTemplateStatus = (typeof COUPON_TEMPLATE_STATUSES)[number];

export interface CreateCouponTemplateProps {
  readonly id: string;
  readonly name: string;
  readonly discount: Discount;
  readonly totalStock: number;
  /** Default 1. */
  readonly perUserLimit?: number;
  readonly validity: Validity;
  readonly claimStartsAt?: Date | null;
  readonly claimEndsAt?: Date | null;
  /** Default false. */
  readonly grantOnRegister?: boolean;
}

/** Everything a template is made of, as stored; only repositories restore templates from it. */
export interface CouponTemplateSnapshot {
  readonly id: string;
  readonly name: string;
  readonly discount: Discount;
  readonly totalStock: number;
  readonly perUserLimit: number;
  readonly validity: Validity;
  readonly claimStartsAt: Date | null;
  readonly claimEndsAt: Date | null;
  readonly grantOnRegister: boolean;
  readonly status: CouponTemplateStatus;
  /**
   * Coupons issued so far, as the store's counter said when the template was loaded. The store owns
   * this counter (it moves only by the conditional increment of `CouponRepository.issue`); saving a
   * template never writes it.
   */
  readonly issued: number;
  readonly createdAt: Date;
  /** The store's row version when loaded (0 for a new template). */
  readonly version: number;
}

/** A campaign: the terms of its coupons, how many there are, who may claim them and when. */
export class CouponTemplate extends AggregateRoot<CouponTemplateEvent> {
  private state: CouponTemplateSnapshot;

  private constructor(snapshot: CouponTemplateSnapshot) {
    super();
    this.state = snapshot;
  }

  /**
   * A new ACTIVE campaign with nothing issued; refuses (INVALID_COUPON_TEMPLATE) a blank or overlong
   * name, stock or limit out of bounds, and a claim window that ends before it starts or opens after a
   * fixed validity has ended. (A window already over is allowed: the template is simply not claimable.)
   */
  static create(props: CreateCouponTemplateProps, now: Date): CouponTemplate {
    const name = validName(props.name);
    const totalStock = wholeNumberIn('totalStock', props.totalStock, 1, MAX_TOTAL_STOCK);
    const perUserLimit = wholeNumberIn('perUserLimit', props.perUserLimit ?? DEFAULT_PER_USER_LIMIT, 1, MAX_PER_USER_LIMIT);
    const claimStartsAt = props.claimStartsAt ?? null;
    const claimEndsAt = props.claimEndsAt ?? null;
    if (claimStartsAt && Number.isNaN(claimStartsAt.getTime())) throw new InvalidCouponTemplateError('claimStartsAt', 'must be a date-time');
    if (claimEndsAt && Number.isNaN(claimEndsAt.getTime())) throw new InvalidCouponTemplateError('claimEndsAt', 'must be a date-time');
    if (claimStartsAt && claimEndsAt && claimStartsAt.getTime() >= claimEndsAt.getTime())
      throw new InvalidCouponTemplateError('claimEndsAt', 'must be after claimStartsAt');
    // A claim window that opens once every coupon would already be over could never hand out a usable one.
    if (claimStartsAt && props.validity.endsBy(claimStartsAt))
      throw new InvalidCouponTemplateError('claimStartsAt', 'must be before the coupons’ validity ends');

    const template = new CouponTemplate({
      id: props.id,
      name,
      discount: props.discount,
      totalStock,
      perUserLimit,
      validity: props.validity,
      claimStartsAt,
      claimEndsAt,
      grantOnRegister: props.grantOnRegister ?? false,
      status: 'ACTIVE',
      issued: 0,
      createdAt: now,
      version: 0,
    });
    template.record({ type: 'CouponTemplateCreated', aggregateId: props.id, occurredAt: now, name, discount: props.discount.toSnapshot(), totalStock });
    return template;
  }

  static restore(snapshot: CouponTemplateSnapshot): CouponTemplate {
    return new CouponTemplate(snapshot);
  }

  get id(): string {
    return this.state.id;
  }
  get name(): string {
    return this.state.name;
  }
  get discount(): Discount {
    return this.state.discount;
  }
  get totalStock(): number {
    return this.state.totalStock;
  }
  get perUserLimit(): number {
    return this.state.perUserLimit;
  }
  get validity(): Validity {
    return this.state.validity;
  }
  get claimStartsAt(): Date | null {
    return this.state.claimStartsAt;
  }
  get claimEndsAt(): Date | null {
    return this.state.claimEndsAt;
  }
  get grantOnRegister(): boolean {
    return this.state.grantOnRegister;
  }
  get status(): CouponTemplateStatus {
    return this.state.status;
  }
  get issued(): number {
    return this.state.issued;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get version(): number {
    return this.state.version;
  }

  get remainingStock(): number {
    return Math.max(0, this.state.totalStock - this.state.issued);
  }

  get isSoldOut(): boolean {
    return this.remainingStock === 0;
  }

  /** Pausing a paused template changes nothing (and records nothing). */
  pause(now: Date): void {
    if (this.state.status === 'PAUSED') return;
    this.state = { ...this.state, status: 'PAUSED' };
    this.record({ type: 'CouponTemplatePaused', aggregateId: this.id, occurredAt: now });
  }

  /** Resuming an active template changes nothing (and records nothing). */
  resume(now: Date): void {
    if (this.state.status === 'ACTIVE') return;
    this.state = { ...this.state, status: 'ACTIVE' };
    this.record({ type: 'CouponTemplateResumed', aggregateId: this.id, occurredAt: now });
  }

  /**
   * Throws `NotClaimableError` when the template cannot be claimed at `now`: paused, before its claim
   * window opens, once it has closed (`claimEndsAt` is outside it), or once its fixed validity has
   * ended. Stock is not its business (`isSoldOut`).
   */
  claimableAt(now: Date): void {
    const reason = this.notClaimableReasonAt(now);
    if (reason) throw new NotClaimableError(this.id, reason);
  }

  isClaimableAt(now: Date): boolean {
    return this.notClaimableReasonAt(now) === null;
  }

  /**
   * A new coupon of this campaign for `userId`: AVAILABLE, its window from the validity, the discount
   * and the campaign's name copied onto it. Refuses a template not claimable now, or sold out by what
   * was loaded. The store has the last word on stock and the per-user limit (`CouponRepository.issue`).
   */
  issueCoupon(couponId: string, userId: string, now: Date): Coupon {
    this.claimableAt(now);
    if (this.isSoldOut) throw new SoldOutError(this.id);
    const { validFrom, validUntil } = this.state.validity.windowFrom(now);
    return Coupon.issue({
      id: couponId,
      templateId: this.id,
      templateName: this.name,
      userId,
      discount: this.discount,
      validFrom,
      validUntil,
      issuedAt: now,
    });
  }

  /**
   * A coupon a user claims for themself (`issueCoupon`'s checks first): a welcome campaign
   * (`grantOnRegister`) is refused (NOT_CLAIMABLE, WELCOME_ONLY), as its stock is meant for new
   * sign-ups, who get it through the welcome grant (which calls `issueCoupon` directly).
   */
  claimCoupon(couponId: string, userId: string, now: Date): Coupon {
    if (this.state.grantOnRegister) throw new NotClaimableError(this.id, 'WELCOME_ONLY');
    return this.issueCoupon(couponId, userId, now);
  }

  toSnapshot(): CouponTemplateSnapshot {
    return { ...this.state };
  }

  private notClaimableReasonAt(now: Date): NotClaimableError['reason'] | null {
    const at = now.getTime();
    if (this.state.status === 'PAUSED') return 'PAUSED';
    if (this.state.claimStartsAt && at < this.state.claimStartsAt.getTime()) return 'CLAIM_NOT_STARTED';
    if (this.state.claimEndsAt && at >= this.state.claimEndsAt.getTime()) return 'CLAIM_ENDED';
    if (this.state.validity.endsBy(now)) return 'VALIDITY_ENDED';
    return null;
  }
}

function validName(raw: string): string {
  if (typeof raw !== 'string') throw new InvalidCouponTemplateError('name', 'must be text');
  const normalised = raw.normalize('NFC');
  // The display text rule shoppers' nicknames follow, checked before trimming (trim() would drop a BOM at either end).
  const problem = displayTextProblem(normalised);
  if (problem !== null) throw new InvalidCouponTemplateError('name', problem);
  const name = normalised.trim();
  const length = [...name].length;
  if (length === 0 || !hasVisibleCharacter(name)) throw new InvalidCouponTemplateError('name', 'must contain a visible character');
  if (length > TEMPLATE_NAME_MAX_LENGTH) throw new InvalidCouponTemplateError('name', `must be at most ${TEMPLATE_NAME_MAX_LENGTH} characters`);
  return name;
}

function wholeNumberIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new InvalidCouponTemplateError(field, `must be a whole number ${min}–${max}, got ${value}`);
  return value;
}
