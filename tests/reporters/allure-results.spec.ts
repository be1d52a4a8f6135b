/**
 * A certification run's Allure results carry what the evidence needs: per test, the API group, the API's name, a
 * story per rule, a severity from the category, the source page and the run's parameters; per run, the failure
 * categories and the environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { environmentWithoutTargets } from '../suites/suite-runner.js';

interface AllureAttachment {
  readonly name: string;
  readonly source: string;
  readonly type: string;
}

interface AllureStep {
  readonly attachments?: readonly AllureAttachment[];
  readonly steps?: readonly AllureStep[];
}

interface AllureResult extends AllureStep {
  readonly name: string;
  readonly status: string;
  readonly labels: readonly { name: string; value: string }[];
  readonly links: readonly { url: string }[];
  readonly parameters: readonly { name: string; value: string }[];
}

/** Runs Playwright on the conformance suites with `args`, into a reports directory of its own, and reads the Allure results. */
function runSuites(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): { status: number | null; stderr: string; dir: string; results: AllureResult[] } {
  const reports = mkdtempSync(path.join(tmpdir(), 'allure-results-'));
  const run = spawnSync(
    process.execPath,
    [fromRoot('node_modules', '@playwright', 'test', 'cli.js'), 'test', ...args, `--output=${path.join(reports, 'output')}`],
    { cwd: fromRoot(), env: { ...environmentWithoutTargets(), CERTIFY_REPORTS_DIR: reports, ...env }, encoding: 'utf8' },
  );
  const dir = path.join(reports, 'allure-results');
  const results = readdirSync(dir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as AllureResult);
  return { status: run.status, stderr: run.stderr, dir, results };
}

const attachmentsOf = (step: AllureStep): AllureAttachment[] => [...(step.attachments ?? []), ...(step.steps ?? []).flatMap(attachmentsOf)];

test('a certification run writes labelled Allure results, categories and environment', () => {
  test.setTimeout(120_000);
  const { status, stderr, dir, results } = runSuites(['--project=flows', '--grep', '@CTP-OPTOUT-CONSUMER-REPEAT(?![A-Z0-9-])'], {
    MOCK_D1_FAULTS: 'consumer-optout-repeat-409',
    SEED: '11',
  });
  expect(status, stderr).toBe(1);
  // The test that stands for the broken rule (others that also carry its tag stand for other rules).
  const failed = results.find((r) => r.status === 'failed' && r.name === 'a repeated consumer opt-out is SUCCESSFUL');
  expect(failed, JSON.stringify(results.map((r) => [r.name, r.status]))).toBeDefined();
  const label = (name: string): string[] => (failed?.labels ?? []).filter((l) => l.name === name).map((l) => l.value);
  expect(label('epic')).toContain('D1 Click to Pay');
  expect(label('feature')).toContain('Click to Pay opt-out consumer');
  expect(label('severity')).toEqual(['critical']);
  expect(label('story')[0]).toMatch(/^CTP-OPTOUT-CONSUMER-REPEAT: Opting out a consumer that is already opted out/);
  expect(label('tag')).toEqual(expect.arrayContaining(['CTP-OPTOUT-CONSUMER-REPEAT', 'mandatory', 'documented']));
  expect(failed?.links.map((l) => l.url)).toContain(
    'https://docs.payments.thalescloud.io/click-to-pay/integrate-the-d1-api/d1-api-reference/inbound-api-to-d1/click-to-pay-api',
  );
  expect(failed?.parameters).toEqual(
    expect.arrayContaining([
      { name: 'seed', value: '11', excluded: true },
      { name: 'D1', value: 'embedded mock D1' },
    ]),
  );

  // The evidence of the failure: each exchange, redacted; the violations as a table; the journey's timeline.
  const attached = failed ? attachmentsOf(failed) : [];
  const read = (name: RegExp): string => {
    const attachment = attached.find((a) => name.test(a.name));
    expect(attachment, `an attachment named ${String(name)} among ${attached.map((a) => a.name).join(', ')}`).toBeDefined();
    return attachment ? readFileSync(path.join(dir, attachment.source), 'utf8') : '';
  };
  const optOut = read(/^exchange \d+: POST .*optOut.* → 200$/i);
  expect(optOut).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/banking\//);
  expect(optOut).toContain('authorization: Bearer [redacted]');
  expect(optOut).toMatch(/\nHTTP 200 \(\d+ ms\)\n/);
  const token = read(/^exchange \d+: POST \/authz\/v1\/oauth2\/token → 200$/);
  expect(token).toContain('&assertion=[redacted]');
  expect(token).toContain('"access_token": "[redacted]"');
  const violations = read(/^violations$/);
  expect(violations.split('\n')[0]).toMatch(/^rule +\| provenance +\| where \(JSON pointer\) +\| documented +\| received/);
  // The planted 409 is a status the contract does not document for the operation.
  expect(violations).toMatch(/\nclickToPayOptoutConsumer:contract +\| documented +\| response 409 \/ +\| one of 200, 400, 401 +\| 409/);
  const timeline = read(/^timeline$/);
  expect(timeline).toMatch(/\+\d+ ms +\| issuer \(suite\) → D1 +\| POST \/banking\//);

  const categories = (JSON.parse(readFileSync(path.join(dir, 'categories.json'), 'utf8')) as { name: string }[]).map((c) => c.name);
  expect(categories).toEqual([
    'Inferred-rule warning',
    'Authentication',
    'Contract violation',
    'Transport or unreachable target',
    'Behaviour violation',
  ]);
  const environment = readFileSync(path.join(dir, 'environment.properties'), 'utf8');
  expect(environment).toMatch(/contracts\\? version=[0-9a-f]{12}/);
  expect(environment).toContain('seed=11');
});

test("a property run's generated cases are attached together, each example-based exchange apart", () => {
  test.setTimeout(120_000);
  const { status, stderr, dir, results } = runSuites(['--project=properties', '--grep', 'D1-TOKEN-GRANTTYPE-ENUM getToken: values'], {
    SEED: '11',
  });
  expect(status, stderr).toBe(0);
  expect(results.map((r) => r.status)).toEqual(['passed']);
  const exchanges = results.flatMap(attachmentsOf).filter((a) => /^exchanges? /.test(a.name));
  // Fifteen cases, each a token request: one attachment holds them all, in the order they were sent.
  expect(exchanges.map((a) => a.name)).toEqual([expect.stringMatching(/^exchanges 1 to (\d{2,})$/)]);
  const body = readFileSync(path.join(dir, exchanges[0]?.source ?? ''), 'utf8');
  expect(body).toMatch(/^### exchange 1: POST \/authz\/v1\/oauth2\/token → 200\nPOST http:\/\/127\.0\.0\.1:\d+\/authz\//);
  expect(body).toContain('assertion=[redacted]');
});
