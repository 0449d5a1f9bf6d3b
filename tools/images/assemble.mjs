#!/usr/bin/env node
// `node tools/images/assemble.mjs <app> <outDir> [--no-install]`: writes the file tree of the app's
// container image into outDir (what docker/Dockerfile's runtime stage copies to /app): package.json and
// package-lock.json pruned to the app's npm packages, node_modules from `npm ci --omit=dev` (skipped
// with --no-install), apps/<app>/ and libs/<lib>/ for the workspace libraries it loads (linked as node_modules/@shop/<lib>).
// Run from a built workspace (`nx run @shop/<app>:build`). `node apps/<app>/dist/main.js` in outDir starts the app.
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const [app, outDir] = args.filter((arg) => !arg.startsWith('--'));
if (!app || !outDir || args.some((arg) => arg.startsWith('--') && arg !== '--no-install')) {
  console.error('usage: node tools/images/assemble.mjs <app> <outDir> [--no-install]');
  process.exit(2);
}
// Nx finds the workspace from the working directory; one process, no daemon to leave behind.
const { WORKSPACE_ROOT, assembleImage } = await import('./image-tree.mjs');
const target = resolve(outDir);
process.chdir(WORKSPACE_ROOT);
process.env.NX_DAEMON ??= 'false';
try {
  await assembleImage(app, target, { install: !args.includes('--no-install') });
} catch (error) {
  console.error(`assemble: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
