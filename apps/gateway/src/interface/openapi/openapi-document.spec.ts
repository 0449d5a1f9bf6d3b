import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES } from '../http/gateway.routes.js';
import { openApiDocument } from './openapi-document.js';

const document = openApiDocument(GATEWAY_ROUTES, '1.0.0') as Record<string, any>;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every forwarded route with its security and its answers', () => {
    for (const route of GATEWAY_ROUTES) {
      const operation = document['paths'][route.path][route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.security).toEqual(route.access === 'user' ? [{ bearerAuth: [] }] : []);
      for (const status of ['429', '503', '504', ...Object.keys(route.responses)]) expect(operation.responses[status], `${route.path} ${status}`).toBeDefined();
      if (route.access === 'user') expect(operation.responses['401']).toBeDefined();
      if (route.requestBody) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '413']));
    }
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const path = ref.slice('"$ref":"#/'.length, -1).split('/');
      const target = path.reduce<any>((node, key) => node?.[key], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('carries schemas that compile as JSON Schema 2020-12 (the dialect of OpenAPI 3.1)', () => {
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    for (const [name, schema] of Object.entries(document['components']['schemas'])) {
      expect(() => ajv.compile(schema as object), name).not.toThrow();
    }
    const problem = ajv.compile(document['components']['schemas']['Problem']);
    expect(problem({ type: 'urn:shop:problem:RATE_LIMITED', title: 'Too Many Requests', status: 429, detail: 'slow down', code: 'RATE_LIMITED' })).toBe(true);
    expect(problem({ status: 429 })).toBe(false);
  });
});
