/**
 * The verdict of a certification repeated with the same seed and targets (`certify --repeat`): runs merge as a test's
 * attempts do (a rule failed in any run failed), the rules whose judged outcome flipped are listed apart with each run's
 * evidence, and a run that could not judge a rule (its target unavailable) makes nothing unstable.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules, type RuleId } from '../../gen/catalogue.js';
import { fromRoot } from '../../lib/paths.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { summarise, summaryMarkdown, type ComplianceSummary } from '../../reporters/compliance-summary.js';
import { verdictTestSuite } from '../../reporters/junit-verdict.js';
import { rowResults } from '../../reporters/allure-rows.js';
import { mergeRuns, unstableRules, type RunResults } from '../../reporters/repetitions.js';
import { hostedByBank, passingBankResult } from './bank-results.js';

const ruleOf = (id: RuleId): (typeof rules)[number] => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

type Changes = Readonly<Partial<Record<RuleId, Partial<CertifiedTest>>>>;

/** One run of the suites as certification/run-K/tests.json holds it: every rule of an API the bank hosts, passing unless changed. */
const suitesRun = (run: number, changes: Changes = {}, d1: Partial<CertifiedTest> = {}): RunResults => ({
  run,
  tests: [
    ...rules.filter(hostedByBank).map((r): CertifiedTest => ({ ...passingBankResult(r, 0), ...changes[r.id] })),
    {
      project: 'd1',
      subject: 'd1',
      title: 'D1 keeps CTP-OPTOUT-CONSUMER-REPEAT',
      file: 'suites/d1/x.spec.ts',
      rules: ['CTP-OPTOUT-CONSUMER-REPEAT'],
      category: 'mandatory',
      provenance: 'documented',
      outcome: 'passed',
      failure: undefined,
      error: undefined,
      ...d1,
    },
  ],
});

// The observation is made once, whatever the repetitions: its results join the merged runs', as certify's conclusion does.
const observed = rules.filter((r) => !hostedByBank(r)).map((r) => passingBankResult(r, 2));

const failed = (id: RuleId, received = 'status 200'): Partial<CertifiedTest> => ({
  outcome: 'failed',
  failure: {
    ruleId: id,
    operationId: undefined,
    provenance: ruleOf(id).provenance,
    security: ruleOf(id).security === true,
    pointer: 'status',
    documented: 'status 404',
    received,
  },
  error: `${id} at status`,
});
const unavailable: Partial<CertifiedTest> = {
  outcome: 'unavailable',
  unavailable: [{ target: 'issuer', method: 'GET', path: '/x', tries: 3, faults: ['503 (Retry-After 1 s)'], why: '503' }],
};

const applicableConditional = new Set(apis.filter((a) => a.category === 'conditional').map((a) => a.id));

function judge(runs: readonly RunResults[]): ComplianceSummary {
  const unstable = unstableRules(runs, { apis, rules, applicableConditional });
  return summarise({
    tests: [...mergeRuns(runs), ...observed],
    apis,
    rules,
    applicableConditional,
    seed: 5,
    targets: { d1: 'embedded mock D1', issuer: 'embedded reference issuer' },
    subject: { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'http://127.0.0.1:9', calls: 'observed' },
    repetition: { runs: runs.length, unstable },
  });
}

function schemaErrors(summary: ComplianceSummary): string {
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const schema = JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object;
  return validate.validate(schema, JSON.parse(JSON.stringify(summary))) ? '' : validate.errorsText();
}

test('identical runs that agree: nothing unstable, READY, and the summary says every rule held steady', () => {
  const summary = judge([suitesRun(1), suitesRun(2)]);
  expect(summary.verdict).toBe('READY');
  expect(summary).toMatchObject({ repetitions: 2, unstable: [] });
  expect(summaryMarkdown(summary)).toContain('Repeated 2 times with the same seed and targets: every rule held steady.');
  expect(schemaErrors(summary)).toBe('');
});

test('repetitions stopped after one run: a valid summary that says there was nothing to compare', () => {
  const summary = judge([suitesRun(1)]);
  expect(summary).toMatchObject({ verdict: 'READY', repetitions: 1, unstable: [] });
  expect(summaryMarkdown(summary)).toContain('Repeated, but only one run produced results');
  expect(schemaErrors(summary)).toBe('');
});

