export interface PauseCouponTemplateCommand {
  readonly templateId: string;
}
