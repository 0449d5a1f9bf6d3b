const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface IdempotencyOptions {
  /** How long a key and its answer are kept: the same key after this is a new request (default 24 h; `IDEMPOTENCY_KEY_TTL_MS`). */
  readonly ttlMs?: number;
  /**
   * The deadline of a request that holds a key (default 30 s; `IDEMPOTENCY_EXECUTION_TIMEOUT_MS`): its
   * transaction is abandoned then and the key freed. A crashed instance's key is taken over once this
   * and a margin have passed.
   */
  readonly executionTimeoutMs?: number;
  /**
   * How long a request with the key of one still running waits for that one's answer before it
   * answers 409 `REQUEST_IN_PROGRESS` (default 3 s, below the gateway's 5 s; 0 answers at once;
   * `IDEMPOTENCY_WAIT_MS`).
   */
  readonly waitMs?: number;
  /**
   * Expired keys are deleted every `intervalMs` (default 1 h), `batchSize` rows per statement (default
   * 1,000): by the context's scheduler when it lists `PruneIdempotencyKeysJob`, else by the module's
   * own timer (until a batch comes back short). `false`: not at all (tests).
   */
  readonly pruning?: { readonly intervalMs?: number; readonly batchSize?: number } | false;
}

export interface ResolvedIdempotencyOptions {
  readonly ttlMs: number;
  readonly executionTimeoutMs: number;
  /** `executionTimeoutMs` plus a margin: after this a claim whose request never answered may be taken over. */
  readonly leaseMs: number;
  readonly waitMs: number;
  readonly pruning: { readonly intervalMs: number; readonly batchSize: number } | false;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = DAY;
export const DEFAULT_IDEMPOTENCY_EXECUTION_TIMEOUT_MS = 30 * SECOND;
export const DEFAULT_IDEMPOTENCY_WAIT_MS = 3 * SECOND;
export const DEFAULT_IDEMPOTENCY_PRUNE_INTERVAL_MS = HOUR;
export const DEFAULT_IDEMPOTENCY_PRUNE_BATCH_SIZE = 1_000;
/** Between the request's deadline and the end of its lease: the abandoned transaction's rollback and the claim's release. */
const LEASE_MARGIN_MS = 5 * SECOND;

/** The environment variables `idempotencyOptionsFromEnv` reads, each with its option. */
export const IDEMPOTENCY_ENV = {
  IDEMPOTENCY_KEY_TTL_MS: 'ttlMs',
  IDEMPOTENCY_EXECUTION_TIMEOUT_MS: 'executionTimeoutMs',
  IDEMPOTENCY_WAIT_MS: 'waitMs',
} as const;

/** One or more settings out of range; the message names each. */
export class IdempotencyConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`idempotency settings: ${problems.join('; ')}`);
    this.name = 'IdempotencyConfigError';
  }
}

/** Defaults filled in and every value checked, so that a typo fails the start instead of a request. */
export function resolveIdempotencyOptions(
  options: IdempotencyOptions = {},
  names: Partial<Record<keyof IdempotencyOptions, string>> = {},
): ResolvedIdempotencyOptions {
  const problems: string[] = [];
  const check = (name: keyof IdempotencyOptions | 'pruning.intervalMs' | 'pruning.batchSize', value: number, min: number, max: number, unit = 'ms'): number => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const label = (names as Record<string, string | undefined>)[name] ?? name;
      problems.push(`${label} must be a whole number of ${unit} from ${min} to ${max}, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const ttlMs = check('ttlMs', options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS, MINUTE, 30 * DAY);
  const executionTimeoutMs = check('executionTimeoutMs', options.executionTimeoutMs ?? DEFAULT_IDEMPOTENCY_EXECUTION_TIMEOUT_MS, 100, 10 * MINUTE);
  const waitMs = check('waitMs', options.waitMs ?? DEFAULT_IDEMPOTENCY_WAIT_MS, 0, 10 * MINUTE);
  const leaseMs = executionTimeoutMs + LEASE_MARGIN_MS;
  // A key must outlive its own request by far, or a slow answer would be stored already expired.
  if (problems.length === 0 && ttlMs < 2 * leaseMs) {
    problems.push(`${names.ttlMs ?? 'ttlMs'} (${ttlMs}) must be at least twice the execution timeout plus ${LEASE_MARGIN_MS} ms (${2 * leaseMs})`);
  }
  let pruning: ResolvedIdempotencyOptions['pruning'] = false;
  if (options.pruning !== false) {
    pruning = {
      intervalMs: check('pruning.intervalMs', options.pruning?.intervalMs ?? DEFAULT_IDEMPOTENCY_PRUNE_INTERVAL_MS, SECOND, DAY),
      batchSize: check('pruning.batchSize', options.pruning?.batchSize ?? DEFAULT_IDEMPOTENCY_PRUNE_BATCH_SIZE, 1, 100_000, 'rows'),
    };
  }
  if (problems.length > 0) throw new IdempotencyConfigError(problems);
  return { ttlMs, executionTimeoutMs, leaseMs, waitMs, pruning };
}

/**
 * The settings from `IDEMPOTENCY_KEY_TTL_MS`, `IDEMPOTENCY_EXECUTION_TIMEOUT_MS` and
 * `IDEMPOTENCY_WAIT_MS` (each optional), checked. `overrides` win over the environment.
 */
export function idempotencyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: IdempotencyOptions = {}): ResolvedIdempotencyOptions {
  const fromEnv: Record<string, unknown> = {};
  const names: Partial<Record<keyof IdempotencyOptions, string>> = {};
  for (const [variable, option] of Object.entries(IDEMPOTENCY_ENV)) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    // Digits only: "1e3", "0x10" or "30s" are refused (and quoted in the error) rather than read as something else.
    fromEnv[option] = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    names[option] = variable;
  }
  return resolveIdempotencyOptions({ ...(fromEnv as IdempotencyOptions), ...overrides }, names);
}
