/**
 * lib/http: the one list of hop-by-hop headers the observer's forwarder and the chaos front share, and the one body
 * reader with a size limit the mock server and the chaos front share.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';
import { BodyTooLarge, readBody } from '../../lib/http/body.js';
import { endToEndHeaders } from '../../lib/http/hop-by-hop.js';

test('hop-by-hop headers, the connection options and the framing are not sent on; the rest is, repeated ones joined', () => {
  const kept = endToEndHeaders(
    {
      connection: 'keep-alive, X-Session-Hint',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'proxy-authorization': 'Basic eA==',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      trailer: 'x-checksum',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      host: 'observer.local',
      'content-length': '12',
      expect: '100-continue',
      'x-session-hint': 'only for this hop',
      authorization: 'Bearer abc',
      'content-type': 'application/json',
      'accept-encoding': 'gzip',
      'set-cookie': ['a=1', 'b=2'],
    },
    new Set(['accept-encoding']),
  );
  expect(kept).toEqual({ authorization: 'Bearer abc', 'content-type': 'application/json', 'set-cookie': 'a=1, b=2' });
});

test('a body within the limit is read whole; a larger one, declared or streamed, is refused without buffering it', async () => {
  const outcomes: string[] = [];
  const server = createServer((request, response) => {
    readBody(request, 16).then(
      (body) => outcomes.push(`read ${body.length}`),
      (error: unknown) => outcomes.push(error instanceof BodyTooLarge ? 'too large' : String(error)),
    );
    request.on('end', () => response.end());
    setTimeout(() => response.end(), 200).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const post = (body: string, headers: Record<string, string> = {}): Promise<void> =>
    new Promise((resolve) => {
      const sent = httpRequest({ host: '127.0.0.1', port, method: 'POST', headers }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      sent.on('error', () => resolve());
      sent.end(body);
    });
  try {
    await post('{"small":true}');
    await post('x'.repeat(64));
    await post('x'.repeat(64), { 'transfer-encoding': 'chunked' });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  expect(outcomes).toEqual(['read 14', 'too large', 'too large']);
});
