export interface SeedDemoCatalogResult {
  /** False when the demo catalog was seeded before (ever): nothing is touched then. */
  readonly seeded: boolean;
  /** How many products this run created (skus already in the catalog are skipped). */
  readonly products: number;
}
