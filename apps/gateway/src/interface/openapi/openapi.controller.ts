import type { ServerResponse } from 'node:http';
import { Controller, Get, Res } from '@nestjs/common';
import { GATEWAY_ROUTES } from '../http/gateway.routes.js';
import { openApiDocument } from './openapi-document.js';

const API_VERSION = '1.0.0';

/** `GET /openapi.json`: the API description, built once. Not rate limited, no token. */
@Controller()
export class OpenApiController {
  private readonly body = JSON.stringify(openApiDocument(GATEWAY_ROUTES, API_VERSION));

  @Get('openapi.json')
  document(@Res() response: ServerResponse): void {
    response.statusCode = 200;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('cache-control', 'no-cache');
    response.end(this.body);
  }
}
