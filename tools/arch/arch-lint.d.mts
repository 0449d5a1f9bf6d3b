// Types for arch-lint.mjs (plain JS so `npm run lint:arch` needs no build step).
import type { ICruiseOptions, ICruiseResult, ITranspileOptions } from 'dependency-cruiser';

export declare const ARCH_DIR: string;
export declare const REPO_ROOT: string;
export declare const CONFIG_FILE: string;

export interface ArchViolation {
  /** rule name from dependency-cruiser.config.mjs */
  rule: string;
  severity: string;
  /** importing file, relative to the repository root */
  from: string;
  /** the import specifier as written in the source */
  module: string;
  /** what the import resolved to */
  to: string;
  /** for cycle rules: the modules of the cycle */
  cycle?: string[];
}

export declare function loadCruiseOptions(options?: { fixtures?: boolean }): Promise<{
  cruiseOptions: ICruiseOptions;
  transpileOptions: ITranspileOptions;
}>;
export declare function listViolations(result: ICruiseResult): ArchViolation[];
export declare function formatViolation(violation: ArchViolation): string;
