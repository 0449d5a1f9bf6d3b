#!/usr/bin/env node
import { AmqpTransport } from '../amqp/index.js';
import { runDlqCommand } from './dlq-command.js';

// `npm run dlq -- list order`: lists, inspects and replays a service's dead letters.
const code = await runDlqCommand(process.argv.slice(2), {
  connectAmqp: (url) => AmqpTransport.connect({ url, connectionName: 'shop-dlq-cli', initialConnectRetries: 1 }),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exit(code);
