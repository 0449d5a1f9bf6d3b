import { BEARER_TOKEN_PATTERN } from '@shop/http';
import { EnvError, makeValidator, type BaseValidator, type Spec } from 'envalid';

/** What a variable must hold, in words; read when it is missing or wrong. */
export const EXPECTED = Symbol.for('shop.http.config.expected');

/** Marks a validator whose variable, when empty, is read as unset (its default applies): `loadConfig` drops it before validating. */
export const EMPTY_IS_UNSET = Symbol.for('shop.http.config.emptyIsUnset');

/** The shortest `METRICS_TOKEN` a service or the gateway starts with: long enough that guessing it is hopeless. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

/** A validator that says what it expects, so that a missing or bad variable is reported in words without echoing its value (it may be a secret). */
function expecting<T>(expected: string, parse: (input: string) => T): BaseValidator<T> {
  const validator = makeValidator<T>((input) => {
    const value = parse(input);
    if (value === undefined) throw new EnvError(`expected ${expected}`);
    return value;
  });
  return ((spec?: Spec<T>) => Object.assign(validator(spec as never), { [EXPECTED]: expected })) as BaseValidator<T>;
}

/** The same validator, with an empty variable read as unset (`loadConfig` drops it, so the default applies). */
function emptyIsUnset<T>(validator: BaseValidator<T>): BaseValidator<T> {
  return ((spec?: Spec<T>) => Object.assign(validator(spec as never), { [EMPTY_IS_UNSET]: true })) as BaseValidator<T>;
}

const INTEGER = /^(?:0|[1-9]\d*)$/;

/** A TCP port: an integer from 1 to 65535. */
export const port = expecting('a TCP port (an integer from 1 to 65535)', (input) => {
  const value = INTEGER.test(input) ? Number(input) : NaN;
  return value >= 1 && value <= 65535 ? value : undefined;
});

/** A port to listen on: like `port`, and 0 too, which takes any free port (the embedded mode, tests). */
export const listenPort = expecting('a TCP port (an integer from 0 to 65535; 0 takes any free one)', (input) => {
  const value = INTEGER.test(input) ? Number(input) : NaN;
  return value >= 0 && value <= 65535 ? value : undefined;
});

/** A positive integer (1, 2, ...), written in plain decimal. */
export const positiveInt = expecting('a positive integer', (input) => {
  const value = INTEGER.test(input) ? Number(input) : NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
});

/**
 * An integer from `min` to `max`, both included, written in plain decimal: a count or a duration with
 * a ceiling (a batch a statement can take, a timer Node can set). `min` is 0 or more.
 */
export function intBetween(min: number, max: number) {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min)
    throw new RangeError(`intBetween(${min}, ${max}): expected integers with 0 ≤ min ≤ max`);
  return expecting(`an integer from ${min} to ${max}`, (input) => {
    const value = INTEGER.test(input) ? Number(input) : NaN;
    return value >= min && value <= max ? value : undefined;
  });
}

