// Types for nx-tags.mjs (plain JS so `npm run lint:arch` needs no build step).
export interface NxTagProblem {
  /** e.g. "apps/order (@shop/order)" */
  project: string;
  problem: string;
}
export declare function checkNxTags(rootDir: string): NxTagProblem[];
