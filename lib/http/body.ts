import type { IncomingMessage } from 'node:http';

/** A request body larger than the reader's limit; the rest of it is left unread. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/**
 * Reads a request body whole, up to `limit` bytes, and calls `done` once: with the body, or with BodyTooLarge as soon
 * as a body declared or found larger is known (the rest is not buffered), or with the stream's error. A callback
 * rather than a promise: the mocks' server reads a body per request, and the promise and its reactions showed under
 * load. A body declared too large is refused at once, before this returns.
 */
export function readBodyThen(request: IncomingMessage, limit: number, done: (bodyOrError: Buffer | Error) => void): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    done(new BodyTooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (bodyOrError: Buffer | Error): void => {
    if (settled) return;
    settled = true;
    done(bodyOrError);
  };
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      request.removeAllListeners('data');
      settle(new BodyTooLarge());
      return;
    }
    chunks.push(chunk);
  });
  // Most bodies arrive in one chunk: no copy then.
  request.on('end', () => settle(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
  request.on('error', settle);
}

/**
 * Reads a request body whole, up to `limit` bytes: a body declared or found larger rejects with BodyTooLarge as soon
 * as that is known, without buffering the rest.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readBodyThen(request, limit, (bodyOrError) => {
      if (bodyOrError instanceof Error) reject(bodyOrError);
      else resolve(bodyOrError);
    });
  });
}
