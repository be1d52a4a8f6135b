/** The reference issuer as a command (`npm run mock:issuer`): its first line, its log, its options, its exits. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { basicAuthorization, formRequest, jsonRequest, send } from '../../../lib/http/client.js';
import { announcedUrls, test as cliTest } from './cli-process.js';
import { expect } from './issuer-fixtures.js';

const SECRET = 'cli-test-secret-3b8e';

/**
 * Writes a consumer file in a directory of its own, outside test-results (which another Playwright run starting may
 * empty at any time), and removes it when the test ends.
 */
const test = cliTest.extend<{ consumerFile: (consumers: unknown) => string }>({
  // Playwright reads a fixture's dependencies from this pattern, so it stays even when empty.
  consumerFile: async ({}, use) => {
    const directory = mkdtempSync(path.join(tmpdir(), 'issuer-cli-'));
    let written = 0;
    await use((consumers) => {
      written += 1;
      const file = path.join(directory, `consumers-${written}.json`);
      writeFileSync(file, JSON.stringify(consumers));
      return file;
    });
    rmSync(directory, { recursive: true, force: true });
  },
});

const tokenFrom = async (authUrl: string, clientSecret: string, clientId = 'd1-notifier'): Promise<{ status: number; json: unknown }> =>
  send(
    formRequest(
      `${authUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuthorization(clientId, clientSecret) },
    ),
  );

const cardNotification = {
  operations: [
    {
      operationId: 'op_cli_0001',
      operation: 'CLICK_TO_PAY_ENROLMENT',
      status: 'PENDING',
      startTime: '2025-01-17T06:28:02.492Z',
      cardId: 'crd_1',
    },
  ],
};

test('the command announces its URLs on its first line, serves, logs each request, and stops on SIGTERM', async ({ startCli }) => {
  const cli = startCli(['--port', '0', '--client-secret', SECRET, '--issuer-id', 'CLIBANK001']);
  const { baseUrl, authUrl } = announcedUrls(await cli.firstLine);
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(authUrl).toBe(`${baseUrl}/authz/d1/v1`);

  const tokenAnswer = await tokenFrom(authUrl, SECRET);
  expect(tokenAnswer.status).toBe(200);
  const token = (tokenAnswer.json as { access_token: string }).access_token;
  const notified = await send(
    jsonRequest('POST', `${baseUrl}/notifications/d1/v2/issuers/CLIBANK001/cards`, cardNotification, { authorization: `Bearer ${token}` }),
  );
  expect(notified.status).toBe(204);

  cli.child.kill('SIGTERM');
  expect(await cli.exited).toBe(0);
  expect(cli.stderr).toEqual([]);
  expect(cli.stdout.filter((line) => line.startsWith('[reference-issuer'))).toEqual([
    expect.stringMatching(/^\[reference-issuer req-000001\] POST \/authz\/d1\/v1\/oauth2\/token -> 200 \(\d+\.\d ms\)$/),
    expect.stringMatching(
      /^\[reference-issuer req-000002\] POST \/notifications\/d1\/v2\/issuers\/CLIBANK001\/cards -> 204 \(\d+\.\d ms\)$/,
    ),
  ]);
  expect(cli.stdout.at(-1)).toBe('reference issuer stopped (SIGTERM)');
  const output = cli.stdout.join('\n');
  expect(output).not.toContain(token);
  expect(output).not.toContain(SECRET);
});

test('the command stops cleanly on SIGINT', async ({ startCli }) => {
  const cli = startCli(['--port', '0', '--client-secret', SECRET]);
  await cli.firstLine;
  cli.child.kill('SIGINT');
  expect(await cli.exited).toBe(0);
  expect(cli.stdout.at(-1)).toBe('reference issuer stopped (SIGINT)');
});

test('without a client secret one is generated and never shown, so no token can be had', async ({ startCli }) => {
  const cli = startCli(['--port', '0']);
  const { authUrl } = announcedUrls(await cli.firstLine);
  await expect.poll(() => cli.stdout[1]).toContain('a random secret was generated and is not shown');
  expect((await tokenFrom(authUrl, '')).status).toBe(401);
  expect(cli.stdout.join('\n')).not.toMatch(/secret[=:] *\S{20,}/i);
});

test('the client secret can come from ISSUER_CLIENT_SECRET, out of the process list', async ({ startCli }) => {
  const cli = startCli(['--port', '0'], { ISSUER_CLIENT_SECRET: SECRET });
  const { authUrl } = announcedUrls(await cli.firstLine);
  expect((await tokenFrom(authUrl, SECRET)).status).toBe(200);
  expect(cli.stdout.join('\n')).not.toContain('generated');
});

test('--client-id, --token-lifetime, --no-bearer, --consumer-file and --fault take effect', async ({ startCli, consumerFile }) => {
  const consumers = consumerFile({ cns_file_0001: { language: 'de-DE', firstName: 'Datei', lastName: 'Kundin' } });
  const cli = startCli([
    '--port',
    '0',
    '--client-id',
    'cli-client',
    '--client-secret',
    SECRET,
    '--token-lifetime',
    '42',
    '--no-bearer',
    '--consumer-file',
    consumers,
    '--fault',
    'card-batch-rejected',
    '--fault',
    'token-type-lowercase',
  ]);
  const { baseUrl, authUrl } = announcedUrls(await cli.firstLine);

  const tokenAnswer = await tokenFrom(authUrl, SECRET, 'cli-client');
  expect(tokenAnswer.json).toMatchObject({ expires_in: '42', token_type: 'bearer' });
  const consumer = await send({ method: 'GET', url: `${baseUrl}/banking/d1/v1/issuers/TESTBANK01/consumers/cns_file_0001` });
  expect(consumer.status).toBe(200);
  expect(consumer.json).toEqual({ consumerInfo: { language: 'de-DE', firstName: 'Datei', lastName: 'Kundin' } });
  const batch = { operations: [...cardNotification.operations, { ...cardNotification.operations[0], operationId: 'op_cli_0002' }] };
  expect((await send(jsonRequest('POST', `${baseUrl}/notifications/d1/v2/issuers/TESTBANK01/cards`, batch))).status).toBe(400);
  const health = await send({ method: 'GET', url: `${baseUrl}/__mock/health` });
  expect(health.json).toMatchObject({ requireBearer: false, faults: ['card-batch-rejected', 'token-type-lowercase'] });
  expect(cli.stdout).toContain('faults on: card-batch-rejected, token-type-lowercase');
  expect(cli.stdout.join('\n')).not.toContain('Kundin');
});

const wrongOptions: readonly { readonly what: string; readonly args: readonly string[]; readonly message: RegExp }[] = [
  { what: 'an unknown option', args: ['--bogus'], message: /--bogus/ },
  { what: 'a port that is not a number', args: ['--port', 'eighty'], message: /--port must be a port number/ },
  { what: 'an unknown fault', args: ['--fault', 'no-such-fault'], message: /unknown fault no-such-fault/ },
  { what: 'a token lifetime of 0', args: ['--token-lifetime', '0'], message: /--token-lifetime/ },
  { what: 'an issuer id of 5 characters', args: ['--issuer-id', 'SHORT'], message: /--issuer-id must be exactly 10 characters/ },
  {
    what: 'a consumer file that does not exist',
    args: ['--consumer-file', '/nonexistent/consumers.json'],
    message: /--consumer-file .* cannot be read: ENOENT/,
  },
  { what: 'an option without its value', args: ['--client-id'], message: /--client-id/ },
];

for (const { what, args, message } of wrongOptions) {
  test(`${what} ends the command with one line on stderr, no stack trace, exit code 2`, async ({ startCli }) => {
    const cli = startCli(args);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr).toHaveLength(1);
    expect(cli.stderr[0]).toMatch(message);
    expect(cli.stderr[0]).not.toMatch(/\bat .*:\d+:\d+/);
    expect(cli.stdout).toEqual([]);
  });
}

test('a consumer file the contract would refuse ends the command with exit code 2, without repeating its data', async ({
  startCli,
  consumerFile,
}) => {
  const cli = startCli(['--consumer-file', consumerFile({ cns_bad_0001: { language: 'german', firstName: 'Verrat', lastName: 'Nie' } })]);
  expect(await cli.exited).toBe(2);
  expect(cli.stderr).toEqual([expect.stringContaining('CONSUMER-INFO-LANGUAGE-PATTERN')]);
  expect(cli.stderr[0]).not.toContain('german');
});

test('a port already in use ends the command with exit code 2', async ({ startCli }) => {
  const first = startCli(['--port', '0', '--client-secret', SECRET]);
  const port = new URL(announcedUrls(await first.firstLine).baseUrl).port;
  const second = startCli(['--port', port, '--client-secret', SECRET]);
  expect(await second.exited).toBe(2);
  expect(second.stderr).toEqual([`configuration error: --port ${port}: cannot listen (EADDRINUSE)`]);
});
