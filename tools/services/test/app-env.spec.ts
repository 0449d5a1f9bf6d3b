import { describe, expect, it } from 'vitest';
import { appEnv } from '../app-env.mjs';

describe('start:services app environment', () => {
  it('puts every service on loopback, whatever HOST the shell exported', () => {
    for (const env of [{}, { HOST: '0.0.0.0' }]) {
      expect(appEnv({ name: 'user', port: 3001 }, env)).toMatchObject({ HOST: '127.0.0.1', PORT: '3001' });
    }
  });

  it('puts the gateway on loopback unless HOST says otherwise', () => {
    expect(appEnv({ name: 'gateway', port: 3000 }, {})).toMatchObject({ HOST: '127.0.0.1', PORT: '3000' });
    expect(appEnv({ name: 'gateway', port: 3000 }, { HOST: '0.0.0.0' })).toMatchObject({ HOST: '0.0.0.0' });
  });
});
