export interface CreateProductCommand {
  readonly sku: string;
  readonly name: string;
  /** Fen, 1–10^8. */
  readonly price: number;
  /** true when not given. */
  readonly active?: boolean;
}
