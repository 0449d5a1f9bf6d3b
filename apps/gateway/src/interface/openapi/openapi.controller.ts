import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';

/** The document served, as JSON text (built once, when the module is made). */
export const OPENAPI_JSON = Symbol('gateway.openApiJson');

/** `GET /openapi.json`: the API description. Not rate limited, no token. */
@Controller()
export class OpenApiController {
  constructor(@Inject(OPENAPI_JSON) private readonly body: string) {}

  @Get('openapi.json')
  document(@Res() response: ServerResponse): void {
    response.statusCode = 200;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('cache-control', 'no-cache');
    response.end(this.body);
  }
}
