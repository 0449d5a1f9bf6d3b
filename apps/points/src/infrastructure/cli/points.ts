#!/usr/bin/env node
import { runPointsCommand } from './points-command.js';

// `npm run points -- reconcile`: the points context's operator commands (see POINTS_USAGE).
const code = await runPointsCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exit(code);
