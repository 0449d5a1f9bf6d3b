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
export const bearerToken = ((spec?: Spec<string>) => Object.assign(bearerTokenValidator(spec), { [EMPTY_IS_UNSET]: true })) as BaseValidator<string>;

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
