/** Which one-time seeds of the catalog ran. Joins the transaction of the unit of work it is called in. */
export interface CatalogSeed {
  /**
   * Claims the seed `name`: true only the first time ever (kept in the store, so a restart after an
   * admin changed the seeded products gets false), inside the current transaction (rolled back with it).
   */
  claim(name: string, at: Date): Promise<boolean>;
}
