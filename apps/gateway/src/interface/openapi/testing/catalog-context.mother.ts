import { Type, defineContext, type ContextDefinition, type HttpRouteDefinition } from '@shop/contracts';

/**
 * `catalog`: a context the gateway has never heard of, for the specs that show a new context needs no
 * gateway code. Defined as a new one would be (port 3099, its tag `catalog`); a spec states only the
 * routes that matter to it, `aCatalogRoute` fills in the rest.
 */

/** What the catalog's routes answer. */
export const CatalogItem = Type.Object({ itemId: Type.String(), name: Type.String() }, { title: 'CatalogItem' });
/** What its routes that take a body take. */
export const NewCatalogItem = Type.Object({ name: Type.String({ minLength: 1 }) }, { title: 'NewCatalogItem', additionalProperties: false });

export type CatalogRoute = Pick<HttpRouteDefinition, 'operationId' | 'method' | 'path'> & Partial<HttpRouteDefinition>;

/** A route of the catalog: for a signed-in user, under its tag, answering 200 with an item, unless told otherwise. */
export const aCatalogRoute = (route: CatalogRoute): HttpRouteDefinition => ({
  access: 'user',
  tag: 'catalog',
  summary: route.operationId,
  responses: { 200: { description: 'The item', schema: CatalogItem } },
  ...route,
});

/** The catalog context with `routes` (by default one: `GET /items/{itemId}`, `getItem`). */
export function aCatalogContext(
  routes: Readonly<Record<string, CatalogRoute>> = { item: { operationId: 'getItem', method: 'GET', path: '/items/{itemId}' } },
): ContextDefinition<'catalog'> {
  return defineContext({
    name: 'catalog',
    port: 3099,
    tags: { catalog: 'The catalog' },
    routes: Object.fromEntries(Object.entries(routes).map(([name, route]) => [name, aCatalogRoute(route)])),
  });
}
