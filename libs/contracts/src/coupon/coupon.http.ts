import Type, { type Static } from 'typebox';
import type { HttpRouteDefinition } from '../http-route.js';

/**
 * The coupon routes of the HTTP contract (DESIGN.md section 7): the bodies the coupon service validates
 * with and the gateway documents (each `title` names its OpenAPI component), and the route table.
 * Money is integer fen; instants are ISO date-times.
 */

/** Up to 100 million yuan off, in fen: bounds what a request may ask, far above any real campaign. */
const MAX_DISCOUNT_FEN = 10_000_000_000;
const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });
const nullableInstant = () => Type.Union([instant(), Type.Null()]);

export const COUPON_STATUSES = ['AVAILABLE', 'LOCKED', 'USED', 'EXPIRED'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

export const COUPON_TEMPLATE_STATUSES = ['ACTIVE', 'PAUSED'] as const;
export type CouponTemplateStatus = (typeof COUPON_TEMPLATE_STATUSES)[number];

// Discounts as an admin asks for them: each kind its own closed shape.
export const AmountOffDiscountRequest = Type.Object(
  {
    kind: Type.Literal('amount_off'),
    amountOff: Type.Integer({ minimum: 1, maximum: MAX_DISCOUNT_FEN }),
    minSpend: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DISCOUNT_FEN })),
  },
  { title: 'AmountOffDiscountRequest', additionalProperties: false },
);
export type AmountOffDiscountRequest = Static<typeof AmountOffDiscountRequest>;

export const PercentOffDiscountRequest = Type.Object(
  {
    kind: Type.Literal('percent_off'),
    percentOff: Type.Integer({ minimum: 1, maximum: 99 }),
    maxOff: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DISCOUNT_FEN })),
    minSpend: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DISCOUNT_FEN })),
  },
  { title: 'PercentOffDiscountRequest', additionalProperties: false },
);
export type PercentOffDiscountRequest = Static<typeof PercentOffDiscountRequest>;

export const DiscountRequest = Type.Union([AmountOffDiscountRequest, PercentOffDiscountRequest], { title: 'DiscountRequest' });
export type DiscountRequest = Static<typeof DiscountRequest>;

// Discounts as answers give them: every field present (`minSpend` 0 when none, `maxOff` null when uncapped).
export const AmountOffDiscount = Type.Object(
  {
    kind: Type.Literal('amount_off'),
    amountOff: Type.Integer(),
    minSpend: Type.Integer(),
  },
  { title: 'AmountOffDiscount' },
);
export type AmountOffDiscount = Static<typeof AmountOffDiscount>;

export const PercentOffDiscount = Type.Object(
  {
    kind: Type.Literal('percent_off'),
    percentOff: Type.Integer(),
    maxOff: Type.Union([Type.Integer(), Type.Null()]),
    minSpend: Type.Integer(),
  },
  { title: 'PercentOffDiscount' },
);
export type PercentOffDiscount = Static<typeof PercentOffDiscount>;

export const Discount = Type.Union([AmountOffDiscount, PercentOffDiscount], { title: 'Discount' });
export type Discount = Static<typeof Discount>;

// How long a claimed coupon is good for: a fixed window, or a number of days from the claim.
export const FixedValidity = Type.Object({ validFrom: instant(), validUntil: instant() }, { title: 'FixedValidity', additionalProperties: false });
export type FixedValidity = Static<typeof FixedValidity>;

export const RelativeValidity = Type.Object(
  { validDays: Type.Integer({ minimum: 1, maximum: 3650 }) },
  { title: 'RelativeValidity', additionalProperties: false },
);
export type RelativeValidity = Static<typeof RelativeValidity>;

export const Validity = Type.Union([FixedValidity, RelativeValidity], { title: 'Validity' });
export type Validity = Static<typeof Validity>;

export const CreateCouponTemplateRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    discount: DiscountRequest,
    totalStock: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    /** 1 when omitted. */
    perUserLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    validity: Validity,
    claimStartsAt: Type.Optional(instant()),
    claimEndsAt: Type.Optional(instant()),
    /** false when omitted. */
    grantOnRegister: Type.Optional(Type.Boolean()),
  },
  { title: 'CreateCouponTemplateRequest', additionalProperties: false },
);
export type CreateCouponTemplateRequest = Static<typeof CreateCouponTemplateRequest>;

