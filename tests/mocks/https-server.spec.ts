/**
 * The mocks' server over HTTPS: given a certificate and its key it is an HTTPS server, at an https:// url on the host
 * it was given, with the same answers and the same refusals of bytes that are not HTTP as over plain HTTP.
 */
import { connect } from 'node:tls';
import { test, expect } from '@playwright/test';
import { Agent, request } from 'undici';
import { startServer, type RunningServer } from '../../mocks/http/server.js';
import { haveOpenssl, makeSelfSignedCertificate, type CertificateAndKey } from '../tls-certificates.js';

const HOST = '127.0.0.2';

/** A mock server on HOST that echoes the method and path it was asked for. */
const startEchoServer = (tls: CertificateAndKey): Promise<RunningServer> =>
  startServer((exchange) => ({ status: 200, body: { method: exchange.method, path: exchange.path } }), {
    name: 'https-test',
    host: HOST,
    tls,
    errorBody: (_status, code, message) => ({ code, message }),
  });

test.beforeEach(() => {
  test.skip(!haveOpenssl, 'openssl is not installed: no certificate can be made');
});

test('given a certificate, a mock server answers over HTTPS to a client that trusts it, and only to such a client', async () => {
  const certificate = makeSelfSignedCertificate(HOST);
  const server = await startEchoServer(certificate);
  const trusting = new Agent({ connect: { ca: certificate.cert } });
  const untrusting = new Agent();
  try {
    expect(server.url).toBe(`https://${HOST}:${server.port}`);
    const response = await request(`${server.url}/over/tls?x=1`, { method: 'POST', body: '{}', dispatcher: trusting });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['x-request-id']).toBe('req-000001');
    expect(await response.body.json()).toEqual({ method: 'POST', path: '/over/tls' });
    // The default trust store knows nothing of this certificate: the handshake fails before any request is sent.
    await expect(request(`${server.url}/over/tls`, { dispatcher: untrusting })).rejects.toThrow(/self[- ]signed/i);
  } finally {
    await Promise.all([trusting.close(), untrusting.close()]);
    await server.stop();
  }
});

test('over HTTPS, bytes that are not HTTP are answered 400 with a JSON body, as over plain HTTP', async () => {
  const certificate = makeSelfSignedCertificate(HOST);
  const server = await startEchoServer(certificate);
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: HOST, port: server.port, ca: certificate.cert }, () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'MALFORMED_HTTP',
      message: 'the request is not valid HTTP/1.1',
    });
  } finally {
    await server.stop();
  }
});