const DURATION = /^(0|[1-9]\d*)(ms|s|m|h)?$/;
const DURATION_UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** A duration in its largest whole unit (`90000` → `90s`, `900000` → `15m`), as the variable may be written. */
function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) if (ms !== 0 && ms % DURATION_UNIT_MS[unit] === 0) return `${ms / DURATION_UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/**
 * A duration from `minMs` to `maxMs`, both included, read as milliseconds: a plain integer of
 * milliseconds (`30000`), or a whole number with a unit (`250ms`, `30s`, `15m`, `2h`), so that a
 * timeout of a quarter of an hour need not be counted in zeros. No fractions, no mixed units, no
 * spaces: anything else is refused rather than guessed at.
 */
export function duration(minMs: number, maxMs: number) {
  if (!Number.isSafeInteger(minMs) || !Number.isSafeInteger(maxMs) || minMs < 0 || maxMs < minMs)
    throw new RangeError(`duration(${minMs}, ${maxMs}): expected integers of milliseconds with 0 ≤ min ≤ max`);
  return expecting(`a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} (an integer of ms, or <n>ms, <n>s, <n>m or <n>h)`, (input) => {
    const match = DURATION.exec(input);
    if (!match) return undefined;
    const value = Number(match[1]) * DURATION_UNIT_MS[(match[2] ?? 'ms') as keyof typeof DURATION_UNIT_MS];
    return Number.isSafeInteger(value) && value >= minMs && value <= maxMs ? value : undefined;
  });
}

/** Between two runs of a scheduled job, at least: each run scans its table, so a shorter interval hammers the database. */
export const MIN_JOB_INTERVAL_MS = 50;
/** Between two runs of a scheduled job, at most: Node fires a longer timer at once (the scheduler refuses it at start; this says so earlier, by name). */
export const MAX_JOB_INTERVAL_MS = 2 ** 31 - 1;

/** Between two runs of a scheduled job: a `duration` from 50 ms to 2^31 − 1 ms (`PAYMENT_RECONCILE_INTERVAL=30s`). */
export const jobInterval = duration(MIN_JOB_INTERVAL_MS, MAX_JOB_INTERVAL_MS);

/** The same bounds for a variable named in milliseconds (`ORDER_TIMEOUT_SCAN_INTERVAL_MS=1000`): a plain integer, no unit. */
export const jobIntervalMs = intBetween(MIN_JOB_INTERVAL_MS, MAX_JOB_INTERVAL_MS);

/** A whole number ≥ 0 (`0` often turns a feature off, as `RATE_LIMIT_PER_MINUTE` does). */
export const nonNegativeInt = expecting('an integer ≥ 0', (input) => {
  const value = INTEGER.test(input) ? Number(input) : NaN;
  return Number.isSafeInteger(value) ? value : undefined;
});

/** An absolute URL with a scheme and a host (`amqp://guest:guest@127.0.0.1:5672`, `postgres://postgres@127.0.0.1:5432`). */
export const url = expecting('an absolute URL such as scheme://host:port', (input) => {
  try {
    const parsed = new URL(input);
    return parsed.host === '' ? undefined : input;
  } catch {
    return undefined;
  }
});

/**
 * An absolute `http:` or `https:` URL with a host, as written (`http://127.0.0.1:3000/api/v1/payments/callback`).
 * Empty stands for unset, as compose's `${VAR:-}` passes it: `httpUrl({ default: undefined })` is an optional
 * URL, `undefined` when unset or empty. Any other scheme, a relative path or `host:port` without a scheme is refused.
 */
export const httpUrl = emptyIsUnset(
  expecting('an absolute http(s) URL such as http://127.0.0.1:3000/path', (input) => {
    try {
      const parsed = new URL(input);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host !== '' ? input : undefined;
    } catch {
      return undefined;
    }
  }),
);

/** A shared secret of at least 32 bytes (an HS256 or HMAC-SHA256 key). */
export const secret = expecting('a secret of at least 32 bytes', (input) => (Buffer.byteLength(input, 'utf8') >= 32 ? input : undefined));

/**
 * A bearer token (`METRICS_TOKEN`): at least 16 characters of the RFC 6750 token alphabet, which is
 * what a client can send after `Bearer ` (`openssl rand -hex 24` makes one). Empty stands for unset,
 * as compose's `${METRICS_TOKEN:-}` passes it, so the result is a valid token or `undefined`.
 */
const bearerTokenValidator = expecting(
  `a token of at least ${METRICS_TOKEN_MIN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (e.g. openssl rand -hex 24)`,
  (input) => (input.length >= METRICS_TOKEN_MIN_LENGTH && BEARER_TOKEN_PATTERN.test(input) ? input : undefined),
);
export const bearerToken = emptyIsUnset(bearerTokenValidator);

/** Any non-empty string. */
export const nonEmptyString = expecting('a non-empty string', (input) => (input.trim() === '' ? undefined : input));

/** A prefix for the keys a service writes in a shared store (Redis): 1 to 100 letters, digits and `:_.-`, nothing that needs quoting. */
export const keyPrefix = expecting('a key prefix (1 to 100 letters, digits, ":", "_", "." or "-")', (input) =>
  /^[A-Za-z0-9:_.-]{1,100}$/.test(input) ? input : undefined,
);

/** `true` or `false` (also `1` / `0`). */
export const bool = expecting('true or false', (input) => {
  if (input === 'true' || input === '1') return true;
  if (input === 'false' || input === '0') return false;
  return undefined;
});
