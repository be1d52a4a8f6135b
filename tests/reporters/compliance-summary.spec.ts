/**
 * The go-live verdict certifies the bank: every row of the D1 API summary is judged from the evidence that concerns
 * the bank for it (the suite against the endpoints it hosts, the observation of the calls it makes), security findings
 * fail whatever their provenance, inferred rules only warn, and D1's own behaviour is reported apart. Outcomes come
 * from the structured failure each result carries, never from its text.
 */
import { readFileSync } from 'node:fs';
import type { TestResult } from '@playwright/test/reporter';
import { test, expect } from '@playwright/test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules, type RuleId } from '../../gen/catalogue.js';
import { holds, statusIs } from '../../lib/checks/index.js';
import {
  RULE_FAILURE_ATTACHMENT,
  RULE_FAILURE_CONTENT_TYPE,
  ruleStanding as ruleStandingOf,
  type RuleFailure,
} from '../../lib/checks/rule-failure.js';
import { fromRoot } from '../../lib/paths.js';
import { failureOf, outcomeOver, type CertifiedTest } from '../../reporters/certification.js';
import { TARGET_UNAVAILABLE_ATTACHMENT, TARGET_UNAVAILABLE_CONTENT_TYPE } from '../../lib/http/transport-faults.js';
import type { TargetNetwork } from '../../lib/http/pacing.js';
import { hostedByBank, passingBankResult, targetNetwork } from './bank-results.js';
import { summarise, summaryMarkdown, type CertificationSubject, type ComplianceSummary } from '../../reporters/compliance-summary.js';

const ruleOf = (id: RuleId): (typeof rules)[number] => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};
const directionOf = (id: RuleId): string | undefined => apis.find((a) => a.id === ruleOf(id).api)?.direction;

/**
 * A passing result for every rule of the catalogue, from the evidence that judges the bank for it (the suite for a
 * rule of an API the bank hosts, the observation for one it calls), plus the D1 suites' own results.
 */
function run(
  changes: Readonly<Partial<Record<RuleId, Partial<CertifiedTest>>>> = {},
  options: { observed?: boolean } = {},
): CertifiedTest[] {
  const bank = rules.flatMap((r): CertifiedTest[] =>
    !hostedByBank(r) && options.observed === false ? [] : [{ ...passingBankResult(r, 2), ...changes[r.id] }],
  );
  const d1 = rules
    .filter((r) => directionOf(r.id) === 'issuer-to-d1')
    .map((r): CertifiedTest => ({
      project: 'd1',
      subject: 'd1',
      title: `D1 keeps ${r.id}`,
      file: 'suites/d1/x.spec.ts',
      rules: [r.id],
      category: r.category,
      provenance: r.provenance,
      outcome: 'passed',
      failure: undefined,
      error: undefined,
    }));
  return [...bank, ...d1];
}

const failureFor = (id: RuleId, received = 'status 200'): RuleFailure => ({
  ruleId: id,
  operationId: undefined,
  provenance: ruleOf(id).provenance,
  security: ruleOf(id).security === true,
  pointer: 'status',
  documented: 'as documented',
  received,
});
const failed = (id: RuleId): Partial<CertifiedTest> => ({ outcome: 'failed', failure: failureFor(id), error: `${id} at status` });

const BANK: CertificationSubject = { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'http://127.0.0.1:9', calls: 'observed' };
const conditional = apis.filter((a) => a.category === 'conditional').map((a) => a.id);
const summary = (tests: CertifiedTest[], applicable: string[] = conditional, network?: TargetNetwork[]): ComplianceSummary =>
  summarise({
    tests,
    apis,
    rules,
    applicableConditional: new Set(applicable),
    seed: 1,
    targets: { d1: 'mock', issuer: 'mock' },
    subject: BANK,
    now: new Date(0),
    ...(network ? { network } : {}),
  });

/** The summary, as JSON, follows reporters/compliance-summary.schema.json. */
function expectWithinSchema(summary: ComplianceSummary): void {
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const schema = JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object;
  expect(validate.validate(schema, JSON.parse(JSON.stringify(summary))), validate.errorsText()).toBe(true);
}

