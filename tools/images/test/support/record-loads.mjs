// Preloaded (`node --import`) into an app started from an image's tree by image-tree.spec.ts: appends
// each module resolution that lands in a node_modules folder, ESM imports and CommonJS requires alike,
// to the file SHOP_RECORD_LOADS names, one JSON line each: { specifier, parent, resolved } (paths).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env['SHOP_RECORD_LOADS'];
if (!out) throw new Error('record-loads: SHOP_RECORD_LOADS names no file');

register(new URL('./record-loads.hooks.mjs', import.meta.url), { data: { out } });

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const resolved = resolveFilename.call(this, request, parent, ...rest);
  if (resolved.includes('/node_modules/')) appendFileSync(out, `${JSON.stringify({ specifier: request, parent: parent?.filename, resolved })}\n`);
  return resolved;
};
