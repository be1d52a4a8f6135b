/**
 * `npm run certify -- --compare` and `npm run certify:compare`: two certifications of the embedded pair, the second
 * with a planted bug, say that the bug's rule newly failed and nothing else changed; swapped, that it was fixed; across
 * a contract change, which catalogue rules were added and removed. Each run is a few tests (--grep of one rule).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { rules } from '../../gen/catalogue.js';
import { issuerFaults } from '../../mocks/issuer/faults.js';
import { fromRoot } from '../../lib/paths.js';
import type { Comparison } from '../../reporters/comparison.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { certificationEvidenceIn, runScript } from './suite-runner.js';

/** The planted bug, and the one rule it breaks: documented, of Get consumer information, an API the bank hosts. */
const FAULT = 'unknown-consumer-answered-200';
const RULE = issuerFaults[FAULT].rule;
const ROW = rules.find((r) => r.id === RULE)?.api ?? '';
const RUN_ENV = {
  SEED: '5',
  // The row of the rule is the one conditional API that applies: with its rule passing, the run is READY.
  CERTIFY_CONDITIONAL_APIS: ROW,
};
const RUN_ARGS = ['--skip-d1-environment', '--grep', `@${RULE}(?![A-Z0-9-])`];

const readSummary = (file: string): ComplianceSummary => JSON.parse(readFileSync(file, 'utf8')) as ComplianceSummary;

/** Every list of a comparison whose entries are not as expected is named, with its entries. */
function lists(c: Comparison): Record<string, readonly string[]> {
  const ids = (changes: readonly { readonly ruleId: string }[]): string[] => changes.map((r) => r.ruleId);
  return {
    newlyFailed: ids(c.rules.newlyFailed),
    fixed: ids(c.rules.fixed),
    stillFailing: ids(c.rules.stillFailing),
    newlyWarned: ids(c.rules.newlyWarned),
    warningsGone: ids(c.rules.warningsGone),
    newSecurityFindings: ids(c.securityFindings.new),
    securityFindingsGone: ids(c.securityFindings.gone),
    verdictChanged: c.rows.verdictChanged.map((r) => `${r.id}: ${r.baseline ?? '-'} → ${r.current ?? '-'}`),
    evidenceChanged: c.rows.evidenceChanged.map((r) => r.id),
  };
}

const NOTHING = {
  newlyFailed: [],
  fixed: [],
  stillFailing: [],
  newlyWarned: [],
  warningsGone: [],
  newSecurityFindings: [],
  securityFindingsGone: [],
  verdictChanged: [],
  evidenceChanged: [],
};

interface AllureEntry {
  readonly status: string;
  readonly descriptionHtml: string;
  readonly attached: unknown;
}

/** The comparison's entry in the generated Allure report, read back from the report's data with its JSON attachment. */
function comparisonEntry(reportsDir: string): AllureEntry | undefined {
  const data = path.join(reportsDir, 'allure-report', 'data');
  for (const file of readdirSync(path.join(data, 'test-results'))) {
    const result = JSON.parse(readFileSync(path.join(data, 'test-results', file), 'utf8')) as {
      name: string;
      status: string;
      descriptionHtml?: string;
      attachments?: { link?: { id: string; ext?: string; name?: string } }[];
    };
    if (result.name !== 'Changes since the baseline certification') continue;
    const link = result.attachments?.find((a) => a.link?.name === 'comparison (JSON)')?.link;
    const attachment = link ? path.join(data, 'attachments', `${link.id}${link.ext ?? ''}`) : '';
    return {
      status: result.status,
      descriptionHtml: result.descriptionHtml ?? '',
      attached: existsSync(attachment) ? JSON.parse(readFileSync(attachment, 'utf8')) : undefined,
    };
  }
  return undefined;
}

