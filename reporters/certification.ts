import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import type { RuleId } from '../gen/catalogue.js';
import { isRuleId, isSecurityRule, parseRuleFailure, provenanceOf, RULE_FAILURE_ATTACHMENT, type RuleFailure } from '../lib/checks/rule-failure.js';

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
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** For a failed test: the rule it failed on, as data. */
  readonly failure: RuleFailure | undefined;
  /** The failure's provenance or, for a test that did not fail, that of the rule it stands for. */
  readonly provenance: 'documented' | 'inferred';
  /** How many of the bank's calls an observed result stands for. */
  readonly calls?: number;
  /** The failure's text, for people; nothing reads a verdict from it. */
  readonly error: string | undefined;
}

export interface CertificationResults {
  readonly tests: readonly CertifiedTest[];
  readonly documentedFailures: number;
  readonly inferredWarnings: number;
  readonly passed: number;
  readonly skipped: number;
}

/** A failure counts against the go-live when its rule is documented or a security rule. */
export const failsGoLive = (failure: RuleFailure): boolean => failure.security || failure.provenance === 'documented';

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
    if (failure && failure.ruleId === undefined && rules[0]) return { ...failure, ruleId: rules[0], provenance: provenanceOf(rules[0]), security: isSecurityRule(rules[0]) };
    if (failure) return failure;
  }
  const ruleId = rules[0];
  return {
    ruleId,
    operationId: undefined,
    provenance: provenanceOf(ruleId),
    security: isSecurityRule(ruleId),
    pointer: '',
    documented: 'the test of this rule passes',
    received: `the test failed without a rule violation (${result.status})`,
  };
}

export function certificationResults(tests: readonly CertifiedTest[]): CertificationResults {
  const failed = tests.filter((t) => t.outcome === 'failed');
  return {
    tests,
    documentedFailures: failed.filter((t) => t.failure && failsGoLive(t.failure)).length,
    inferredWarnings: failed.filter((t) => !t.failure || !failsGoLive(t.failure)).length,
    passed: tests.filter((t) => t.outcome === 'passed').length,
    skipped: tests.filter((t) => t.outcome === 'skipped').length,
  };
}

const RESULTS_FILE = path.join(process.env.CERTIFY_REPORTS_DIR ?? 'reports', 'certification', 'tests.json');

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
    const outcome = test.outcome();
    const verdict = outcome === 'skipped' ? 'skipped' : outcome === 'expected' || outcome === 'flaky' ? 'passed' : 'failed';
    const failure = verdict === 'failed' ? failureOf(rules, result) : undefined;
    this.tests.set(test.id, {
      project: project.name,
      title: test.titlePath().slice(3).join(' › '),
      file: path.relative(process.cwd(), test.location.file),
      subject: (project.metadata as { subject?: Subject }).subject === 'bank' ? 'bank' : 'd1',
      rules,
      category: tags.find((t) => ['mandatory', 'conditional', 'optional'].includes(t)),
      outcome: verdict,
      failure,
      provenance: failure?.provenance ?? provenanceOf(rules[0]),
      error: result.error?.message?.split('\n').slice(0, 12).join('\n'),
    });
  }

  onEnd(_result: FullResult): void {
    if (this.tests.size === 0) return;
    const results = certificationResults([...this.tests.values()]);
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      `\ncertification: ${results.passed} passed, ${results.documentedFailures} failed on documented or security rules, ` +
        `${results.inferredWarnings} warnings on inferred rules, ${results.skipped} skipped\n`,
    );
  }

  printsToStdio(): boolean {
    return false;
  }
}
