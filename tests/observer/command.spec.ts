/**
 * `npm run observe`: the observer as a command. It records until SIGINT, SIGTERM or `--duration`, then writes the
 * evidence and exits 0 (no documented rule failed), 1 (one did) or 2 (wrong configuration, one line).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { send } from '../../lib/http/client.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { occupyPort, spawnCommand } from '../mocks/cli-process.js';
import { runScript } from '../suites/suite-runner.js';
import { ISSUER_ID, KEY_ID, clientFor, expect, test, OBSERVE_CLEAN_ENV } from './observer-fixtures.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';

const SCRIPT = 'scripts/observe.ts';

function keyFiles(): {
  dir: string;
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
  pem: string;
  jwks: string;
  privatePem: string;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'observe-command-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = path.join(dir, 'issuer-public.pem');
  writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
  const jwks = path.join(dir, 'issuer.jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KEY_ID }] }));
  const privatePem = path.join(dir, 'issuer-private.pem');
  writeFileSync(privatePem, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { dir, privateKey, pem, jwks, privatePem };
}

const urlsOf = (banner: string): { bankingUrl: string; authUrl: string } => ({
  bankingUrl: /D1_BASE_URL=(\S+)/.exec(banner)?.[1] ?? '',
  authUrl: /D1_AUTH_URL=(\S+)/.exec(banner)?.[1] ?? '',
});

test('--duration ends a recording by itself and writes the evidence: a clean journey exits 0', async () => {
  const keys = keyFiles();
  const output = path.join(keys.dir, 'reports');
  const command = spawnCommand(
    SCRIPT,
    ['--issuer-id', ISSUER_ID, '--public-key', keys.jwks, '--duration', '3', '--follow-up-grace', '0', '--output', output, '--quiet'],
    OBSERVE_CLEAN_ENV,
  );
  const banner = await command.firstLine;
  expect(banner).toMatch(
    /^observer recording against the embedded mock D1: D1_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/banking D1_AUTH_URL=http:\/\/127\.0\.0\.1:\d+\/authz\/v1 issuer TESTBANK01, kid issuer-key-1$/,
  );
  const urls = urlsOf(banner);
  // The mock's controls pass through the observer in recording mode: the issuer reads the card-data key there.
  const cardDataJwk = (await send({ method: 'GET', url: `${new URL(urls.bankingUrl).origin}/__mock/card-data-key` })).json as JWK;
  await new ReferenceClient(clientFor(urls, keys.privateKey)).journey(cardDataJwk);

  expect(await command.exited, command.stderr.join('\n')).toBe(0);
  const stdout = command.stdout.join('\n');
  expect(stdout).toMatch(/observer: stopping \(3 s elapsed\) after \d+ calls/);
  expect(stdout).toMatch(
    /\| Click to Pay enrol \(ctp-enrol\) \| mandatory \| yes \| bank calls \| observation: \d+ calls? \| \d+\/0\/0 \| PASS \|/,
  );
  expect(stdout).toMatch(/observer: \d+ passed, 0 failed on documented or security rules, 0 warnings on inferred rules/);
  for (const file of ['observation/tests.json', 'observation/compliance-summary.json', 'observation/compliance-summary.md'])
    expect(existsSync(path.join(output, file)), file).toBe(true);
});

test('--until-plan-complete prints the plan, a line per step covered, and ends by itself once the plan is complete', async () => {
  const keys = keyFiles();
  const output = path.join(keys.dir, 'reports');
  const command = spawnCommand(
    SCRIPT,
    ['--issuer-id', ISSUER_ID, '--public-key', keys.jwks, '--until-plan-complete', '--follow-up-grace', '0', '--output', output, '--quiet'],
    {
      ...OBSERVE_CLEAN_ENV,
      CI: 'true',
    },
  );
  const urls = urlsOf(await command.firstLine);
  await expect.poll(() => command.stdout.join('\n')).toContain('the certification plan, for the bank');
  const plan = command.stdout.join('\n');
  for (const step of ['Register consumer', 'Click to Pay enrol', 'Suspend card and Resume card', 'Delete consumer'])
    expect(plan).toContain(step);
  const cardDataJwk = (await send({ method: 'GET', url: `${new URL(urls.bankingUrl).origin}/__mock/card-data-key` })).json as JWK;
  // Half the plan first: the observation must still be running.
  const client = new ReferenceClient(clientFor(urls, keys.privateKey));
  const consumerId = await client.registerConsumer();
  await expect.poll(() => command.stdout.some((line) => /^plan: covered Register consumer \(\d+\/14\)$/.test(line))).toBe(true);
  expect(command.child.exitCode).toBeNull();
  expect(consumerId).not.toBe('');
  await client.runPlan(cardDataJwk);

  expect(await command.exited, command.stderr.join('\n')).toBe(0);
  const stdout = command.stdout.join('\n');
  expect(stdout).toContain('observer: stopping (the certification plan is complete)');
  expect(stdout).toMatch(/^plan: covered Delete consumer \(\d+\/14\)$/m);
  expect(existsSync(path.join(output, 'observation', 'tests.json'))).toBe(true);
});

test('SIGTERM ends a recording configured from the environment; a documented failure exits 1 and names its rule', async () => {
  const keys = keyFiles();
  const output = path.join(keys.dir, 'reports');
  const command = spawnCommand(SCRIPT, ['--output', output], {
    ...OBSERVE_CLEAN_ENV,
    D1_ISSUER_ID: ISSUER_ID,
    D1_KEY_ID: KEY_ID,
    D1_PRIVATE_KEY: keys.privatePem,
  });
  const banner = await command.firstLine;
  const issuer = new ReferenceClient(clientFor(urlsOf(banner), keys.privateKey));
  const cardId = await issuer.createCard(await issuer.registerConsumer());
  await issuer.call('clickToPayEnrol', { path: { cardId }, body: { name: 'Maximiliana Oyelaran-Brooks' } });
  await expect
    .poll(() => command.stdout.some((line) => /POST \/banking\/v1\/issuers\/TESTBANK01\/cards\/.*clickToPayEnrolment -> 400/.test(line)))
    .toBe(true);
  command.child.kill('SIGTERM');

  expect(await command.exited, command.stderr.join('\n')).toBe(1);
  const stdout = command.stdout.join('\n');
  expect(stdout).toMatch(/observer: stopping \(SIGTERM\)/);
  expect(stdout).toMatch(/^FAILED: CTP-ENROL-NAME-LENGTH at body \/name$/m);
  expect(stdout).not.toContain('Oyelaran');
  const results = JSON.parse(readFileSync(path.join(output, 'observation', 'tests.json'), 'utf8')) as CertificationResults;
  expect(results.documentedFailures).toBeGreaterThan(0);
});

test('a wrong option or configuration stops the command with one line and exit code 2', async () => {
  const keys = keyFiles();
  const busy = await occupyPort();
  const base = [
    '--issuer-id',
    ISSUER_ID,
    '--public-key',
    keys.pem,
    '--kid',
    KEY_ID,
    '--duration',
    '1',
    '--output',
    path.join(keys.dir, 'out'),
  ];
  const cases: readonly (readonly string[])[] = [
    ['--colour'],
    [],
    ['--issuer-id', 'SHORTBANK', '--public-key', keys.pem, '--kid', KEY_ID],
    ['--issuer-id', ISSUER_ID, '--public-key', keys.pem],
    ['--issuer-id', ISSUER_ID, '--public-key', path.join(keys.dir, 'missing.pem'), '--kid', KEY_ID],
    [...base, '--port', 'eighty'],
    [...base, '--port', String(busy.port)],
    [...base, '--upstream', 'not a url'],
    [...base, '--upstream', 'http://127.0.0.1:9/banking', '--client-cert', keys.pem],
    [...base, '--duration', '0'],
  ];
  try {
    const runs = await Promise.all(
      cases.map(async (args) => {
        const command = spawnCommand(SCRIPT, args, OBSERVE_CLEAN_ENV);
        return { args: args.join(' '), code: await command.exited, stderr: command.stderr, stdout: command.stdout };
      }),
    );
    for (const run of runs) {
      expect(run.code, `${run.args}: ${run.stderr.join(' | ')}`).toBe(2);
      expect(run.stderr, run.args).toHaveLength(1);
      expect(run.stderr[0], run.args).not.toMatch(/\n\s+at /);
    }
    expect(runs.map((r) => r.stderr[0])).toEqual(
      [
        expect.stringContaining("Unknown option '--colour'"),
        'give the issuerId with --issuer-id or D1_ISSUER_ID',
        '--issuer-id must be exactly 10 characters (D1 issuer ids are), got 9',
        '--public-key is a PEM key: give its kid with --kid or D1_KEY_ID',
        `--public-key: no file at ${path.join(keys.dir, 'missing.pem')}`,
        '--port must be a port number from 0 to 65535, got "eighty"',
        `--port ${busy.port}: cannot listen (EADDRINUSE)`,
        '--upstream must be an http or https URL, got "not a url"',
        '--client-key is missing; mutual TLS needs both the client certificate and its key',
        '--duration must be a number of 0.1 or more, got "0"',
      ].map((line) => (typeof line === 'string' ? `configuration error: ${line}` : line)),
    );
  } finally {
    await busy.stop();
  }
});

test('an unknown CERTIFY_CONDITIONAL_APIS id is refused with the line certify refuses it with, exit code 2', async () => {
  const keys = keyFiles();
  const env = { ...OBSERVE_CLEAN_ENV, CERTIFY_CONDITIONAL_APIS: 'ctp-enrol, no-such-api' };
  const observe = spawnCommand(
    SCRIPT,
    ['--issuer-id', ISSUER_ID, '--public-key', keys.jwks, '--duration', '1', '--output', path.join(keys.dir, 'out')],
    env,
  );
  expect(await observe.exited).toBe(2);
  expect(observe.stderr).toEqual([
    expect.stringMatching(/^configuration error: CERTIFY_CONDITIONAL_APIS names ctp-enrol, no-such-api, which is not a conditional API/),
  ]);
  // Certify reads the same variable; nothing else is configured, so this is the first thing it refuses.
  const certify = runScript('certify', [], env);
  expect(certify.code).toBe(2);
  expect(observe.stderr).toEqual(certify.stderr.trim().split('\n'));
  // Refused before anything listened or was written.
  expect(observe.stdout).toEqual([]);
  expect(existsSync(path.join(keys.dir, 'out'))).toBe(false);
});
