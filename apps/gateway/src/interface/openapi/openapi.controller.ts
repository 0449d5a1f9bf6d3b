import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The document served, as JSON text (built once, when the module is made). */
export const OPENAPI_JSON = Symbol('gateway.openApiJson');

/** `GET /openapi.json`: the API description. Not rate limited, no token. */
@Controller()
export class OpenApiController {
  constructor(@Inject(OPENAPI_JSON) private readonly body: string) {}

  @Get('openapi.json')
  document(@Res() reply: FastifyReply): void {
    void reply.status(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(this.body);
  }
}
