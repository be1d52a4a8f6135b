/**
 * Whatever an issuer's backend sends, the observer answers a 4xx with a body (or relays D1's answer), never crashes
 * and never answers a 5xx of its own; the observation still ends with its evidence.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { send, type HttpResponse } from '../../lib/http/client.js';
import { ISSUER_ID, expect, failureLines, test } from './observer-fixtures.js';

const enrolPath = `/banking/v1/issuers/${ISSUER_ID}/cards/crd_1/operations:clickToPayEnrolment`;

/** Sends raw bytes and returns the status line the server answered. */
function rawStatusLine(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

const expectRefusedWithBody = (response: HttpResponse, status: number): void => {
  expect(response.status).toBe(status);
  expect(response.text.length).toBeGreaterThan(0);
};

test('malformed requests get a 4xx with a body, and the observation still reports them', async ({ observer, client }) => {
  const token = await client.token();
  const auth = { authorization: `Bearer ${token}` };
  expectRefusedWithBody(
    await send({
      method: 'POST',
      url: `${observer.url}${enrolPath}`,
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"name": ',
    }),
    400,
  );
  expectRefusedWithBody(
    await send({
      method: 'POST',
      url: `${observer.url}${enrolPath}`,
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'name=Ana',
    }),
    400,
  );
  expectRefusedWithBody(
    await send({
      method: 'POST',
      url: `${observer.url}${enrolPath}`,
      headers: { ...auth, 'content-type': 'application/json' },
      body: Buffer.alloc(1024 * 1024 + 1, 0x20),
    }),
    413,
  );
  expectRefusedWithBody(await send({ method: 'GET', url: `${observer.url}/not-d1/anything` }), 404);
  expectRefusedWithBody(await send({ method: 'GET', url: `${observer.url}/banking/v9/nothing/here`, headers: auth }), 404);
  const wrongMethod = await send({ method: 'DELETE', url: `${observer.url}${enrolPath}`, headers: auth });
  expectRefusedWithBody(wrongMethod, 405);
  expect(wrongMethod.headers.allow).toBe('POST');
  expectRefusedWithBody(
    await send({
      method: 'POST',
      url: `${observer.url}/banking/v1/issuers/%E0%A4%A/cards/x/operations:clickToPayEnrolment`,
      headers: auth,
    }),
    400,
  );
  expect(await rawStatusLine(observer.url, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);

  const evidence = await observer.stop();
  expect(failureLines(evidence)).toContain(
    '(no rule) at body / documented: a body in a declared media type that parses received: the body is not valid JSON',
  );
  expect(evidence.results.find((r) => r.kind === 'outside')?.title).toBe('observed calls outside the contracts: 2');
});

test('random requests never get a 5xx from the observer', async ({ observer, client }) => {
  const token = await client.token();
  const paths = [
    '/authz/v1/oauth2/token',
    enrolPath,
    `/banking/v2/issuers/${ISSUER_ID}/consumers/c%20d`,
    `/banking/v1/issuers/${ISSUER_ID}/cards/x/operations/y`,
    '/banking',
    '/authz/v1',
    '/__mock/nothing',
  ];
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      fc.constantFrom(...paths),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', ''),
      fc.boolean(),
      async (method, path, suffix, contentType, withToken) => {
        const hasBody = method !== 'GET' && method !== 'OPTIONS';
        const response = await send({
          method,
          url: `${observer.url}${path}${encodeURIComponent(suffix).slice(0, 40)}`,
          headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(withToken ? { authorization: `Bearer ${token}` } : {}) },
          ...(hasBody ? { body: randomBytes(32) } : {}),
        });
        statuses.push(response.status);
        expect(response.status, `${method} ${path}${suffix}`).toBeLessThan(500);
      },
    ),
    { numRuns: 150, seed: 20_240_601 },
  );
  expect(statuses.length).toBe(150);
  const evidence = await observer.stop();
  expect(evidence.exchangeCount).toBeGreaterThan(0);
});
