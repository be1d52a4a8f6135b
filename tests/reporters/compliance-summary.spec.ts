/**
 * The go-live verdict: READY only when every mandatory API, and every conditional API declared applicable, passes
 * its documented rules; inferred rules only warn; optional APIs and undeclared conditional ones do not count.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules } from '../../gen/catalogue.js';
import { fromRoot } from '../../lib/paths.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { summarise, summaryMarkdown, type ComplianceSummary } from '../../reporters/compliance-summary.js';

const ruleOf = (id: string): (typeof rules)[number] => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

/** A passing test for every rule of the catalogue, with some turned into failures or skips. */
function run(changes: Readonly<Record<string, Partial<CertifiedTest>>> = {}): CertifiedTest[] {
  return rules.map((r) => ({
    project: 'd1',
    title: `checks ${r.id}`,
    file: 'suites/d1/x.spec.ts',
    rules: [r.id],
    category: r.category,
    provenance: r.provenance,
    outcome: 'passed',
    error: undefined,
    ...changes[r.id],
  }));
}

const failure = (id: string): Partial<CertifiedTest> => ({
  outcome: 'failed',
  provenance: ruleOf(id).provenance,
  error: `RuleViolation: ${id}${ruleOf(id).provenance === 'inferred' ? ' (inferred rule)' : ''} at /status\n  documented: x\n  received:   y`,
});

const summary = (tests: CertifiedTest[], applicable: string[] = apis.filter((a) => a.category === 'conditional').map((a) => a.id)): ComplianceSummary =>
  summarise({ tests, apis, rules, applicableConditional: new Set(applicable), seed: 1, targets: { d1: 'mock', issuer: 'mock' }, now: new Date(0) });

const row = (s: ComplianceSummary, id: string): ComplianceSummary['apis'][number] | undefined => s.apis.find((a) => a.id === id);

test('everything passing is READY, with one row per API of the summary', () => {
  const s = summary(run());
  expect(s.verdict).toBe('READY');
  expect(s.apis.map((a) => a.id)).toEqual(apis.map((a) => a.id));
  expect(s.apis.every((a) => a.verdict === 'PASS')).toBe(true);
});

test('a failed documented rule of a mandatory API is NOT READY and is named', () => {
  const s = summary(run({ 'CTP-OPTOUT-CONSUMER-REPEAT': failure('CTP-OPTOUT-CONSUMER-REPEAT') }));
  expect(s.verdict).toBe('NOT READY');
  expect(row(s, 'ctp-optout-consumer')).toMatchObject({ verdict: 'FAIL', failed: 1, failedRules: ['CTP-OPTOUT-CONSUMER-REPEAT'] });
});

test('a failed inferred rule is a warning: still READY', () => {
  const s = summary(run({ 'CTP-ENROL-REPEAT': failure('CTP-ENROL-REPEAT') }));
  expect(s.verdict).toBe('READY');
  expect(row(s, 'ctp-enrol')).toMatchObject({ verdict: 'PASS WITH WARNINGS', warnings: 1, warningRules: ['CTP-ENROL-REPEAT'] });
  expect(s.totals.warnings).toBe(1);
});

test('a failing conditional API counts only when declared applicable', () => {
  const tests = run({ 'NOTIFY-CARD-RETRY': failure('NOTIFY-CARD-RETRY') });
  expect(summary(tests).verdict).toBe('NOT READY');
  expect(summary(tests, ['issuer-notify-consumer']).verdict).toBe('READY');
  expect(row(summary(tests, []), 'issuer-notify-card')).toMatchObject({ applicable: false, verdict: 'FAIL' });
});

test('a failing optional API does not block go-live', () => {
  const s = summary(run({ 'CARD-OPERATIONS-ALL': failure('CARD-OPERATIONS-ALL') }));
  expect(ruleOf('CARD-OPERATIONS-ALL').category).toBe('optional');
  expect(s.verdict).toBe('READY');
  expect(row(s, 'card-get-operations')?.verdict).toBe('FAIL');
});

test('a mandatory API none of whose rules ran is NOT TESTED, hence NOT READY', () => {
  const skipped = Object.fromEntries(rules.filter((r) => r.api === 'ctp-enrol').map((r) => [r.id, { outcome: 'skipped' as const }]));
  const s = summary(run(skipped));
  expect(row(s, 'ctp-enrol')?.verdict).toBe('NOT TESTED');
  expect(s.verdict).toBe('NOT READY');
});

test('a test failing on another rule than the one it stands for charges that rule', () => {
  const tests = run({ 'CTP-ENROL-ASYNC': { ...failure('CTP-ENROL-FINAL-STATE') } });
  const s = summary(tests);
  expect(row(s, 'ctp-enrol')?.failedRules).toEqual(['CTP-ENROL-FINAL-STATE']);
});

test('the summary follows its JSON Schema, and its Markdown names the verdict and every API', () => {
  const s = summary(run({ 'CTP-OPTOUT-CONSUMER-REPEAT': failure('CTP-OPTOUT-CONSUMER-REPEAT') }));
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  expect(validate.validate(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object, s), validate.errorsText()).toBe(true);
  const markdown = summaryMarkdown(s);
  expect(markdown.split('\n')[0]).toBe('# Compliance summary: NOT READY');
  for (const api of apis) expect(markdown).toContain(`(${api.id})`);
  expect(markdown).toContain('- Click to Pay opt-out consumer: CTP-OPTOUT-CONSUMER-REPEAT');
});
