import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export const SUITE_PROJECTS = ['d1', 'issuer', 'flows', 'properties'] as const;

export interface CertifiedTest {
  readonly project: string;
  readonly title: string;
  readonly file: string;
  readonly rules: readonly string[];
  readonly category: string | undefined;
  readonly provenance: 'documented' | 'inferred';
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly error: string | undefined;
}

export interface CertificationResults {
  readonly tests: readonly CertifiedTest[];
  readonly documentedFailures: number;
  readonly inferredWarnings: number;
  readonly passed: number;
  readonly skipped: number;
}

/**
 * The provenance that decides a test: the rule it stands for, unless it failed on a rule violation, whose own rule
 * then decides (a test of a documented rule failing only on an inferred constraint is a warning).
 */
function provenanceOfFailure(tags: readonly string[], result: TestResult): 'documented' | 'inferred' {
  // A RuleViolation's message opens with its rule id, marked when the rule is inferred; a wrapping error may put
  // lines before it, so the first such line anywhere in the message decides.
  const violation = /(?:^|\n)(?:RuleViolation: )?[A-Z0-9]+(?:-[A-Z0-9]+)+( \(inferred rule\))? at /.exec(result.error?.message ?? '');
  if (violation) return violation[1] ? 'inferred' : 'documented';
  return tags.includes('inferred') ? 'inferred' : 'documented';
}

const RESULTS_FILE = path.join(process.env.CERTIFY_REPORTS_DIR ?? 'reports', 'certification', 'tests.json');

/**
 * Collects the outcome of every conformance test with the rules it stands for, and keeps documented failures apart
 * from inferred ones: a failed test whose first rule is inferred is a warning, never a failed certification.
 * It writes reports/certification/tests.json, which `npm run certify` turns into the verdict.
 */
export default class CertificationReporter implements Reporter {
  private readonly tests = new Map<string, CertifiedTest>();

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? '';
    if (!(SUITE_PROJECTS as readonly string[]).includes(project)) return;
    const tags = test.tags.map((t) => t.replace(/^@/, ''));
    const rules = tags.filter((t) => /^[A-Z0-9]+(-[A-Z0-9]+)+$/.test(t));
    const outcome = test.outcome();
    this.tests.set(test.id, {
      project,
      title: test.titlePath().slice(3).join(' › '),
      file: path.relative(process.cwd(), test.location.file),
      rules,
      category: tags.find((t) => ['mandatory', 'conditional', 'optional'].includes(t)),
      provenance: provenanceOfFailure(tags, result),
      outcome: outcome === 'skipped' ? 'skipped' : outcome === 'expected' || outcome === 'flaky' ? 'passed' : 'failed',
      error: result.error?.message?.split('\n').slice(0, 12).join('\n'),
    });
  }

  onEnd(_result: FullResult): void {
    if (this.tests.size === 0) return;
    const tests = [...this.tests.values()];
    const failed = tests.filter((t) => t.outcome === 'failed');
    const results: CertificationResults = {
      tests,
      documentedFailures: failed.filter((t) => t.provenance === 'documented').length,
      inferredWarnings: failed.filter((t) => t.provenance === 'inferred').length,
      passed: tests.filter((t) => t.outcome === 'passed').length,
      skipped: tests.filter((t) => t.outcome === 'skipped').length,
    };
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      `\ncertification: ${results.passed} passed, ${results.documentedFailures} failed on documented rules, ` +
        `${results.inferredWarnings} warnings on inferred rules, ${results.skipped} skipped\n`,
    );
  }

  printsToStdio(): boolean {
    return false;
  }
}
