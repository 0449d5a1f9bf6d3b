import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ProblemException } from '@shop/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_REFERENCE_CSP, ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL, ApiReference, type ReferenceFile } from './api-reference.js';

/**
 * `GET /docs` (the API reference page) and `GET /docs/<asset>` (its scripts, stylesheet, icons); HEAD
 * too, as for every GET route. Like `/openapi.json`: not rate limited, no token.
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
    send(request, reply, this.reference.page, PAGE_CACHE_CONTROL);
  }

  @Get('docs/:asset')
  async asset(@Param('asset') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const file = this.reference.asset(name);
    if (!file) throw ProblemException.of(404, 'NOT_FOUND', 'The API reference page has no such file.');
    send(request, reply, await file, ASSET_CACHE_CONTROL);
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: ReferenceFile, cacheControl: string): void {
  // Set on the reply, these replace the JSON answers' policy the security hook put on the raw response.
  void reply.header('content-security-policy', API_REFERENCE_CSP).header('cache-control', cacheControl).header('etag', file.etag);
  if (matches(request.headers['if-none-match'], file.etag)) {
    void reply.status(304).send();
    return;
  }
  void reply.status(200).header('content-type', file.contentType).send(file.body);
}

/** RFC 9110 §13.1.2: `*`, or the ETag among the listed ones (weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
