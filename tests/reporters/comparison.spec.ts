/**
 * A certification compared with a previous one (reporters/comparison.ts), on summaries built from hand-made results:
 * each change is named in the list it belongs to and nowhere else, swapping the runs swaps the lists, observed call
 * counts are not taken for changed evidence, and a summary written before summaries carried their versions and
 * catalogue still compares.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules, type RuleId } from '../../gen/catalogue.js';
import type { RuleFailure } from '../../lib/checks/rule-failure.js';
import { fromRoot } from '../../lib/paths.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { certificateHtml } from '../../reporters/certificate.js';
import { compareSummaries, comparisonMarkdown, notComparable, type Comparison } from '../../reporters/comparison.js';
import { summarise, summaryMarkdown, type ComplianceSummary, type RunVersions } from '../../reporters/compliance-summary.js';
import { passingBankResult } from './bank-results.js';

/** A documented rule, an inferred one and a security one, all of APIs the bank hosts (judged by the suite). */
const DOCUMENTED: RuleId = 'CONSUMER-INFO-UNKNOWN-CONSUMER';
const INFERRED: RuleId = 'NOTIFY-CONSUMER-ANSWER-204';
const SECURITY: RuleId = 'CONSUMER-INFO-AUTH-REJECT';
/** A rule of an API the bank calls (judged by the observation). */
const OBSERVED: RuleId = 'CONSUMER-REGISTER-RECOMMENDED-FIELDS';

const VERSIONS: RunVersions = { product: '0.1.0', contracts: 'aaaaaaaaaaaa' };

const ruleOf = (id: RuleId): (typeof rules)[number] => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

const failureFor = (id: RuleId): RuleFailure => ({
  ruleId: id,
  operationId: undefined,
  provenance: ruleOf(id).provenance,
  security: ruleOf(id).security === true,
  pointer: 'status',
  documented: 'status 404',
  received: 'status 200',
});

interface RunChanges {
  /** Rules whose result fails on them. */
  readonly failing?: readonly RuleId[];
  /** Rules with no result at all (their tests were not run). */
  readonly missing?: readonly RuleId[];
  /** Calls each observed result stands for. */
  readonly calls?: number;
}

/** A passing result for every rule of the catalogue, from the side that judges the bank for it, with the changes. */
function results({ failing = [], missing = [], calls = 2 }: RunChanges = {}): CertifiedTest[] {
  return rules
    .filter((r) => !missing.includes(r.id))
    .map((r) => {
      const passing = passingBankResult(r, calls);
      return failing.includes(r.id) ? { ...passing, outcome: 'failed', failure: failureFor(r.id), error: `${r.id} at status` } : passing;
    });
}

const conditional = apis.filter((a) => a.category === 'conditional').map((a) => a.id);

function certification(changes: RunChanges = {}, at = '2026-05-01T10:00:00.000Z'): ComplianceSummary {
  return summarise({
    tests: results(changes),
    apis,
    rules,
    applicableConditional: new Set(conditional),
    seed: 7,
    targets: { d1: 'mock', issuer: 'mock' },
    subject: { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'http://127.0.0.1:9', calls: 'observed' },
    now: new Date(at),
    versions: VERSIONS,
  });
}

const ids = (changes: readonly { readonly ruleId: string }[]): string[] => changes.map((c) => c.ruleId);
const apiOf = (id: RuleId): string => ruleOf(id).api;

/** Every list of the comparison, by name, so that a test can say which are empty. */
function lists(c: Comparison): Record<string, readonly unknown[]> {
  return {
    newlyFailed: c.rules.newlyFailed,
    fixed: c.rules.fixed,
    stillFailing: c.rules.stillFailing,
    newlyWarned: c.rules.newlyWarned,
    warningsGone: c.rules.warningsGone,
    verdictChanged: c.rows.verdictChanged,
    evidenceChanged: c.rows.evidenceChanged,
    newSecurityFindings: c.securityFindings.new,
    securityFindingsGone: c.securityFindings.gone,
  };
}

