import { EnvMissingError, cleanEnv, type CleanedEnv, type ReporterOptions, type ValidatorSpec } from 'envalid';
import { EMPTY_IS_UNSET, EXPECTED } from './config-validators.js';

export type ConfigSpec = Record<string, ValidatorSpec<unknown>>;

export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Every bad or missing variable at once, by name, with what it should hold. */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} ${problems.length === 1 ? 'variable' : 'variables'}):\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`,
    );
    this.name = 'ConfigurationError';
  }
}

/**
 * Reads and validates every variable of `spec` from the environment at start, on envalid: one
 * `ConfigurationError` lists everything wrong (envalid's own reporter would print and exit the
 * process instead). The result is read-only and refuses to read a variable the spec does not name.
 */
export function loadConfig<S extends ConfigSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): CleanedEnv<S> {
  const emptyAsUnset = Object.keys(spec).filter((variable) => env[variable] === '' && (spec[variable] as { [EMPTY_IS_UNSET]?: boolean })[EMPTY_IS_UNSET]);
  const read = emptyAsUnset.length === 0 ? env : Object.fromEntries(Object.entries(env).filter(([variable]) => !emptyAsUnset.includes(variable)));
  return cleanEnv(read, spec, {
    reporter: ({ errors }: ReporterOptions<S>) => {
      const problems = Object.entries(errors).flatMap(([variable, error]) =>
        error instanceof Error ? [{ variable, problem: describe(spec[variable]!, error) }] : [],
      );
      if (problems.length > 0) throw new ConfigurationError(problems);
    },
  });
}

function describe(spec: ValidatorSpec<unknown>, error: Error): string {
  const expected = (spec as { [EXPECTED]?: string })[EXPECTED];
  const choices = spec.choices ? `one of ${spec.choices.map((choice) => String(choice)).join(', ')}` : undefined;
  const what = choices ?? expected;
  const about = spec.desc ? ` (${spec.desc})` : '';
  if (error instanceof EnvMissingError) return `missing; expected ${what ?? 'a value'}${about}`;
  return `invalid; ${what ? `expected ${what}` : error.message}${about}`;
}
