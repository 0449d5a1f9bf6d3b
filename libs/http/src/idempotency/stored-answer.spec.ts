import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { captureSentAnswer } from './stored-answer.js';

/** Just what captureSentAnswer uses of a ServerResponse. */
function fakeResponse() {
  const response = Object.assign(new EventEmitter(), {
    statusCode: 409,
    write: (_chunk: unknown) => true,
    end(chunk?: unknown) {
      if (chunk !== undefined) response.write(chunk);
      return response;
    },
    getHeader: (name: string) => (name === 'content-type' ? 'application/problem+json' : undefined),
  });
  return response;
}

describe('captureSentAnswer', () => {
  it('answers what was sent once the response finishes', async () => {
    const response = fakeResponse();
    const sent = captureSentAnswer(response as unknown as ServerResponse, 1_000);
    (response as unknown as ServerResponse).end('{"code":"X"}');
    response.emit('finish');
    expect(await sent).toEqual({ status: 409, contentType: 'application/problem+json', body: '{"code":"X"}' });
  });

  it('answers nothing when the connection closes first', async () => {
    const response = fakeResponse();
    const sent = captureSentAnswer(response as unknown as ServerResponse, 1_000);
    response.emit('close');
    expect(await sent).toBeUndefined();
  });

  it('answers nothing by its deadline when the response neither finishes nor closes, so the key does not stay in flight', async () => {
    const response = fakeResponse();
    const started = performance.now();
    expect(await captureSentAnswer(response as unknown as ServerResponse, 50)).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
