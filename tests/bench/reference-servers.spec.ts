/**
 * The benchmark's reference servers answer alike: the bare node:http server and the mocks' own server with a fixed
 * answer send the same JSON body on any path, so that what separates them from each other, and from the mock D1, is
 * the serving path and not the answer.
 */
import { test, expect } from '@playwright/test';
import { startIsolatedServer } from '../../bench/isolated-server.js';
import { send } from '../../lib/http/client.js';

for (const kind of ['bare-http', 'mock-server-fixed'] as const) {
  test(`the ${kind} reference server answers an opt-out with the fixed operation body`, async () => {
    const server = await startIsolatedServer({ kind });
    try {
      const answer = await send({
        method: 'POST',
        url: `${server.url}/v1/issuers/TESTBANK01/cards/crd_1/operations:clickToPayOptout`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'customer request' }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({ operationId: 'op_01HZX3J8K2M4N6P8Q0R2S4T6V8', status: 'PENDING' });
    } finally {
      await server.stop();
    }
  });
}
