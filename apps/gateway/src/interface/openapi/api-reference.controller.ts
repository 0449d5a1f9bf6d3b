import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ProblemException } from '@shop/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_REFERENCE_CSP, ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL, ApiReference } from './api-reference.js';
import { sendStaticFile } from './static-file.js';

/**
 * `GET /docs` (the API reference page) and `GET /docs/<asset>` (its scripts, stylesheet, icons); HEAD
 * too, as for every GET route. Like `/openapi.json`: not rate limited, no token; not mounted with `API_DOCS=off`.
 */
@Controller()
export class ApiReferenceController {
  constructor(@Inject(ApiReference) private readonly reference: ApiReference) {}

  @Get('docs')
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    // `/docs/` would load `docs/…` from `/docs/docs/…`: send it to the page's one address, relatively (a proxy's prefix stays).
    const [path = '', query] = (request.raw.url ?? '').split(/\?(.*)/s, 2);
    if (path.endsWith('/')) {
      void reply
        .status(301)
        .header('location', `../docs${query === undefined ? '' : `?${query}`}`)
        .send();
      return;
    }
    sendStaticFile(request, reply, this.reference.page, { cacheControl: PAGE_CACHE_CONTROL, contentSecurityPolicy: API_REFERENCE_CSP });
  }

  @Get('docs/:asset')
  asset(@Param('asset') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const file = this.reference.asset(name);
    if (!file) throw ProblemException.of(404, 'NOT_FOUND', 'The API reference page has no such file.');
    sendStaticFile(request, reply, file, { cacheControl: ASSET_CACHE_CONTROL, contentSecurityPolicy: API_REFERENCE_CSP });
  }
}
