/**
 * `npm run mock:d1`: the mock D1 as a process a bank can develop against.
 */
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { D1Client } from '../../../lib/d1-client.js';
import { occupyPort, runToEnd, spawnCommand, startMockProcess } from '../cli-process.js';

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
  const cases: readonly (readonly [readonly string[], RegExp])[] = [
    [['--port', 'eighty'], /--port must be a port number/],
    [['--fault', 'no-such-fault', '--generate-key', '/dev/null'], /unknown fault no-such-fault/],
    [['--variant', 'no-such-variant'], /unknown variant no-such-variant/],
    [['--colour'], /--colour/],
    [['--issuer-id', 'SHORTBANK'], /--issuer-id must be exactly 10 characters/],
  ];
  // One after the other, each start a few seconds on a busy machine.
  test.setTimeout(60_000);
  for (const [args, message] of cases) {
    const run = await runToEnd('mocks/d1/cli.ts', args);
    expect(run.code, args.join(' ')).toBe(2);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)]);
    expect(run.stderr).toMatch(/^configuration error: /);
    // A wrong option is refused before a key pair is made for a run without one.
    expect(run.stdout, args.join(' ')).toBe('');
  }
});

test('a port already in use stops it with one line and exit code 2, as the other commands do', async () => {
  const busy = await occupyPort();
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'mock-d1-busy-')), 'issuer-key.pem');
  try {
    const run = await runToEnd('mocks/d1/cli.ts', ['--port', String(busy.port), '--generate-key', keyFile]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`configuration error: --port ${busy.port}: cannot listen (EADDRINUSE)`]);
  } finally {
    await busy.stop();
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

test('with no arguments it makes an issuer key pair, says where it wrote it (never the key) and serves tokens for it', async () => {
  // What `npm run mock:d1` runs, with nothing after it.
  const mock = spawnCommand('mocks/d1/cli.ts', []);
  let keyDir: string | undefined;
  try {
    const banner = await mock.firstLine;
    const bankingUrl = /D1_BASE_URL=(\S+)/.exec(banner)?.[1];
    const authUrl = /D1_AUTH_URL=(\S+)/.exec(banner)?.[1];
    expect(bankingUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/banking$/);
    expect(banner).toContain('issuer TESTBANK01, kid issuer-key-1');
    await expect.poll(() => mock.stdout.length).toBeGreaterThan(1);
    const keyLine = mock.stdout[1] ?? '';
    const privateJwkFile = /private JWK (\S+),/.exec(keyLine)?.[1] ?? '';
    const publicJwkFile = /public JWK (\S+),/.exec(keyLine)?.[1] ?? '';
    const pemFile = /D1_PRIVATE_KEY=(\S+)$/.exec(keyLine)?.[1] ?? '';
    keyDir = path.dirname(privateJwkFile);
    expect(path.dirname(keyDir)).toBe(tmpdir());
    for (const file of [privateJwkFile, publicJwkFile, pemFile]) expect(existsSync(file), file).toBe(true);
    expect(statSync(privateJwkFile).mode & 0o077, 'the private JWK is readable by its owner only').toBe(0);

    const privateJwk = JSON.parse(readFileSync(privateJwkFile, 'utf8')) as JsonWebKey & { kid: string };
    const publicJwk = JSON.parse(readFileSync(publicJwkFile, 'utf8')) as JsonWebKey & { kid: string };
    expect([privateJwk.kid, privateJwk.crv, publicJwk.kid, publicJwk.d]).toEqual(['issuer-key-1', 'P-256', 'issuer-key-1', undefined]);
    const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
    const client = new D1Client({
      bankingUrl: bankingUrl ?? '',
      authUrl: authUrl ?? '',
      issuerId: 'TESTBANK01',
      keyId: 'issuer-key-1',
      privateKey,
    });
    const response = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: 'cns_1' } });
    expect(response.status).toBe(200);
    // The PEM for D1_PRIVATE_KEY is the same key.
    expect(createPrivateKey(readFileSync(pemFile, 'utf8')).export({ format: 'jwk' })).toEqual(privateKey.export({ format: 'jwk' }));

    // Paths only: neither the private scalar nor the key text is ever printed.
    const printed = [...mock.stdout, ...mock.stderr].join('\n');
    expect(printed).not.toContain(privateJwk.d ?? 'no private scalar');
    expect(printed).not.toContain('PRIVATE KEY');
  } finally {
    if (mock.child.exitCode === null && mock.child.signalCode === null) mock.child.kill('SIGTERM');
    expect(await mock.exited).toBe(0);
    if (keyDir?.startsWith(tmpdir())) rmSync(keyDir, { recursive: true, force: true });
  }
});
