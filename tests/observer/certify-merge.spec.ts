/**
 * An observation of the issuer's own calls and a certification run on one reports directory make one piece of
 * evidence: the observation's results count in the compliance summary and the verdict, and its Allure results stay
 * beside the suites' in the HTML report.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeObservationEvidence } from '../../observer/index.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { runScript } from '../suites/suite-runner.js';
import { expect, test } from './observer-fixtures.js';
import { CARDHOLDER_NAME, uniqueId } from '../../mocks/issuer/reference-client.js';

test('certify merges an observation in its reports directory into the summary, the verdict and the report', async ({
  observer,
  issuer,
}) => {
  test.setTimeout(120_000);
  const reports = mkdtempSync(path.join(tmpdir(), 'certify-with-observation-'));
  // The issuer's backend breaks a documented rule of Click to Pay enrol that the D1 suite, run alone, finds kept.
  await issuer.call('clickToPayEnrol', { path: { cardId: 'crd.1!' }, body: { name: CARDHOLDER_NAME } });
  // And a recommendation: a registration without the email and phone the documents recommend is a warning.
  await issuer.call('registerConsumer', {
    path: { consumerId: uniqueId('cns') },
    body: { consumerInfo: { firstName: 'Ada', lastName: 'Byron', language: 'en' } },
  });
  const observed = writeObservationEvidence(await observer.stop(), reports).summary;

  const run = runScript('certify', ['--grep', '@CTP-ENROL-CARDID-PATTERN(?![A-Z0-9-])', `--output=${path.join(reports, 'output')}`], {
    CERTIFY_REPORTS_DIR: reports,
    SEED: '5',
  });
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toMatch(/certify: merging \d+ results of the observation of the issuer's calls to D1/);
  expect(run.stdout).toMatch(/tests: \d+ passed, 0 failed/);
  const summary = JSON.parse(readFileSync(path.join(reports, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
  expect(summary.verdict).toBe('NOT READY');
  expect(summary.apis.find((a) => a.id === 'ctp-enrol')?.failedRules).toContain('CTP-ENROL-CARDID-PATTERN');
  // One standing everywhere: the observation's own summary and certify's judge its rules alike, recommendations included.
  const standing = (of: ComplianceSummary, row: string): { failed: readonly string[]; warned: readonly string[] } => {
    const api = of.apis.find((a) => a.id === row);
    return { failed: api?.failedRules ?? [], warned: api?.warningRules ?? [] };
  };
  expect(standing(observed, 'consumer-register').warned).toContain('CONSUMER-REGISTER-RECOMMENDED-FIELDS');
  expect(standing(observed, 'consumer-register').failed).not.toContain('CONSUMER-REGISTER-RECOMMENDED-FIELDS');
  expect(standing(summary, 'consumer-register')).toEqual(standing(observed, 'consumer-register'));
  const warned = (of: ComplianceSummary): string[] => [...new Set(of.warnings.map((w) => w.ruleId))].sort();
  expect(warned(summary)).toEqual(expect.arrayContaining(warned(observed)));

  const allure = path.join(reports, 'allure-results');
  const names = readdirSync(allure)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => (JSON.parse(readFileSync(path.join(allure, f), 'utf8')) as { name: string }).name);
  expect(names.some((n) => n.startsWith('observed clickToPayEnrol'))).toBe(true);
  expect(names.some((n) => n.startsWith('CTP-ENROL-CARDID-PATTERN'))).toBe(true);
  expect(names).toContain('Go-live verdict: NOT READY');
});
