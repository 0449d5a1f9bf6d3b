import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The gateway's own static answers (the documents, the API reference page and its assets): kept in
 * memory, each with a strong ETag, and gzip-compressed once when they are made, so that a request for
 * the 1.7 MB Swagger UI bundle costs ~460 KB of egress and no CPU. Anyone may ask for them, often.
 */

/** One encoding of a file: its bytes and a strong ETag of them (RFC 9110 §8.8.3: one per representation). */
export interface Representation {
  readonly body: Buffer;
  readonly etag: string;
}

export interface StaticFile {
  readonly contentType: string;
  readonly identity: Representation;
  /** The gzip encoding, for a text file big enough to gain from it. */
  readonly gzip?: Representation;
}

/** Below this, compression saves less than a packet: sent as is. */
const MIN_COMPRESSED_BYTES = 1_024;

const gzipped = promisify(gzip);

const representationOf = (body: Buffer): Representation => ({
  body,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** A file to serve, with its gzip encoding made now when worth it (text, at least 1 KiB, smaller once compressed). */
export async function staticFile(body: Buffer, contentType: string): Promise<StaticFile> {
  const file = { contentType, identity: representationOf(body) };
  if (body.length < MIN_COMPRESSED_BYTES || !/^(?:text\/|application\/json)/.test(contentType)) return file;
  const compressed = await gzipped(body, { level: 9 });
  return compressed.length < body.length ? { ...file, gzip: representationOf(compressed) } : file;
}

export interface StaticFileHeaders {
  readonly cacheControl: string;
  /** Replaces the JSON answers' policy the security hook put on the raw response. */
  readonly contentSecurityPolicy?: string;
}

/** Answers `file`: gzip when the client accepts it, 304 when its copy is current (HEAD: the same, without the body). */
export function sendStaticFile(request: FastifyRequest, reply: FastifyReply, file: StaticFile, headers: StaticFileHeaders): void {
  const chosen = file.gzip && acceptsGzip(request.headers['accept-encoding']) ? file.gzip : file.identity;
  void reply.header('cache-control', headers.cacheControl).header('etag', chosen.etag);
  if (headers.contentSecurityPolicy !== undefined) void reply.header('content-security-policy', headers.contentSecurityPolicy);
  if (file.gzip) {
    // Caches must keep the two encodings apart.
    const vary = reply.getHeader('vary');
    void reply.header('vary', vary === undefined ? 'accept-encoding' : `${String(vary)}, accept-encoding`);
  }
  if (matches(request.headers['if-none-match'], chosen.etag)) {
    void reply.status(304).send();
    return;
  }
  if (chosen === file.gzip) void reply.header('content-encoding', 'gzip');
  void reply.status(200).header('content-type', file.contentType).send(chosen.body);
}

/**
 * RFC 9110 §12.5.3: gzip (or its alias x-gzip) listed with a non-zero weight, or, when it is not
 * listed, `*` with one. Absent header: no preference, but old clients that send none may not
 * decompress: identity.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let wildcard = false;
  for (const entry of acceptEncoding.split(',')) {
    const [coding = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const weight = parameters.find((parameter) => parameter.startsWith('q='));
    const accepted = weight === undefined || Number(weight.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') return accepted;
    if (coding === '*') wildcard = accepted;
  }
  return wildcard;
}

/** RFC 9110 §13.1.2: `*`, or the ETag among the listed ones (weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
