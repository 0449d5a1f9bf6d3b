// The baseline: a bare node:http server answering a small JSON body, in its own process.
// PORT and HOST from the environment (the bench picks a free port).
import { createServer } from 'node:http';

const body = JSON.stringify({ userId: '00000000-0000-4000-8000-000000000000', email: 'bare@example.com', nickname: null, roles: ['customer'] });

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.listen(Number(process.env['PORT']), process.env['HOST'] ?? '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
