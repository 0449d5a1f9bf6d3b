import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The AsyncAPI document served, as JSON text (built once, when the module is made). */
export const ASYNCAPI_JSON = Symbol('gateway.asyncApiJson');

/** `GET /asyncapi.json`: the events between the services. Like `/openapi.json`: not rate limited, no token. */
@Controller()
export class AsyncApiController {
  constructor(@Inject(ASYNCAPI_JSON) private readonly body: string) {}

  @Get('asyncapi.json')
  document(@Res() reply: FastifyReply): void {
    void reply.status(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(this.body);
  }
}
