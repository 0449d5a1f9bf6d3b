import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CreateCouponTemplateRequest, type AdminCouponTemplate, type CouponTemplateResponse, type DiscountRequest } from '@shop/contracts';
import { Idempotent, RequiresRole, SchemaPipe, uuidParam, type UuidParams } from '@shop/http';
import type { CreateCouponTemplateCommand } from '../../application/commands/create-coupon-template/create-coupon-template.command.js';
import { CreateCouponTemplateHandler } from '../../application/commands/create-coupon-template/create-coupon-template.handler.js';
import { PauseCouponTemplateHandler } from '../../application/commands/pause-coupon-template/pause-coupon-template.handler.js';
import { ResumeCouponTemplateHandler } from '../../application/commands/resume-coupon-template/resume-coupon-template.handler.js';
import { ListCouponTemplatesHandler } from '../../application/queries/list-coupon-templates/list-coupon-templates.handler.js';

/**
 * The campaigns, for admins: create, list with counts, pause and resume. The gateway lets only admins
 * through; the role is checked here again (403 `FORBIDDEN`) so that a mistake in the route table
 * cannot open these routes to customers.
 */
@Controller('admin/coupon-templates')
@RequiresRole('admin')
export class AdminCouponTemplatesController {
  constructor(
    private readonly createTemplate: CreateCouponTemplateHandler,
    private readonly pauseTemplate: PauseCouponTemplateHandler,
    private readonly resumeTemplate: ResumeCouponTemplateHandler,
    private readonly listTemplates: ListCouponTemplatesHandler,
  ) {}

  /** A retried create with the same `Idempotency-Key` and body answers the first template instead of opening a second campaign. */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Idempotent()
  create(@Body(new SchemaPipe(CreateCouponTemplateRequest)) body: CreateCouponTemplateRequest): Promise<CouponTemplateResponse> {
    return this.createTemplate.execute(createCommandOf(body));
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  list(): Promise<AdminCouponTemplate[]> {
    return this.listTemplates.execute();
  }

  @Post(':templateId/pause')
  @HttpCode(HttpStatus.OK)
  pause(@Param(uuidParam('templateId')) params: UuidParams<'templateId'>): Promise<CouponTemplateResponse> {
    return this.pauseTemplate.execute({ templateId: params.templateId });
  }

  @Post(':templateId/resume')
  @HttpCode(HttpStatus.OK)
  resume(@Param(uuidParam('templateId')) params: UuidParams<'templateId'>): Promise<CouponTemplateResponse> {
    return this.resumeTemplate.execute({ templateId: params.templateId });
  }
}

/** The request as the use case takes it; the domain checks what a schema cannot (windows in order, a visible name). */
function createCommandOf(body: CreateCouponTemplateRequest): CreateCouponTemplateCommand {
  return {
    name: body.name,
    discount: discountSnapshotOf(body.discount),
    totalStock: body.totalStock,
    perUserLimit: body.perUserLimit,
    validity: body.validity,
    claimStartsAt: body.claimStartsAt ?? null,
    claimEndsAt: body.claimEndsAt ?? null,
    grantOnRegister: body.grantOnRegister,
  };
}

/** The discount's fields as given, without the ones left out (the kind fills in its defaults). */
function discountSnapshotOf(discount: DiscountRequest): CreateCouponTemplateCommand['discount'] {
  return Object.fromEntries(Object.entries(discount).filter(([, value]) => value !== undefined)) as CreateCouponTemplateCommand['discount'];
}
