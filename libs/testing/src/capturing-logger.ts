import { createLogger, type Logger } from '@shop/observability';

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One line the logger wrote: its level by name, its message and every other field it carried. */
export interface LogLine {
  readonly level: LogLevelName;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CapturingLogger {
  readonly logger: Logger;
  /** Every line written so far, oldest first. */
  readonly lines: LogLine[];
  /** The messages of the lines at `level` (every level when omitted), oldest first. */
  messages(level?: LogLevelName): string[];
}

const LEVEL_NAMES: Readonly<Record<number, LogLevelName>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * A service's logger (`createLogger`, the production one: same fields, same mixins) that keeps every line
 * it writes, parsed, for the test to read; written synchronously, so a line is there once the call that
 * logged it has returned.
 *
 *     const { logger, lines } = capturingLogger({ service: 'points', level: 'debug' });
 *     expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'balance mismatch', userId }));
 */
export function capturingLogger(options: { service?: string; level?: LogLevelName } = {}): CapturingLogger {
  const lines: LogLine[] = [];
  const write = (chunk: string): void => {
    for (const text of chunk.split('\n')) {
      if (!text.trim()) continue;
      const { level, msg, ...fields } = JSON.parse(text) as { level: number; msg?: string } & Record<string, unknown>;
      lines.push({ ...fields, level: LEVEL_NAMES[level] ?? (String(level) as LogLevelName), msg: msg ?? '' });
    }
  };
  const logger = createLogger(options.service ?? 'test', { level: options.level ?? 'debug' }, { write });
  return {
    logger,
    lines,
    messages: (level) => lines.filter((line) => level === undefined || line.level === level).map((line) => line.msg),
  };
}

/** Each line's level and message only: what most specs of a logging class pin down. */
export const levelsAndMessages = (lines: readonly LogLine[]): Array<{ level: LogLevelName; msg: string }> => lines.map(({ level, msg }) => ({ level, msg }));
