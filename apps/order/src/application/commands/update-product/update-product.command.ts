export interface UpdateProductCommand {
  /** Which product (the sku never changes: orders name products by it). */
  readonly sku: string;
  readonly name?: string;
  readonly price?: number;
  readonly active?: boolean;
}
