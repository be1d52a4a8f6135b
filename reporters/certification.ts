import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { rules, type RuleId } from '../gen/catalogue.js';
import { CONTRACT_DEPARTURES_ATTACHMENT } from '../lib/checks/test-scope.js';
import { TARGET_UNAVAILABLE_ATTACHMENT, type TargetUnavailableRecord } from '../lib/http/transport-faults.js';
import {
  isRuleId,
  parseRuleFailure,
  provenanceOf,
  RULE_FAILURE_ATTACHMENT,
  ruleStanding,
  type RuleFailure,
} from '../lib/checks/rule-failure.js';
import { reportsDirectory, repoRoot } from '../lib/paths.js';

export const SUITE_PROJECTS = ['d1', 'issuer', 'flows', 'properties', 'issuer-properties'] as const;

/**
 * Whose behaviour a result judges: the bank (its endpoints, played against by the suite, or its own calls, observed)
 * or the D1 the run used (D1 staging or the embedded mock), which is reported apart and never decides the verdict.
 */
export type Subject = 'bank' | 'd1';

export interface CertifiedTest {
  readonly project: string;
  readonly title: string;
  readonly file: string;
  readonly subject: Subject;
  readonly rules: readonly RuleId[];
  readonly category: string | undefined;
  /** `unavailable`: not run to its end, since its target could not answer within the tries; it judges nothing. */
  readonly outcome: 'passed' | 'failed' | 'skipped' | 'unavailable';
  /** For an unavailable test: the requests its target could not answer, over every attempt. */
  readonly unavailable?: readonly TargetUnavailableRecord[];
  /** For a failed test: the rule it failed on, as data. */
  readonly failure: RuleFailure | undefined;
  /** The failure's provenance or, for a test that did not fail, that of the rule it stands for. */
  readonly provenance: 'documented' | 'inferred';
  /** How many of the bank's calls an observed result stands for. */
  readonly calls?: number;
  /** The failure's text, for people; nothing reads a verdict from it. */
  readonly error: string | undefined;
  /** Contract violations the test saw under rules it does not stand for; counted once each, under their rule. */
  readonly departures?: readonly RuleFailure[];
}

export interface CertificationResults {
  readonly tests: readonly CertifiedTest[];
  readonly documentedFailures: number;
  readonly inferredWarnings: number;
  readonly passed: number;
  readonly skipped: number;
  readonly unavailable: number;
}

/**
 * A failure counts against the go-live when its rule is a security rule, or a documented requirement: a
 * documentation quirk (departing from the standard the documents cite) and a recommendation are warnings.
 */
export const failsGoLive = (failure: Pick<RuleFailure, 'security' | 'provenance' | 'contradicts' | 'recommendation'>): boolean =>
  failure.security || (failure.provenance === 'documented' && failure.contradicts === undefined && failure.recommendation !== true);

/**
 * The failure a failed test carries: the structured one its checks attached or, when none did (a timeout, a plain
 * assertion), a failure of the rule the test stands for.
 */
export function failureOf(rules: readonly RuleId[], result: TestResult): RuleFailure {
  for (const attachment of result.attachments) {
    if (attachment.name !== RULE_FAILURE_ATTACHMENT || !attachment.body) continue;
    const failure = parseRuleFailure(attachment.body.toString('utf8'));
    // A departure no rule names (an undocumented status) is charged to the rule the test stands for: that is the
    // behaviour the test exercised, and the answer it got is not one the documents allow.
    if (failure && failure.ruleId === undefined && rules[0]) return { ...failure, ruleId: rules[0], ...ruleStanding(rules[0]) };
    if (failure) return failure;
  }
  const ruleId = rules[0];
  return {
    ruleId,
    operationId: undefined,
    ...ruleStanding(ruleId),
    pointer: '',
    documented: 'the test of this rule passes',
    received: `the test failed without a rule violation (${result.status})`,
  };
}