/** The names of the lists that are not empty. */
const changed = (c: Comparison): string[] =>
  Object.entries(lists(c))
    .filter(([, list]) => list.length > 0)
    .map(([name]) => name);

function expectWithinSchema(summary: ComplianceSummary): void {
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const schema = JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object;
  expect(validate.validate(schema, JSON.parse(JSON.stringify(summary))), validate.errorsText()).toBe(true);
}

test('two identical certifications: nothing changed, same contracts and catalogue, nothing worse', () => {
  const c = compareSummaries(certification(), certification({}, '2026-05-02T10:00:00.000Z'));
  expect(changed(c)).toEqual([]);
  expect(c.worse).toBe(false);
  expect(c.contractVersions).toBe('same');
  expect(c.catalogue).toEqual({ added: [], removed: [] });
  expect(c.baseline.versions).toEqual(VERSIONS);
  const markdown = comparisonMarkdown(c);
  expect(markdown).toMatch(/^## Changes since the certification of 2026-05-01 10:00:00 UTC \(READY\)\n/);
  expect(markdown).toContain('Nothing changed, rule by rule or row by row.');
  expect(markdown).toContain('Both runs were judged by the same contracts.');
});

test('a documented rule that fails now is newly failed and its row changed verdict; swapped, it is fixed', () => {
  const before = certification();
  const after = certification({ failing: [DOCUMENTED] }, '2026-05-02T10:00:00.000Z');
  const c = compareSummaries(before, after, { baseline: 'reports-ready' });
  expect(ids(c.rules.newlyFailed)).toEqual([DOCUMENTED]);
  expect(c.rules.newlyFailed[0]).toMatchObject({ api: apiOf(DOCUMENTED), documented: 'status 404', received: 'status 200' });
  expect(c.rows.verdictChanged).toEqual([
    expect.objectContaining({ id: apiOf(DOCUMENTED), applicable: true, baseline: 'PASS', current: 'FAIL' }),
  ]);
  expect(changed(c)).toEqual(['newlyFailed', 'verdictChanged']);
  expect(c.worse).toBe(true);
  expect(c.baseline).toMatchObject({ source: 'reports-ready', verdict: 'READY' });
  expect(c.current).toMatchObject({ verdict: 'NOT READY' });
  expect(c.current.source).toBeUndefined();

  const swapped = compareSummaries(after, before);
  expect(ids(swapped.rules.fixed)).toEqual([DOCUMENTED]);
  expect(swapped.rows.verdictChanged).toEqual([expect.objectContaining({ id: apiOf(DOCUMENTED), baseline: 'FAIL', current: 'PASS' })]);
  expect(changed(swapped)).toEqual(['fixed', 'verdictChanged']);
  expect(swapped.worse).toBe(false);

  const markdown = comparisonMarkdown(c);
  expect(markdown).toContain(`Rules newly failed (1):\n- ${DOCUMENTED} (`);
  expect(markdown).toContain('documented status 404; received status 200');
  expect(markdown).toMatch(/Rows whose verdict changed \(1\):\n- .* \(issuer-get-consumer-info\): PASS → FAIL/);
  expect(markdown).toContain('(reports-ready)');
});

test('a rule failing in both runs is still failing, and nothing else', () => {
  const c = compareSummaries(certification({ failing: [DOCUMENTED] }), certification({ failing: [DOCUMENTED] }));
  expect(ids(c.rules.stillFailing)).toEqual([DOCUMENTED]);
  expect(changed(c)).toEqual(['stillFailing']);
  expect(c.worse).toBe(false);
});

test('an inferred rule failing is newly warned, not worse; swapped, its warning is gone', () => {
  const before = certification();
  const after = certification({ failing: [INFERRED] });
  const c = compareSummaries(before, after);
  expect(ids(c.rules.newlyWarned)).toEqual([INFERRED]);
  expect(ids(c.rules.newlyFailed)).toEqual([]);
  expect(c.rows.verdictChanged).toEqual([expect.objectContaining({ baseline: 'PASS', current: 'PASS WITH WARNINGS' })]);
  expect(changed(c)).toEqual(['newlyWarned', 'verdictChanged']);
  expect(c.worse).toBe(false);
  expect(ids(compareSummaries(after, before).rules.warningsGone)).toEqual([INFERRED]);
});

test('a security finding is new (and newly failed, worse); swapped, it is gone and fixed', () => {
  const before = certification();
  const after = certification({ failing: [SECURITY] });
  const c = compareSummaries(before, after);
  expect(ids(c.securityFindings.new)).toEqual([SECURITY]);
  expect(c.securityFindings.new[0]?.security).toBe(true);
  expect(ids(c.rules.newlyFailed)).toEqual([SECURITY]);
  expect(c.worse).toBe(true);
  expect(comparisonMarkdown(c)).toContain(`Security findings new (each fails the go-live) (1):\n- SECURITY ${SECURITY}`);
  const swapped = compareSummaries(after, before);
  expect(ids(swapped.securityFindings.gone)).toEqual([SECURITY]);
  expect(ids(swapped.rules.fixed)).toEqual([SECURITY]);
  expect(swapped.worse).toBe(false);
});

test('a row whose rules were not all run changed evidence; another number of observed calls did not', () => {
  const row = apiOf(DOCUMENTED);
  const hostedRules = rules.filter((r) => r.api === row).map((r) => r.id);
  expect(hostedRules.length).toBeGreaterThan(1);
  const c = compareSummaries(certification(), certification({ missing: hostedRules.slice(1), calls: 5 }));
  expect(c.rows.evidenceChanged).toEqual([
    expect.objectContaining({
      id: row,
      baseline: { kind: 'suite', count: hostedRules.length, rulesChecked: hostedRules.length },
      current: { kind: 'suite', count: 1, rulesChecked: 1 },
    }),
  ]);
  expect(changed(c)).toEqual(['evidenceChanged']);
  // The observed rows' calls differ (5 a result instead of 2), which polling does from run to run: not a change.
  expect(certification({ calls: 5 }).apis.find((a) => a.id === ruleOf(OBSERVED).api)?.evidenceCount).toBeGreaterThan(
    certification().apis.find((a) => a.id === ruleOf(OBSERVED).api)?.evidenceCount ?? Infinity,
  );
  expect(comparisonMarkdown(c)).toMatch(/\(issuer-get-consumer-info\): suite: \d+ tests, \d+ rules judged → suite: 1 test, 1 rule judged/);

  // A row nothing judged any more: its verdict and its evidence changed.
  const gone = compareSummaries(certification(), certification({ missing: hostedRules }));
  expect(gone.rows.verdictChanged).toEqual([expect.objectContaining({ id: row, baseline: 'PASS', current: 'NOT TESTED' })]);
  expect(gone.rows.evidenceChanged[0]?.current).toEqual({ kind: 'none', count: 0, rulesChecked: 0 });
});

test('across a contract change: different versions said, the catalogue rules added and removed listed and marked', () => {
  const before = certification({ failing: [DOCUMENTED] });
  const after = certification({ failing: [INFERRED] });
  const removedRule = DOCUMENTED;
  const addedRule = INFERRED;
  const baseline: ComplianceSummary = {
    ...before,
    versions: { product: '0.0.9', contracts: 'bbbbbbbbbbbb' },
    catalogueRules: [...(before.catalogueRules ?? []).filter((id) => id !== addedRule), 'RULE-RETIRED-SINCE'],
  };
  const current: ComplianceSummary = { ...after, catalogueRules: (after.catalogueRules ?? []).filter((id) => id !== removedRule) };
  const c = compareSummaries(baseline, current);
  expect(c.contractVersions).toBe('different');
  expect(c.catalogue).toEqual({ added: [addedRule], removed: [removedRule, 'RULE-RETIRED-SINCE'].sort() });
  expect(c.rules.fixed).toEqual([expect.objectContaining({ ruleId: removedRule, catalogue: 'removed' })]);
  expect(c.rules.newlyWarned).toEqual([expect.objectContaining({ ruleId: addedRule, catalogue: 'added' })]);
  const markdown = comparisonMarkdown(c);
  expect(markdown).toContain('The runs were judged by different contract versions (sha256 bbbbbbbbbbbb then aaaaaaaaaaaa).');
  expect(markdown).toContain(`Catalogue rules added since the baseline (1): ${addedRule}.`);
  expect(markdown).toContain(`Catalogue rules removed since the baseline (2): ${[removedRule, 'RULE-RETIRED-SINCE'].sort().join(', ')}.`);
  expect(markdown).toContain('product 0.0.9, contracts sha256 bbbbbbbbbbbb');
  expect(markdown).toContain(`- ${removedRule} (Get consumer information), no longer in the catalogue`);
  expect(markdown).toContain(`- ${addedRule} (Notify consumer operations), new in the catalogue`);
});

test('a summary written before summaries carried versions and catalogue compares: those are said unknown', () => {
  const { versions: _versions, catalogueRules: _rules, ...older } = certification();
  const c = compareSummaries(older, certification({ failing: [DOCUMENTED] }));
  expect(c.contractVersions).toBe('unknown');
  expect(c.catalogue).toBeUndefined();
  expect(c.baseline.versions).toBeUndefined();
  expect(c.baseline.catalogueKnown).toBe(false);
  expect(ids(c.rules.newlyFailed)).toEqual([DOCUMENTED]);
  expect(c.rules.newlyFailed[0]?.catalogue).toBeUndefined();
  const markdown = comparisonMarkdown(c);
  expect(markdown).toContain("The contract versions cannot be compared: the baseline's summary was written before summaries carried them.");
  expect(markdown).toContain('The rules added to or removed from the catalogue are unknown');
  expect(markdown).toContain('seed 7, versions unknown');
  expect(notComparable(JSON.parse(JSON.stringify(older)))).toBeUndefined();
});

test('what is not a compliance summary is said so, and why', () => {
  expect(notComparable([])).toBe('not a JSON object');
  expect(notComparable({ verdict: 'READY' })).toBe('no generatedAt');
  const summary = JSON.parse(JSON.stringify(certification())) as Record<string, unknown>;
  expect(notComparable({ ...summary, apis: [{ id: 'x' }] })).toBe('no rows of the D1 API summary (apis)');
  expect(notComparable({ ...summary, failures: 'none' })).toBe('no list of failures');
  expect(notComparable({ ...summary, catalogueRules: [1] })).toBe('catalogueRules is not a list of rule ids');
});

test('the comparison in the summary: within the schema, a Markdown section, one line on the certificate', () => {
  const before = certification();
  const judged = certification({ failing: [DOCUMENTED, SECURITY, INFERRED] });
  const summary: ComplianceSummary = { ...judged, comparison: compareSummaries(before, judged, { baseline: 'last-ready' }) };
  expectWithinSchema(summary);
  expect(summary.catalogueRules).toEqual(rules.map((r) => r.id).sort());
  expect(summary.versions).toEqual(VERSIONS);

  const markdown = summaryMarkdown(summary);
  const section = markdown.indexOf('## Changes since the certification of 2026-05-01 10:00:00 UTC (READY)');
  expect(section).toBeGreaterThan(markdown.indexOf('| API |'));
  expect(section).toBeLessThan(markdown.indexOf('## D1 environment'));
  expect(markdown).toContain(`Worse: 2 rules newly failed (${[DOCUMENTED, SECURITY].sort().join(', ')}), 0 fixed`);
  expect(summaryMarkdown(judged)).not.toContain('Changes since');

  const html = certificateHtml(summary, { productVersion: VERSIONS.product, contractsHash: VERSIONS.contracts });
  const line = /<div class="compared" data-testid="comparison">(.*?)<\/div>/.exec(html)?.[1] ?? '';
  expect(line).toContain('<b>Compared with</b> the certification of 2026-05-01 10:00:00 UTC (READY): 2 rules newly failed');
  expect(line).toContain('1 newly warned');
  expect(html.match(/data-testid="comparison"/g)).toHaveLength(1);
  expect(certificateHtml(judged, { productVersion: '0.1.0', contractsHash: 'x' })).not.toContain('data-testid="comparison"');
});