const row = (s: ComplianceSummary, id: string): ComplianceSummary['apis'][number] | undefined => s.apis.find((a) => a.id === id);

test('everything passing is READY, each row judged by the evidence of its side', () => {
  const s = summary(run());
  expect(s.verdict).toBe('READY');
  expect(s.reasons).toEqual([]);
  expect(s.apis.map((a) => a.id)).toEqual(apis.map((a) => a.id));
  expect(s.apis.every((a) => a.verdict === 'PASS')).toBe(true);
  expect(row(s, 'ctp-enrol')).toMatchObject({ hostedBy: 'd1', evidence: 'observation' });
  expect(row(s, 'ctp-enrol')?.evidenceCount).toBeGreaterThan(0);
  expect(row(s, 'issuer-notify-card')).toMatchObject({ hostedBy: 'bank', evidence: 'suite' });
  expect(s.d1Environment.status).toBe('PASS');
});

test('without an observation every row the bank calls is NOT TESTED, and the reason says what is missing', () => {
  const s = summary(run({}, { observed: false }));
  expect(s.verdict).toBe('NOT READY');
  for (const api of apis.filter((a) => a.direction === 'issuer-to-d1'))
    expect(row(s, api.id)).toMatchObject({ verdict: 'NOT TESTED', evidence: 'none' });
  for (const api of apis.filter((a) => a.direction === 'd1-to-issuer')) expect(row(s, api.id)?.verdict).toBe('PASS');
  expect(s.reasons.join('\n')).toMatch(/no observed call of the bank's for: Get authorization token, .*Click to Pay enrol/);
});

test('the D1 suites passing stand for nothing of the bank: they never judge a row', () => {
  const s = summary(run({}, { observed: false }));
  // The D1 suites passed every rule of the rows the bank calls, and still none of those rows is judged.
  expect(s.d1Environment.status).toBe('PASS');
  expect(row(s, 'consumer-register')?.verdict).toBe('NOT TESTED');
});

test("a failure of D1's shows in the D1 environment and leaves the bank's verdict unchanged", () => {
  const tests = run().map((t) => (t.subject === 'd1' && t.rules[0] === 'CTP-ENROL-ASYNC' ? { ...t, ...failed('CTP-ENROL-ASYNC') } : t));
  const s = summary(tests);
  expect(s.verdict).toBe('READY');
  expect(row(s, 'ctp-enrol')?.verdict).toBe('PASS');
  expect(s.d1Environment.status).toBe('FAIL');
  expect(s.d1Environment.groups.find((g) => g.name === 'D1 Click to Pay')).toMatchObject({
    status: 'FAIL',
    failedRules: ['CTP-ENROL-ASYNC'],
  });
});

test('a failed documented rule of a mandatory API is NOT READY and is named with documented and received', () => {
  const s = summary(run({ 'CTP-OPTOUT-CONSUMER-REPEAT': failed('CTP-OPTOUT-CONSUMER-REPEAT') }));
  expect(s.verdict).toBe('NOT READY');
  expect(row(s, 'ctp-optout-consumer')).toMatchObject({ verdict: 'FAIL', failed: 1, failedRules: ['CTP-OPTOUT-CONSUMER-REPEAT'] });
  expect(s.failures).toEqual([
    expect.objectContaining({ ruleId: 'CTP-OPTOUT-CONSUMER-REPEAT', documented: 'as documented', received: 'status 200', security: false }),
  ]);
});

test('a failed inferred rule is a warning: still READY', () => {
  const s = summary(run({ 'CTP-ENROL-REPEAT': failed('CTP-ENROL-REPEAT') }));
  expect(ruleOf('CTP-ENROL-REPEAT').provenance).toBe('inferred');
  expect(s.verdict).toBe('READY');
  expect(row(s, 'ctp-enrol')).toMatchObject({ verdict: 'PASS WITH WARNINGS', warnings: 1, warningRules: ['CTP-ENROL-REPEAT'] });
  expect(s.warnings.map((w) => w.ruleId)).toEqual(['CTP-ENROL-REPEAT']);
});

test('a failed security rule is NOT READY whatever its provenance, and listed first', () => {
  expect(ruleOf('CONSUMER-INFO-AUTH-REJECT')).toMatchObject({ provenance: 'inferred', security: true });
  const s = summary(
    run({ 'CONSUMER-INFO-AUTH-REJECT': failed('CONSUMER-INFO-AUTH-REJECT'), 'CTP-ENROL-REPEAT': failed('CTP-ENROL-REPEAT') }),
  );
  expect(s.verdict).toBe('NOT READY');
  expect(s.securityFindings.map((f) => f.ruleId)).toEqual(['CONSUMER-INFO-AUTH-REJECT']);
  expect(s.reasons[0]).toBe('security findings: CONSUMER-INFO-AUTH-REJECT');
  expect(row(s, 'issuer-get-consumer-info')?.verdict).toBe('FAIL');
  // Even an API not declared applicable cannot hide a security finding.
  expect(summary(run({ 'CONSUMER-INFO-AUTH-REJECT': failed('CONSUMER-INFO-AUTH-REJECT') }), []).verdict).toBe('NOT READY');
  const markdown = summaryMarkdown(s);
  expect(markdown.indexOf('Security findings')).toBeLessThan(markdown.indexOf('| API |'));
});

test('a refusal with another status than 401 only warns', () => {
  const s = summary(run({ 'CONSUMER-INFO-AUTH-401': failed('CONSUMER-INFO-AUTH-401') }));
  expect(s.verdict).toBe('READY');
  expect(row(s, 'issuer-get-consumer-info')?.warningRules).toEqual(['CONSUMER-INFO-AUTH-401']);
});

test('a failing conditional API counts only when declared applicable', () => {
  const tests = run({ 'NOTIFY-CARD-RETRY': failed('NOTIFY-CARD-RETRY') });
  expect(summary(tests).verdict).toBe('NOT READY');
  expect(summary(tests, ['issuer-notify-consumer']).verdict).toBe('READY');
  expect(row(summary(tests, []), 'issuer-notify-card')).toMatchObject({ applicable: false, verdict: 'FAIL' });
});

test('a failing optional API does not block go-live', () => {
  const s = summary(run({ 'CARD-OPERATIONS-ALL': failed('CARD-OPERATIONS-ALL') }));
  expect(ruleOf('CARD-OPERATIONS-ALL').category).toBe('optional');
  expect(s.verdict).toBe('READY');
  expect(row(s, 'card-get-operations')?.verdict).toBe('FAIL');
});

test('the structured failure decides, not the message: a text naming another rule changes nothing', () => {
  const tests = run({
    'CTP-ENROL-ASYNC': { ...failed('CTP-ENROL-FINAL-STATE'), error: 'CTP-OPTOUT-CONSUMER-REPEAT at /status\n  documented: x' },
  });
  const s = summary(tests);
  expect(row(s, 'ctp-enrol')?.failedRules).toEqual(['CTP-ENROL-FINAL-STATE']);
  expect(row(s, 'ctp-optout-consumer')?.verdict).toBe('PASS');
});

test("the reporter reads a test's failure from its attachment, and refuses one naming a rule the catalogue lacks", () => {
  const result = (body: unknown): TestResult =>
    ({
      status: 'failed',
      error: { message: 'CTP-OPTOUT-CONSUMER-REPEAT at /status (a message naming another rule)' },
      attachments: [{ name: RULE_FAILURE_ATTACHMENT, contentType: RULE_FAILURE_CONTENT_TYPE, body: Buffer.from(JSON.stringify(body)) }],
    }) as unknown as TestResult;
  // Provenance and security come from the catalogue even when the attachment says otherwise.
  const fromAttachment = failureOf(
    ['CTP-ENROL-ASYNC'],
    result({ ...failureFor('CONSUMER-INFO-AUTH-REJECT'), provenance: 'documented', security: false }),
  );
  expect(fromAttachment).toMatchObject({ ruleId: 'CONSUMER-INFO-AUTH-REJECT', provenance: 'inferred', security: true });
  // A departure no rule names (an undocumented status) is charged to the rule the test stands for.
  expect(
    failureOf(
      ['CTP-OPTOUT-CONSUMER-REPEAT'],
      result({ ...failureFor('CTP-ENROL-ASYNC'), ruleId: undefined, operationId: 'clickToPayOptoutConsumer' }),
    ),
  ).toMatchObject({
    ruleId: 'CTP-OPTOUT-CONSUMER-REPEAT',
    provenance: 'documented',
    operationId: 'clickToPayOptoutConsumer',
  });
  // A mistyped rule id cannot name a rule nobody judges: the test fails on the rule it stands for.
  expect(failureOf(['CTP-ENROL-ASYNC'], result({ ...failureFor('CTP-ENROL-ASYNC'), ruleId: 'CTP-ENROL-ASYNK' }))).toMatchObject({
    ruleId: 'CTP-ENROL-ASYNC',
    provenance: 'documented',
  });
});

test('a check called with a rule id the catalogue does not have does not compile', () => {
  const response = { status: 200, headers: {}, text: '', json: undefined, durationMs: 0 } as Parameters<typeof statusIs>[1];
  // @ts-expect-error: not a rule of the catalogue
  expect(() => statusIs('CTP-ENROL-ASYNK', response, 200)).not.toThrow();
  // @ts-expect-error: not a rule of the catalogue
  expect(() => holds('NO-SUCH-RULE', true, '/', 'x', 'y')).not.toThrow();
});

test('the summary follows its JSON Schema, and its Markdown names the verdict, the subject and every API', () => {
  const s = summary(run({ 'CTP-OPTOUT-CONSUMER-REPEAT': failed('CTP-OPTOUT-CONSUMER-REPEAT') }));
  expectWithinSchema(s);
  const markdown = summaryMarkdown(s);
  expect(markdown.split('\n')[0]).toBe('# Go-live verdict: NOT READY');
  expect(markdown).toContain('Certified: the bank TESTBANK01');
  for (const api of apis) expect(markdown).toContain(`(${api.id})`);
  expect(markdown).toContain(
    '- CTP-OPTOUT-CONSUMER-REPEAT (Click to Pay opt-out consumer) at status: documented as documented; received status 200',
  );
  expect(markdown).toContain('## D1 environment: PASS');
});

test('a documentation quirk and a recommendation among the warnings keep the summary within its JSON Schema', () => {
  const warnedOn = (id: RuleId): Partial<CertifiedTest> => ({
    outcome: 'failed',
    failure: { ...failureFor(id), ...ruleStandingOf(id) },
    error: `${id} at status`,
  });
  const s = summary(
    run({
      'ISSUER-TOKEN-EXPIRESIN-TYPE': warnedOn('ISSUER-TOKEN-EXPIRESIN-TYPE'),
      'CONSUMER-REGISTER-RECOMMENDED-FIELDS': warnedOn('CONSUMER-REGISTER-RECOMMENDED-FIELDS'),
    }),
  );
  expect(s.verdict).toBe('READY');
  expect(s.warnings.find((w) => w.ruleId === 'ISSUER-TOKEN-EXPIRESIN-TYPE')?.contradicts).toMatch(/^RFC 6749/);
  expect(s.warnings.find((w) => w.ruleId === 'CONSUMER-REGISTER-RECOMMENDED-FIELDS')?.recommendation).toBe(true);
  expectWithinSchema(s);
});

test('the reference pair says plainly that no bank was certified', () => {
  const s = summarise({
    tests: run(),
    apis,
    rules,
    applicableConditional: new Set(conditional),
    seed: 1,
    targets: { d1: 'mock', issuer: 'mock' },
    subject: { ...BANK, kind: 'reference-pair' },
  });
  expect(summaryMarkdown(s)).toContain(
    'Certified: the embedded reference pair (reference issuer and its client, issuerId TESTBANK01), not a bank',
  );
});

const unreachable = (target: 'd1' | 'issuer'): Partial<CertifiedTest> => ({
  outcome: 'unavailable',
  failure: undefined,
  unavailable: [{ target, method: 'POST', path: '/x', tries: 4, faults: ['503 (Retry-After 1 s)'], why: '4 tries' }],
});

test('a row judged only by tests whose target could not answer is NOT TESTED, and the run is INCONCLUSIVE, never READY', () => {
  const notifyRules = rules.filter((r) => r.api === 'issuer-notify-card').map((r) => r.id);
  const s = summary(run(Object.fromEntries(notifyRules.map((id) => [id, unreachable('issuer')]))));
  expect(s.verdict).toBe('INCONCLUSIVE');
  expect(row(s, 'issuer-notify-card')).toMatchObject({ verdict: 'NOT TESTED', evidence: 'none', unavailable: notifyRules.length });
  expect(s.unavailableTargets).toEqual([
    { target: 'issuer', tests: notifyRules.length, faults: { '503 (Retry-After 1 s)': notifyRules.length } },
  ]);
  expect(s.reasons).toEqual([expect.stringMatching(/^inconclusive: issuer could not answer \d+ tests \(503 \(Retry-After 1 s\) ×\d+\)/)]);
  expect(s.totals.unavailable).toBe(notifyRules.length);
  expect(summaryMarkdown(s).split('\n')[0]).toBe('# Go-live verdict: INCONCLUSIVE');
});

test('a failed rule outweighs an unavailable target: NOT READY, with the unavailable target still named', () => {
  const s = summary(
    run({ 'CTP-OPTOUT-CONSUMER-REPEAT': failed('CTP-OPTOUT-CONSUMER-REPEAT'), 'ISSUER-TOKEN-BASIC-AUTH': unreachable('issuer') }),
  );
  expect(s.verdict).toBe('NOT READY');
  expect(s.reasons.some((r) => r.startsWith('inconclusive: issuer'))).toBe(true);
});

test("the D1 environment's unavailable tests make the run inconclusive too: its checks were not all run", () => {
  const tests = run().map((t) => (t.subject === 'd1' && t.rules[0] === 'CTP-ENROL-ASYNC' ? { ...t, ...unreachable('d1') } : t));
  const s = summary(tests);
  expect(s.verdict).toBe('INCONCLUSIVE');
  expect(row(s, 'ctp-enrol')?.verdict).toBe('PASS');
  expect(s.unavailableTargets.map((u) => u.target)).toEqual(['d1']);
});

test('how the network behaved is in the summary, within its schema, and one line of its Markdown', () => {
  const s = summary(run(), conditional, [
    targetNetwork('d1', {
      requests: 120,
      peakRate: 21,
      faults: { throttled: 3, unavailable: 1, reset: 2 },
      retries: 6,
      answered: 110,
      latencyMs: { p50: 81.2, p95: 95.5 },
      waitedMs: 4_200,
      limit: { rate: 'adaptive', inFlight: undefined, finalRate: 19.5 },
    }),
  ]);
  expectWithinSchema(s);
  expect(summaryMarkdown(s)).toContain(
    'Network: d1: 120 requests, peak 21/s (adapted to 19.5/s), absorbed 3 throttled, 1 unavailable, 2 reset, 6 retries, ' +
      'p50 81.2 ms, p95 95.5 ms, waited 4.2 s.',
  );
});

test("a test's outcome is judged over its attempts: a failed rule stands, a target's fault does not", () => {
  const attempt = (status: TestResult['status'], unavailable = false): TestResult =>
    ({
      status,
      attachments: unavailable
        ? [{ name: TARGET_UNAVAILABLE_ATTACHMENT, contentType: TARGET_UNAVAILABLE_CONTENT_TYPE, body: Buffer.from('[]') }]
        : [],
    }) as unknown as TestResult;
  expect(outcomeOver([attempt('failed', true), attempt('passed')], 'passed').outcome).toBe('passed');
  expect(outcomeOver([attempt('failed', true), attempt('failed', true)], 'passed').outcome).toBe('unavailable');
  // A rule that held only on a later attempt is broken: the failure stands.
  expect(outcomeOver([attempt('failed'), attempt('passed')], 'passed').outcome).toBe('failed');
  expect(outcomeOver([attempt('failed', true), attempt('timedOut')], 'passed').outcome).toBe('failed');
  expect(outcomeOver([attempt('skipped')], 'passed').outcome).toBe('skipped');
  expect(outcomeOver([attempt('interrupted')], 'passed').outcome).toBe('skipped');
  // Ended at once because its target was down: not run, not skipped by choice.
  expect(outcomeOver([attempt('skipped', true)], 'skipped').outcome).toBe('unavailable');
});