/** The contract departures a test carries, each re-read against the catalogue like a failure. */
export function departuresOf(result: TestResult): RuleFailure[] {
  const attachment = result.attachments.find((a) => a.name === CONTRACT_DEPARTURES_ATTACHMENT && a.body);
  if (!attachment?.body) return [];
  let records: unknown;
  try {
    records = JSON.parse(attachment.body.toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(records)) return [];
  return records.map((r) => parseRuleFailure(JSON.stringify(r))).filter((f): f is RuleFailure => f?.ruleId !== undefined);
}

const categoryById = new Map<string, string>(rules.map((r) => [r.id, r.category]));

/**
 * One deviation, one failed rule: a departure a test saw under a rule it does not stand for becomes one failed result
 * of that rule, unless a test of the rule already failed on it, and never more than one per rule.
 */
export function withDepartures(tests: readonly CertifiedTest[]): CertifiedTest[] {
  const failedRules = new Set(tests.flatMap((t) => (t.outcome === 'failed' && t.failure?.ruleId ? [t.failure.ruleId] : [])));
  const departures: CertifiedTest[] = [];
  for (const test of tests) {
    for (const departure of test.departures ?? []) {
      const ruleId = departure.ruleId;
      if (ruleId === undefined || failedRules.has(ruleId)) continue;
      failedRules.add(ruleId);
      departures.push({
        project: test.project,
        title: `contract departure under ${ruleId}, seen by: ${test.title}`,
        file: test.file,
        subject: test.subject,
        rules: [ruleId],
        category: categoryById.get(ruleId),
        outcome: 'failed',
        failure: departure,
        provenance: departure.provenance,
        error: `${ruleId} at ${departure.pointer || '/'}\n  documented: ${departure.documented}\n  received:   ${departure.received}`,
      });
    }
  }
  return [...tests, ...departures];
}

export function certificationResults(tests: readonly CertifiedTest[]): CertificationResults {
  const failed = tests.filter((t) => t.outcome === 'failed');
  return {
    tests,
    documentedFailures: failed.filter((t) => t.failure && failsGoLive(t.failure)).length,
    inferredWarnings: failed.filter((t) => !t.failure || !failsGoLive(t.failure)).length,
    passed: tests.filter((t) => t.outcome === 'passed').length,
    skipped: tests.filter((t) => t.outcome === 'skipped').length,
    unavailable: tests.filter((t) => t.outcome === 'unavailable').length,
  };
}

/** The requests an attempt could not get answered, when its target was unavailable; undefined for any other end. */
export function unavailableIn(result: TestResult): TargetUnavailableRecord[] | undefined {
  const attachment = result.attachments.find((a) => a.name === TARGET_UNAVAILABLE_ATTACHMENT && a.body);
  if (!attachment?.body) return undefined;
  try {
    const records = JSON.parse(attachment.body.toString('utf8')) as unknown;
    return Array.isArray(records) ? (records as TargetUnavailableRecord[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A test's outcome over all its attempts: an attempt that failed a rule fails the test, whatever came after (a rule
 * that holds only sometimes is broken); otherwise the last attempt's end, and a test whose every failed attempt met
 * an unavailable target, and that never passed, is unavailable: not run.
 */
export function outcomeOver(
  results: readonly TestResult[],
  expected: TestResult['status'],
): {
  outcome: CertifiedTest['outcome'];
  decisive: TestResult | undefined;
} {
  // A test interrupted by a signal to the run was not run to its end: like a skipped one, it judges nothing.
  const endedBadly = (r: TestResult): boolean => r.status !== expected && r.status !== 'skipped' && r.status !== 'interrupted';
  const ruleFailed = results.find((r) => endedBadly(r) && unavailableIn(r) === undefined);
  if (ruleFailed) return { outcome: 'failed', decisive: ruleFailed };
  const last = results.at(-1);
  if (!last) return { outcome: 'skipped', decisive: undefined };
  // A test ended at once because its target was down is skipped with the requests it could not send.
  if (last.status === 'skipped' || last.status === 'interrupted')
    return { outcome: unavailableIn(last) ? 'unavailable' : 'skipped', decisive: last };
  if (!endedBadly(last)) return { outcome: 'passed', decisive: last };
  return { outcome: 'unavailable', decisive: last };
}

const RESULTS_FILE = path.join(reportsDirectory(), 'certification', 'tests.json');

/**
 * Collects the outcome of every conformance test with the rules it stands for, the subject it judges and, for a
 * failure, the rule it failed on as data. It writes reports/certification/tests.json, which `npm run certify` turns
 * into the verdict.
 */
export default class CertificationReporter implements Reporter {
  private readonly tests = new Map<string, CertifiedTest>();

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project();
    if (!project || !(SUITE_PROJECTS as readonly string[]).includes(project.name)) return;
    const tags = test.tags.map((t) => t.replace(/^@/, ''));
    const rules = tags.filter(isRuleId);
    const { outcome: verdict, decisive = result } = outcomeOver(test.results, test.expectedStatus);
    const failure = verdict === 'failed' ? failureOf(rules, decisive) : undefined;
    const unavailable = verdict === 'unavailable' ? test.results.flatMap((r) => unavailableIn(r) ?? []) : undefined;
    this.tests.set(test.id, {
      project: project.name,
      title: test.titlePath().slice(3).join(' › '),
      // Relative to the package, wherever it is installed and whichever directory it runs from.
      file: path.relative(repoRoot, test.location.file),
      subject: (project.metadata as { subject?: Subject }).subject === 'bank' ? 'bank' : 'd1',
      rules,
      category: tags.find((t) => ['mandatory', 'conditional', 'optional'].includes(t)),
      outcome: verdict,
      failure,
      provenance: failure?.provenance ?? provenanceOf(rules[0]),
      error: verdict === 'passed' ? undefined : decisive.error?.message?.split('\n').slice(0, 12).join('\n'),
      departures: departuresOf(decisive),
      ...(unavailable ? { unavailable } : {}),
    });
  }

  onEnd(_result: FullResult): void {
    if (this.tests.size === 0) return;
    const results = certificationResults(withDepartures([...this.tests.values()]));
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      `\ncertification: ${results.passed} passed, ${results.documentedFailures} failed on documented or security rules, ` +
        `${results.inferredWarnings} warnings (inferred rules, recommendations, documentation quirks), ${results.skipped} skipped` +
        `${results.unavailable > 0 ? `, ${results.unavailable} not run (target unavailable)` : ''}\n`,
    );
  }

  printsToStdio(): boolean {
    return false;
  }
}
