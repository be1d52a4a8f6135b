/**
 * `npm run certify`: its configuration errors and its exit codes mean what the README says.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { occupyPort } from '../mocks/cli-process.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { environmentWithoutTargets, runScript, type ScriptRun } from './suite-runner.js';

const certify = (env: Record<string, string>, args: readonly string[] = [], cwd = fromRoot()): ScriptRun =>
  runScript('certify', args, env, cwd);

test.describe('a wrong configuration stops with one line naming the variable, exit code 2', () => {
  const keyDir = mkdtempSync(path.join(tmpdir(), 'certify-config-'));
  const rsaKey = path.join(keyDir, 'rsa.pem');
  writeFileSync(rsaKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const complete = {
    D1_BASE_URL: 'http://127.0.0.1:9/banking',
    D1_AUTH_URL: 'http://127.0.0.1:9/authz/v1',
    D1_ISSUER_ID: 'TESTBANK01',
    D1_KEY_ID: 'k1',
    D1_CARD_PRODUCT_ID: 'p1',
  };
  const cases: [string, Record<string, string>, RegExp][] = [
    ['D1_BASE_URL without D1_AUTH_URL', { D1_BASE_URL: 'http://127.0.0.1:9/banking' }, /^configuration error: D1_AUTH_URL is not set/],
    [
      'D1_AUTH_URL alone',
      { D1_AUTH_URL: 'http://127.0.0.1:9/authz/v1' },
      /^configuration error: D1_AUTH_URL is set but D1_BASE_URL is not/,
    ],
    [
      'a 9-character issuer id',
      { ...complete, D1_ISSUER_ID: 'TESTBANK0', D1_PRIVATE_KEY: rsaKey },
      /D1_ISSUER_ID must be exactly 10 characters/,
    ],
    [
      'a private key file that does not exist',
      { ...complete, D1_PRIVATE_KEY: path.join(keyDir, 'missing.pem') },
      /D1_PRIVATE_KEY names a file that does not exist/,
    ],
    ['an RSA key instead of EC P-256', { ...complete, D1_PRIVATE_KEY: rsaKey }, /D1_PRIVATE_KEY must be an EC P-256 key/],
    [
      'a URL that is not one',
      { ...complete, D1_BASE_URL: 'api.d1.example', D1_PRIVATE_KEY: rsaKey },
      /D1_BASE_URL must be an http or https URL/,
    ],
    ['ISSUER_BASE_URL without ISSUER_CONSUMER_ID', { ISSUER_BASE_URL: 'http://127.0.0.1:9' }, /ISSUER_CONSUMER_ID is not set/],
    [
      'ISSUER_AUTH_URL without client credentials',
      { ISSUER_BASE_URL: 'http://127.0.0.1:9', ISSUER_AUTH_URL: 'http://127.0.0.1:9/authz/d1/v1', ISSUER_CONSUMER_ID: 'c1' },
      /ISSUER_CLIENT_ID is not set/,
    ],
    ['a SEED that is not a number', { SEED: 'abc' }, /SEED must be a whole number/],
    ['NUM_RUNS of zero', { NUM_RUNS: '0' }, /NUM_RUNS must be a whole number from 1/],
    ['a rate limit that is no number', { CERTIFY_D1_RATE_LIMIT: 'fast' }, /CERTIFY_D1_RATE_LIMIT must be a number of 0.1 or more/],
    ['no try at all', { CERTIFY_MAX_TRIES: '0' }, /CERTIFY_MAX_TRIES must be a whole number from 1 to 20/],
    [
      'an API that is not conditional declared applicable',
      { CERTIFY_CONDITIONAL_APIS: 'ctp-enrol' },
      /CERTIFY_CONDITIONAL_APIS names ctp-enrol, which is not a conditional API/,
    ],
  ];
  test('a transport option with a wrong value is named as it was given', () => {
    const run = certify({}, ['--issuer-max-in-flight=0']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'configuration error: --issuer-max-in-flight must be a whole number from 1 to 10000, got "0"',
    ]);
  });
  for (const [label, env, message] of cases) {
    test(label, () => {
      const run = certify(env);
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('an observer port already in use stops the run with one line, exit code 2', async () => {
    const busy = await occupyPort();
    const publicKey = path.join(keyDir, 'observed-bank.pem');
    writeFileSync(publicKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    try {
      const bank = {
        ISSUER_BASE_URL: 'http://127.0.0.1:9',
        ISSUER_AUTH_URL: 'http://127.0.0.1:9/token',
        ISSUER_CLIENT_ID: 'd1-notifier',
        ISSUER_CLIENT_SECRET: 'not-a-real-secret',
        ISSUER_CONSUMER_ID: 'cns_known_0001',
        CERTIFY_OBSERVE_PUBLIC_KEY: publicKey,
        CERTIFY_OBSERVE_KID: 'k1',
        CERTIFY_REPORTS_DIR: path.join(keyDir, 'reports'),
      };
      const run = certify(bank, ['--observe', `--observe-port=${busy.port}`]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([`configuration error: --observe-port ${busy.port}: cannot listen (EADDRINUSE)`]);
    } finally {
      await busy.stop();
    }
  });

  test('--resume continues an observation: alone, or naming no journal, it stops with one line', () => {
    const alone = certify({}, ['--resume=reports']);
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim().split('\n')).toEqual(['configuration error: --resume continues an observation: give --observe too']);
    const publicKey = path.join(keyDir, 'resumed-bank.pem');
    writeFileSync(publicKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const nowhere = mkdtempSync(path.join(tmpdir(), 'certify-resume-'));
    const bank = {
      ISSUER_BASE_URL: 'http://127.0.0.1:9',
      ISSUER_CONSUMER_ID: 'cns_known_0001',
      CERTIFY_OBSERVE_PUBLIC_KEY: publicKey,
      CERTIFY_OBSERVE_KID: 'k1',
      CERTIFY_REPORTS_DIR: path.join(keyDir, 'reports'),
    };
    const run = certify(bank, ['--observe', `--resume=${nowhere}`]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `configuration error: --resume ${nowhere}: no observation journal there (nor in its observation/ directory)`,
    ]);
  });

  test('the same holds for a .env file in the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certify-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'ISSUER_BASE_URL=http://127.0.0.1:9\n');
    const run = certify({}, [], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^configuration error: ISSUER_CONSUMER_ID is not set/);
  });

  test('Playwright run directly on the suites stops the same way', () => {
    const run = spawnSync(process.execPath, [fromRoot('node_modules', '@playwright', 'test', 'cli.js'), 'test', '--project=d1', '--list'], {
      cwd: fromRoot(),
      env: { ...environmentWithoutTargets(), D1_BASE_URL: 'http://127.0.0.1:9/banking' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^configuration error: D1_AUTH_URL is not set/);
  });
});

test.describe('verdict and exit codes', () => {
  // Each run writes reports/; two at once would read each other's.
  test.describe.configure({ mode: 'serial', timeout: 300_000 });

  // A directory of their own: an observation another test left in reports/ would be taken for a bank's.
  const REPORTS = mkdtempSync(path.join(tmpdir(), 'certify-verdict-'));
  const summaryOf = (): ComplianceSummary =>
    JSON.parse(readFileSync(path.join(REPORTS, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;

  test('0 and READY on the conformant mocks, with a summary that follows its schema and the seed printed', () => {
    const run = certify({ SEED: '7', CERTIFY_REPORTS_DIR: REPORTS });
    expect(run.stdout).toContain('# Go-live verdict: READY');
    // No bank was configured: what was certified is said plainly.
    expect(run.stdout).toContain('Certified: the embedded reference pair');
    expect(run.stdout).toContain('replay with SEED=7 npm run certify');
    expect(run.code).toBe(0);
    const summary = summaryOf();
    const validate = new Ajv({ allErrors: true });
    ajvFormats.default(validate);
    expect(
      validate.validate(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object, summary),
      validate.errorsText(),
    ).toBe(true);
    expect(summary.apis).toHaveLength(23);
    expect(readFileSync(path.join(REPORTS, 'compliance-summary.md'), 'utf8')).toMatch(/^# Go-live verdict: READY/);
    // The rows the issuer calls were judged from the reference client's observed calls, not from the D1 suites.
    expect(summary.apis.find((api) => api.id === 'ctp-enrol')).toMatchObject({ evidence: 'observation', verdict: 'PASS' });
    expect(existsSync(path.join(REPORTS, 'certificate.html'))).toBe(true);
  });

  test('a planted bug of the mock D1 shows in the D1 environment and leaves the verdict on the issuer unchanged', () => {
    const run = certify({ MOCK_D1_FAULTS: 'consumer-optout-repeat-409', SEED: '7', CERTIFY_REPORTS_DIR: REPORTS });
    expect(run.stdout).toContain('# Go-live verdict: READY');
    expect(run.code).toBe(0);
    const summary = summaryOf();
    expect(summary.apis.find((api) => api.id === 'ctp-optout-consumer')?.verdict).toBe('PASS');
    expect(summary.d1Environment.status).toBe('FAIL');
    expect(summary.d1Environment.groups.flatMap((g) => g.failedRules)).toContain('CTP-OPTOUT-CONSUMER-REPEAT');
    expect(run.stdout).toMatch(/## D1 environment: FAIL/);
  });
});
