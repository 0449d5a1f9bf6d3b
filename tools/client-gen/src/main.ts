// `npm run client:generate`: rewrites libs/client/src/api-types.ts from the gateway's OpenAPI document.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { API_TYPES_FILE, generateApiTypes } from './generate-api-types.js';

const generated = await generateApiTypes();
const before = (() => {
  try {
    return readFileSync(API_TYPES_FILE, 'utf8');
  } catch {
    return undefined;
  }
})();
const shown = relative(process.cwd(), API_TYPES_FILE);
if (before === generated) {
  console.log(`${shown}: unchanged`);
} else {
  writeFileSync(API_TYPES_FILE, generated);
  console.log(`${shown}: written (${generated.split('\n').length} lines)`);
}
