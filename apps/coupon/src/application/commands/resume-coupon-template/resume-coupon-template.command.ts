export interface ResumeCouponTemplateCommand {
  readonly templateId: string;
}