const templateProperties = {
  templateId: uuid(),
  name: Type.String(),
  discount: Discount,
  totalStock: Type.Integer(),
  perUserLimit: Type.Integer(),
  validity: Validity,
  claimStartsAt: nullableInstant(),
  claimEndsAt: nullableInstant(),
  grantOnRegister: Type.Boolean(),
  status: Type.Enum(COUPON_TEMPLATE_STATUSES),
  remainingStock: Type.Integer(),
  createdAt: instant(),
};

export const CouponTemplateResponse = Type.Object(templateProperties, { title: 'CouponTemplateResponse' });
export type CouponTemplateResponse = Static<typeof CouponTemplateResponse>;

/** A template as admins list it: with how many coupons were issued and how many of those were used. */
export const AdminCouponTemplate = Type.Object({ ...templateProperties, issued: Type.Integer(), used: Type.Integer() }, { title: 'AdminCouponTemplate' });
export type AdminCouponTemplate = Static<typeof AdminCouponTemplate>;

export const AdminCouponTemplateList = Type.Array(AdminCouponTemplate, { title: 'AdminCouponTemplateList' });
export type AdminCouponTemplateList = Static<typeof AdminCouponTemplateList>;

/** A template a signed-in customer can claim from now. */
export const ClaimableCouponTemplate = Type.Object(
  {
    templateId: uuid(),
    name: Type.String(),
    discount: Discount,
    perUserLimit: Type.Integer(),
    validity: Validity,
    claimEndsAt: nullableInstant(),
    remainingStock: Type.Integer(),
  },
  { title: 'ClaimableCouponTemplate' },
);
export type ClaimableCouponTemplate = Static<typeof ClaimableCouponTemplate>;

export const ClaimableCouponTemplateList = Type.Array(ClaimableCouponTemplate, { title: 'ClaimableCouponTemplateList' });
export type ClaimableCouponTemplateList = Static<typeof ClaimableCouponTemplateList>;

export const ClaimCouponResponse = Type.Object(
  {
    couponId: uuid(),
    templateId: uuid(),
    status: Type.Literal('AVAILABLE'),
    validFrom: instant(),
    validUntil: instant(),
  },
  { title: 'ClaimCouponResponse' },
);
export type ClaimCouponResponse = Static<typeof ClaimCouponResponse>;

export const MyCoupon = Type.Object(
  {
    couponId: uuid(),
    templateId: uuid(),
    name: Type.String(),
    discount: Discount,
    status: Type.Enum(COUPON_STATUSES),
    validFrom: instant(),
    validUntil: instant(),
    /** The order it is locked to or was used by. */
    orderId: Type.Union([uuid(), Type.Null()]),
  },
  { title: 'MyCoupon' },
);
export type MyCoupon = Static<typeof MyCoupon>;

export const MyCouponList = Type.Array(MyCoupon, { title: 'MyCouponList' });
export type MyCouponList = Static<typeof MyCouponList>;

/** The most coupons one `GET /me/coupons` lists, and how many when `limit` is not given. */
export const MY_COUPONS_LIMIT = { max: 200, default: 100 } as const;

/** Query strings are text: `limit` is its decimal spelling, 1 to 200. */
export const MyCouponsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(COUPON_STATUSES)),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9]{2}|200)$' })),
  },
  { title: 'MyCouponsQuery', additionalProperties: false },
);
export type MyCouponsQuery = Static<typeof MyCouponsQuery>;

const TEMPLATE_NOT_FOUND = { description: '`TEMPLATE_NOT_FOUND`: no template has this id', problem: true } as const;
const INVALID_TEMPLATE_ID = { description: '`VALIDATION_FAILED`: `templateId` is not a UUID', problem: true } as const;

