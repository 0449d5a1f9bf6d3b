/**
 * The path of a request target, without its query: what logs, problem `instance`s and spans show,
 * since a query may carry ids or tokens.
 */
export function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
