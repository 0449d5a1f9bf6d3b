import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, GENERATE_COMMAND, generateApiTypes } from './generate-api-types.js';

/** Where two texts part: the first line that differs, as each has it. */
function firstDifference(committed: string, generated: string): string {
  const [was, now] = [committed.split('\n'), generated.split('\n')];
  const line = was.findIndex((text, index) => text !== now[index]);
  const at = line === -1 ? was.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(was[at] ?? '<end of file>')}, generated ${JSON.stringify(now[at] ?? '<end of file>')}`;
}

describe("@shop/client's generated types", { timeout: 60_000 }, () => {
  it('are what the gateway’s OpenAPI document generates now (else run `npm run client:generate` and commit the file)', async () => {
    const generated = await generateApiTypes();
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    const difference = committed === generated ? undefined : firstDifference(committed, generated);
    expect(
      difference,
      `libs/client/src/api-types.ts is not what the gateway's OpenAPI document generates: run \`${GENERATE_COMMAND}\` and commit it`,
    ).toBeUndefined();
  });

  it('generates the same text from the same sources', async () => {
    expect(await generateApiTypes()).toBe(await generateApiTypes());
  });
});