/** The coupon service's routes, by a name for its own code. */
export const COUPON_ROUTES = {
  createCouponTemplate: {
    operationId: 'createCouponTemplate',
    method: 'POST',
    path: '/admin/coupon-templates',
    access: 'admin',
    tag: 'coupon-admin',
    summary: 'Create a coupon template (a campaign); honours `Idempotency-Key`',
    requestBody: CreateCouponTemplateRequest,
    requestExample: {
      name: '20 yuan off 100',
      discount: { kind: 'amount_off', amountOff: 2_000, minSpend: 10_000 },
      totalStock: 1_000,
      perUserLimit: 1,
      validity: { validDays: 30 },
      claimStartsAt: '2030-01-01T00:00:00.000Z',
      claimEndsAt: '2030-01-31T23:59:59.000Z',
    } satisfies CreateCouponTemplateRequest,
    responses: {
      201: { description: 'The template was created', schema: CouponTemplateResponse },
      400: {
        description:
          '`MALFORMED_JSON`, `VALIDATION_FAILED` (with `errors`), `INVALID_COUPON_TEMPLATE` (e.g. the claim window or `validFrom` not before its end) or `INVALID_DISCOUNT`: nothing was created',
        problem: true,
      },
    },
  },
  listCouponTemplates: {
    operationId: 'listCouponTemplates',
    method: 'GET',
    path: '/admin/coupon-templates',
    access: 'admin',
    tag: 'coupon-admin',
    summary: 'Every coupon template with its counts: issued, used, remaining',
    responses: {
      200: { description: 'The templates, newest first', schema: AdminCouponTemplateList },
    },
  },
  pauseCouponTemplate: {
    operationId: 'pauseCouponTemplate',
    method: 'POST',
    path: '/admin/coupon-templates/{templateId}/pause',
    access: 'admin',
    tag: 'coupon-admin',
    summary: 'Stop claims of a template (coupons already claimed stay good)',
    responses: {
      200: { description: 'The template, paused', schema: CouponTemplateResponse },
      400: INVALID_TEMPLATE_ID,
      404: TEMPLATE_NOT_FOUND,
    },
  },
  resumeCouponTemplate: {
    operationId: 'resumeCouponTemplate',
    method: 'POST',
    path: '/admin/coupon-templates/{templateId}/resume',
    access: 'admin',
    tag: 'coupon-admin',
    summary: 'Let claims of a paused template go on',
    responses: {
      200: { description: 'The template, active', schema: CouponTemplateResponse },
      400: INVALID_TEMPLATE_ID,
      404: TEMPLATE_NOT_FOUND,
    },
  },
  listClaimableCouponTemplates: {
    operationId: 'listClaimableCouponTemplates',
    method: 'GET',
    path: '/coupon-templates',
    access: 'user',
    tag: 'coupons',
    summary: 'The coupon templates that can be claimed now, with their remaining stock',
    responses: {
      200: { description: 'The claimable templates', schema: ClaimableCouponTemplateList },
    },
  },
  claimCoupon: {
    operationId: 'claimCoupon',
    method: 'POST',
    path: '/coupon-templates/{templateId}/claim',
    access: 'user',
    tag: 'coupons',
    summary: 'Claim a coupon of a template; honours `Idempotency-Key`',
    responses: {
      201: { description: 'The coupon, now yours', schema: ClaimCouponResponse },
      400: INVALID_TEMPLATE_ID,
      409: {
        description:
          '`SOLD_OUT`: no stock left; `LIMIT_REACHED`: you hold as many coupons of it as a user may; `NOT_CLAIMABLE`: paused, outside its claim window or validity, a welcome campaign (granted on registration only), or no such template',
        problem: true,
      },
    },
  },
  listMyCoupons: {
    operationId: 'listMyCoupons',
    method: 'GET',
    path: '/me/coupons',
    access: 'user',
    tag: 'coupons',
    summary: "The signed-in user's coupons, newest first",
    query: MyCouponsQuery,
    responses: {
      200: { description: 'The coupons', schema: MyCouponList },
      400: { description: '`VALIDATION_FAILED`: an unknown `status`, a `limit` outside 1-200, or an unknown parameter', problem: true },
    },
  },
} as const satisfies Record<string, HttpRouteDefinition>;
