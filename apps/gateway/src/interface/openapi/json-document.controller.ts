import { Controller, Get, Inject, Req, Res, type Type } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendStaticFile, staticFile, type StaticFile } from './static-file.js';

/** The documents change with the gateway: revalidated on every load (a 304 when unchanged). */
const DOCUMENT_CACHE_CONTROL = 'no-cache';

/** A document as the gateway serves it: its JSON text, compressed once, when the module is made. */
export const jsonDocument = (document: unknown): Promise<StaticFile> => staticFile(Buffer.from(JSON.stringify(document)), 'application/json; charset=utf-8');

/**
 * `GET <path>` answering the document provided under `token` (`/openapi.json`, `/asyncapi.json`). The
 * gateway's own route: no guard, so no token and no rate limit.
 */
export function jsonDocumentController(path: string, token: symbol): Type<unknown> {
  @Controller()
  class JsonDocumentController {
    constructor(@Inject(token) private readonly document: StaticFile) {}

    @Get(path)
    answer(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
      sendStaticFile(request, reply, this.document, { cacheControl: DOCUMENT_CACHE_CONTROL });
    }
  }
  return JsonDocumentController;
}