test('a documented rule that failed in one run and held in the other is unstable, and fails the go-live', () => {
  const rule = 'CONSUMER-INFO-UNKNOWN-CONSUMER';
  const summary = judge([suitesRun(1, { [rule]: failed(rule) }), suitesRun(2)]);
  expect(summary.unstable).toEqual([
    {
      ruleId: rule,
      api: 'issuer-get-consumer-info',
      apiName: 'Get consumer information',
      subject: 'bank',
      provenance: 'documented',
      security: false,
      failsGoLive: true,
      runs: [
        { run: 1, outcome: 'failed', test: `checks ${rule}`, where: 'status', documented: 'status 404', received: 'status 200' },
        { run: 2, outcome: 'passed' },
      ],
    },
  ]);
  // A rule that holds only sometimes is broken: the bank answered one request two ways, and D1 will meet both.
  expect(summary.verdict).toBe('NOT READY');
  expect(summary.reasons[0]).toMatch(
    /^unstable between the 2 runs .*: CONSUMER-INFO-UNKNOWN-CONSUMER \(failed in run 1, passed in run 2\)$/,
  );
  expect(summary.apis.find((r) => r.id === 'issuer-get-consumer-info')).toMatchObject({ verdict: 'FAIL', failedRules: [rule] });
  expect(summary.failures.map((f) => f.ruleId)).toEqual([rule]);
  const markdown = summaryMarkdown(summary);
  expect(markdown).toContain(`- ${rule} (Get consumer information) at status, unstable (failed in run 1, passed in run 2): documented`);
  expect(markdown).toContain(
    `- ${rule} (Get consumer information): failed in run 1, passed in run 2; fails the go-live (documented rule)\n` +
      '  - run 1, at status: documented status 404; received status 200',
  );
  expect(schemaErrors(summary)).toBe('');
  // Where CI shows it: the finding's JUnit case, and the row's Allure entry marked flaky.
  const junit = verdictTestSuite(summary);
  expect(junit).toContain(
    `message="${rule} at status (unstable: failed in run 1, passed in run 2): documented status 404; received status 200"`,
  );
  expect(junit).toContain(`${rule} unstable between the 2 runs with the same seed and targets: failed in run 1, passed in run 2`);
  expect(junit).toContain('<property name="runs with the same seed and targets" value="2"/>');
  const row = rowResults(summary).find((r) => r.name === 'Get consumer information (issuer-get-consumer-info)');
  expect(row?.statusDetails).toMatchObject({ flaky: true });
  expect(row?.statusDetails.trace).toContain('run 1 at status: documented status 404; received status 200');
});

test('an inferred rule that flips is unstable as a warning: the run stays READY', () => {
  const rule = 'CONSUMER-INFO-EMAIL-FORMAT';
  expect(ruleOf(rule).provenance).toBe('inferred');
  const summary = judge([suitesRun(1), suitesRun(2, { [rule]: failed(rule, 'email "x"') })]);
  expect(summary.verdict).toBe('READY');
  expect(summary.unstable).toMatchObject([{ ruleId: rule, failsGoLive: false, runs: [{ outcome: 'passed' }, { outcome: 'warning' }] }]);
  expect(summary.warnings.map((w) => w.ruleId)).toEqual([rule]);
  expect(summaryMarkdown(summary)).toContain(`- ${rule} (Get consumer information): passed in run 1, warned in run 2; a warning`);
});

test('a security rule failing in any run fails the go-live, whatever the other runs say', () => {
  const rule = 'ISSUER-TOKEN-WRONG-SECRET';
  expect(ruleOf(rule)).toMatchObject({ provenance: 'inferred', security: true });
  const summary = judge([suitesRun(1), suitesRun(2), suitesRun(3, { [rule]: failed(rule) })]);
  expect(summary.verdict).toBe('NOT READY');
  expect(summary.securityFindings.map((f) => f.ruleId)).toEqual([rule]);
  expect(summary.unstable).toMatchObject([{ ruleId: rule, security: true, failsGoLive: true }]);
  expect(summary.reasons.join('\n')).toContain(`${rule} (passed in runs 1 and 2, failed in run 3)`);
});

test('a rule failed in every run is a steady failure, not an unstable one', () => {
  const rule = 'CONSUMER-INFO-UNKNOWN-CONSUMER';
  const summary = judge([suitesRun(1, { [rule]: failed(rule) }), suitesRun(2, { [rule]: failed(rule) })]);
  expect(summary.unstable).toEqual([]);
  expect(summary.verdict).toBe('NOT READY');
  expect(summary.reasons).toEqual(['documented rules failed in: Get consumer information']);
});

test('a run whose target could not answer judged nothing: passed then unavailable is steady, and passed', () => {
  const rule = 'CONSUMER-INFO-UNKNOWN-CONSUMER';
  const runs = [suitesRun(1), suitesRun(2, { [rule]: unavailable })];
  expect(unstableRules(runs, { apis, rules, applicableConditional })).toEqual([]);
  expect(mergeRuns(runs).find((t) => t.rules.includes(rule))?.outcome).toBe('passed');
  // Another run answered it, so the repetition settles what one run alone would have left inconclusive.
  expect(judge(runs).verdict).toBe('READY');
  const never = [suitesRun(1, { [rule]: unavailable }), suitesRun(2, { [rule]: unavailable })];
  expect(mergeRuns(never).find((t) => t.rules.includes(rule))?.unavailable).toHaveLength(2);
  expect(judge(never).verdict).toBe('INCONCLUSIVE');
});

test("a flip in the D1 environment is listed as D1's, and never touches the verdict", () => {
  const rule = 'CTP-OPTOUT-CONSUMER-REPEAT';
  const summary = judge([suitesRun(1, {}, failed(rule)), suitesRun(2)]);
  expect(summary.verdict).toBe('READY');
  expect(summary.unstable).toMatchObject([{ ruleId: rule, subject: 'd1', failsGoLive: false }]);
  expect(summaryMarkdown(summary)).toContain(`- ${rule} (Click to Pay opt-out consumer): failed in run 1, passed in run 2; D1 environment`);
});