test('a planted bug between two certifications: its rule newly failed and nothing else changed; swapped, fixed', () => {
  test.setTimeout(180_000);
  expect(rules.find((r) => r.id === RULE)?.provenance).toBe('documented');
  // One reports directory for both runs, as a developer's: the second compares with what the first left there.
  const reports = mkdtempSync(path.join(tmpdir(), 'certify-compare-'));
  const kept = mkdtempSync(path.join(tmpdir(), 'certify-compare-kept-'));

  const ready = runScript('certify', RUN_ARGS, { ...RUN_ENV, CERTIFY_REPORTS_DIR: reports });
  expect(ready.code, ready.stderr).toBe(0);
  const baseline = readSummary(path.join(reports, 'compliance-summary.json'));
  expect(baseline.comparison).toBeUndefined();
  // What a later comparison needs: the versions that judged and the catalogue's rules.
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string };
  expect(baseline.versions?.product).toBe(pkg.version);
  expect(baseline.versions?.contracts).toMatch(/^[0-9a-f]{12}$/);
  expect(readFileSync(path.join(reports, 'certificate.html'), 'utf8')).toContain(`sha256 ${baseline.versions?.contracts ?? '?'}`);
  expect(baseline.catalogueRules).toEqual(rules.map((r) => r.id).sort());
  copyFileSync(path.join(reports, 'compliance-summary.json'), path.join(kept, 'compliance-summary.json'));

  const planted = runScript('certify', [...RUN_ARGS, `--compare=${reports}`], {
    ...RUN_ENV,
    CERTIFY_REPORTS_DIR: reports,
    MOCK_ISSUER_FAULTS: FAULT,
  });
  expect(planted.code, planted.stderr).toBe(1);
  const { summary, schemaErrors } = certificationEvidenceIn(reports);
  expect(schemaErrors).toBe('');
  const comparison = summary?.comparison;
  if (!comparison) throw new Error('the compared run wrote no comparison');
  // The baseline is the first run's, read before the second cleared the directory.
  expect(comparison.baseline).toMatchObject({ generatedAt: baseline.generatedAt, verdict: 'READY', source: reports });
  expect(comparison.current).toMatchObject({ verdict: 'NOT READY', versions: baseline.versions });
  expect(lists(comparison)).toEqual({ ...NOTHING, newlyFailed: [RULE], verdictChanged: [`${ROW}: PASS → FAIL`] });
  expect(comparison.rules.newlyFailed[0]?.received).toMatch(/^status 200/);
  expect(comparison).toMatchObject({ contractVersions: 'same', catalogue: { added: [], removed: [] }, worse: true });

  // Everywhere it is said: the Markdown summary, the console, the Allure report, the certificate.
  const markdown = readFileSync(path.join(reports, 'compliance-summary.md'), 'utf8');
  expect(markdown).toContain(`## Changes since the certification of `);
  expect(markdown).toContain(`Rules newly failed (1):\n- ${RULE} (`);
  expect(planted.stdout).toContain(`## Changes since the certification of `);
  expect(planted.stdout).toContain(`certify: changes since ${reports}: 1 rule newly failed (${RULE}), 0 fixed, 0 still failing`);
  const entry = comparisonEntry(reports);
  expect(entry?.status).toBe('failed');
  expect(entry?.attached).toEqual(comparison);
  expect(entry?.descriptionHtml).toContain(`<h2>Changes since the certification of `);
  expect(entry?.descriptionHtml).toContain(RULE);
  const certificate = readFileSync(path.join(reports, 'certificate.html'), 'utf8');
  expect(/data-testid="comparison">(.*?)<\/div>/.exec(certificate)?.[1]).toContain(`1 rule newly failed (${RULE})`);

  // certify:compare on the two finished runs: the same, exit code 1 ...
  const forward = runScript('certify-compare', [kept, reports]);
  expect(forward.code, forward.stderr).toBe(1);
  expect(forward.stdout).toContain(`Rules newly failed (1):\n- ${RULE} (`);
  expect(forward.stdout).toContain(`- Get consumer information (${ROW}): PASS → FAIL`);
  // ... and swapped, the rule is fixed: nothing got worse, exit code 0.
  const swapped = runScript('certify-compare', [path.join(reports, 'compliance-summary.json'), kept]);
  expect(swapped.code, swapped.stderr).toBe(0);
  expect(swapped.stdout).toContain('Nothing got worse: 0 rules newly failed, 1 fixed, 0 still failing, 0 newly warned, 0 warnings gone');
  expect(swapped.stdout).toContain(`Rules fixed (1):\n- ${RULE} (`);
  expect(swapped.stdout).toContain(`- Get consumer information (${ROW}): FAIL → PASS`);
  expect(swapped.stdout).not.toMatch(/Rules (newly failed|still failing|newly warned)|Warnings gone|Security findings|evidence changed/);

  // Across a contract change: the baseline as an older product judged by other contracts and another catalogue.
  const [addedSince, retired] = [rules[0]?.id ?? '', 'RULE-RETIRED-SINCE'];
  const older = {
    ...baseline,
    versions: { product: '0.0.9', contracts: '0123456789ab' },
    catalogueRules: [...(baseline.catalogueRules ?? []).filter((id) => id !== addedSince), retired].sort(),
  };
  const olderFile = path.join(kept, 'older-contracts.json');
  writeFileSync(olderFile, JSON.stringify(older));
  const across = runScript('certify-compare', [olderFile, reports]);
  expect(across.code, across.stderr).toBe(1);
  expect(across.stdout).toContain(
    `The runs were judged by different contract versions (sha256 0123456789ab then ${baseline.versions?.contracts ?? '?'}).`,
  );
  expect(across.stdout).toContain(`Catalogue rules added since the baseline (1): ${addedSince}.`);
  expect(across.stdout).toContain(`Catalogue rules removed since the baseline (1): ${retired}.`);
  expect(across.stdout).toContain('product 0.0.9, contracts sha256 0123456789ab');
});

test.describe('wrong input is one line naming what is wrong, exit code 2', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'certify-compare-empty-'));
  const notSummary = path.join(empty, 'other.json');
  writeFileSync(notSummary, JSON.stringify({ tests: [] }));

  const cases: [string, string, readonly string[], RegExp][] = [
    ['certify --compare with no path', 'certify', ['--compare'], /^configuration error: --compare needs the reports directory/],
    [
      'certify --compare naming a directory without a summary',
      'certify',
      ['--compare', empty],
      /^configuration error: --compare .*: holds no compliance summary/,
    ],
    [
      'certify --compare= naming nothing that exists',
      'certify',
      [`--compare=${path.join(empty, 'missing')}`],
      /^configuration error: --compare .*missing: no such file or directory$/,
    ],
    ['certify:compare with one path', 'certify-compare', [empty], /^configuration error: certify:compare needs two certifications, got 1/],
    [
      'certify:compare given a JSON file that is no summary',
      'certify-compare',
      [notSummary, notSummary],
      /^configuration error: the baseline .*other\.json: not a compliance summary \(no verdict\)$/,
    ],
  ];
  for (const [label, script, args, message] of cases) {
    test(label, () => {
      const run = runScript(script, args, { CERTIFY_REPORTS_DIR: path.join(empty, 'reports') });
      expect(run.code, run.stdout).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }
});
