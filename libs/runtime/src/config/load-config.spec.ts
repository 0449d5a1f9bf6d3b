import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from './load-config.js';
import { bool, nonNegativeInt, port, positiveInt, secret, url } from './config-validators.js';
import { str } from 'envalid';

const spec = {
  PORT: port({ default: 3001 }),
  AMQP_URL: url({ default: undefined, desc: 'RabbitMQ; embedded mode without it' }),
  ORDER_PAYMENT_TIMEOUT_SECONDS: positiveInt({ default: 900 }),
  RATE_LIMIT_PER_MINUTE: nonNegativeInt({ default: 120 }),
  INTERNAL_AUTH_SECRET: secret({ desc: 'shared by the gateway and the services' }),
  PAYMENT_SANDBOX: bool({ default: false }),
  LOG_LEVEL: str({ choices: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' }),
};

const SECRET = 's'.repeat(32);

function errorOf(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadConfig(spec, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('reads, parses and defaults every variable', () => {
    const config = loadConfig(spec, { INTERNAL_AUTH_SECRET: SECRET, PORT: '4000', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', PAYMENT_SANDBOX: 'true' });
    expect(config.PORT).toBe(4000);
    expect(config.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(config.ORDER_PAYMENT_TIMEOUT_SECONDS).toBe(900);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(120);
    expect(config.INTERNAL_AUTH_SECRET).toBe(SECRET);
    expect(config.PAYMENT_SANDBOX).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('leaves an optional variable undefined', () => {
    expect(loadConfig(spec, { INTERNAL_AUTH_SECRET: SECRET }).AMQP_URL).toBeUndefined();
  });

  it('throws one error naming every bad or missing variable with what it expects', () => {
    const error = errorOf({
      PORT: '70000',
      AMQP_URL: 'localhost',
      ORDER_PAYMENT_TIMEOUT_SECONDS: '0',
      RATE_LIMIT_PER_MINUTE: '-1',
      PAYMENT_SANDBOX: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(error.problems).toEqual([
      { variable: 'PORT', problem: 'invalid; expected a TCP port (an integer from 1 to 65535)' },
      { variable: 'AMQP_URL', problem: 'invalid; expected an absolute URL such as scheme://host:port (RabbitMQ; embedded mode without it)' },
      { variable: 'ORDER_PAYMENT_TIMEOUT_SECONDS', problem: 'invalid; expected a positive integer' },
      { variable: 'RATE_LIMIT_PER_MINUTE', problem: 'invalid; expected an integer ≥ 0' },
      { variable: 'INTERNAL_AUTH_SECRET', problem: 'missing; expected a secret of at least 32 bytes (shared by the gateway and the services)' },
      { variable: 'PAYMENT_SANDBOX', problem: 'invalid; expected true or false' },
      { variable: 'LOG_LEVEL', problem: 'invalid; expected one of debug, info, warn, error, silent' },
    ]);
    expect(error.message).toBe(
      [
        'Invalid configuration (7 variables):',
        '  - PORT: invalid; expected a TCP port (an integer from 1 to 65535)',
        '  - AMQP_URL: invalid; expected an absolute URL such as scheme://host:port (RabbitMQ; embedded mode without it)',
        '  - ORDER_PAYMENT_TIMEOUT_SECONDS: invalid; expected a positive integer',
        '  - RATE_LIMIT_PER_MINUTE: invalid; expected an integer ≥ 0',
        '  - INTERNAL_AUTH_SECRET: missing; expected a secret of at least 32 bytes (shared by the gateway and the services)',
        '  - PAYMENT_SANDBOX: invalid; expected true or false',
        '  - LOG_LEVEL: invalid; expected one of debug, info, warn, error, silent',
      ].join('\n'),
    );
  });

  it('never echoes a value, which may be a secret', () => {
    const error = errorOf({ INTERNAL_AUTH_SECRET: 'hunter2-too-short' });
    expect(error.problems).toEqual([
      { variable: 'INTERNAL_AUTH_SECRET', problem: 'invalid; expected a secret of at least 32 bytes (shared by the gateway and the services)' },
    ]);
    expect(error.message).not.toContain('hunter2');
  });

  it('is strict about numbers: no units, signs, spaces or exponents', () => {
    for (const bad of ['3000ms', '+3000', ' 3000', '3e3', '3000.0', '0x10', '']) {
      expect(
        errorOf({ INTERNAL_AUTH_SECRET: SECRET, PORT: bad }).problems.map((p) => p.variable),
        bad,
      ).toEqual(['PORT']);
    }
  });

  it('refuses to read a variable the spec does not name', () => {
    const config = loadConfig(spec, { INTERNAL_AUTH_SECRET: SECRET }) as unknown as Record<string, unknown>;
    expect(() => config['PROT']).toThrow();
  });
});
