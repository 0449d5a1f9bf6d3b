// The module hooks record-loads.mjs registers: ESM resolutions, recorded as its CommonJS ones are.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let out;

export function initialize(data) {
  out = data.out;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith('file:') && result.url.includes('/node_modules/')) {
    const parent = context.parentURL?.startsWith('file:') ? fileURLToPath(context.parentURL) : context.parentURL;
    appendFileSync(out, `${JSON.stringify({ specifier, parent, resolved: fileURLToPath(result.url) })}\n`);
  }
  return result;
}
