/**
 * `npm run mock:d1`: the mock D1 as a process a bank can develop against.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { D1Client } from '../../../lib/d1-client.js';
import { runToEnd, startMockProcess } from '../cli-process.js';

test('it starts on the given port, prints its base URLs, serves a token and a call, and stops on SIGTERM', async () => {
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'mock-d1-')), 'issuer-key.pem');
  const mock = await startMockProcess('mocks/d1/cli.ts', [
    '--port',
    '0',
    '--issuer-id',
    'TESTBANK01',
    '--kid',
    'k1',
    '--generate-key',
    keyFile,
  ]);
  try {
    const bankingUrl = /D1_BASE_URL=(\S+)/.exec(mock.banner)?.[1];
    const authUrl = /D1_AUTH_URL=(\S+)/.exec(mock.banner)?.[1];
    expect(bankingUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/banking$/);
    const client = new D1Client({
      bankingUrl: bankingUrl ?? '',
      authUrl: authUrl ?? '',
      issuerId: 'TESTBANK01',
      keyId: 'k1',
      privateKey: readFileSync(keyFile, 'utf8'),
    });
    const response = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: 'cns_1' } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ clickToPayProfiles: [] });
  } finally {
    expect(await mock.stop()).toBe(0);
  }
  expect(mock.output()).toMatch(
    /\[mock-d1 req-000002\] GET \/banking\/v1\/issuers\/TESTBANK01\/consumers\/cns_1\/clickToPayProfiles -> 200/,
  );
});

test('a wrong option stops it with one line naming the problem and exit code 2', async () => {
  for (const args of [
    ['--port', 'eighty'],
    ['--fault', 'no-such-fault', '--generate-key', '/dev/null'],
    ['--variant', 'no-such-variant', '--generate-key', '/dev/null'],
    ['--colour'],
    [],
  ]) {
    const run = await runToEnd('mocks/d1/cli.ts', args);
    expect(run.code, args.join(' ')).toBe(2);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }
});

test('--variant takes a comma list and repeats, and the banner names the variants switched on', async () => {
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'mock-d1-')), 'issuer-key.pem');
  const mock = await startMockProcess('mocks/d1/cli.ts', [
    '--port',
    '0',
    '--generate-key',
    keyFile,
    '--variant',
    'unknown-fields,media-type-415',
    '--variant',
    'strict-anchored-ids',
  ]);
  try {
    expect(mock.banner).toContain('variants: unknown-fields, media-type-415, strict-anchored-ids');
  } finally {
    expect(await mock.stop()).toBe(0);
  }
});
