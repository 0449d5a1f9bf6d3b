import type { InMemoryUnitOfWork, Transactional } from '@shop/testing';
import type { CatalogSeed } from '../ports/catalog-seed.js';

/** The seeds claimed, rolled back with the unit of work (as the claim's row is). */
export class InMemoryCatalogSeed implements CatalogSeed, Transactional {
  private claimed = new Map<string, Date>();

  constructor(unitOfWork: InMemoryUnitOfWork) {
    unitOfWork.enlist(this);
  }

  async claim(name: string, at: Date): Promise<boolean> {
    if (this.claimed.has(name)) return false;
    this.claimed.set(name, at);
    return true;
  }

  begin(): () => void {
    const before = new Map(this.claimed);
    return () => {
      this.claimed = before;
    };
  }
}
