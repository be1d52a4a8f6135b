import type { ApiRow, CatalogueEntry } from '../lib/catalogue/load.js';
import type { CertifiedTest } from './certification.js';

export type RuleOutcome = 'passed' | 'failed' | 'warning' | 'skipped';

export interface ApiSummaryRow {
  readonly id: string;
  readonly name: string;
  readonly category: 'mandatory' | 'conditional' | 'optional';
  readonly applicable: boolean;
  readonly rulesChecked: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly warnings: number;
  readonly verdict: 'PASS' | 'PASS WITH WARNINGS' | 'FAIL' | 'NOT TESTED';
  readonly failedRules: readonly string[];
  readonly warningRules: readonly string[];
}

export interface ComplianceSummary {
  readonly verdict: 'READY' | 'NOT READY';
  readonly generatedAt: string;
  readonly seed: number;
  readonly targets: { readonly d1: string; readonly issuer: string };
  readonly applicableConditionalApis: readonly string[];
  readonly totals: { readonly tests: number; readonly passed: number; readonly failed: number; readonly skipped: number; readonly warnings: number };
  readonly apis: readonly ApiSummaryRow[];
}

/** The rule a failed test failed on: the one its violation names, else the rule it stands for. */
function failedRuleOf(test: CertifiedTest): string | undefined {
  const named = /(?:^|\n)(?:RuleViolation: )?([A-Z0-9]+(?:-[A-Z0-9]+)+)(?: \(inferred rule\))? at /.exec(test.error ?? '')?.[1];
  return named ?? test.rules[0];
}

/**
 * Each rule's outcome over the tests tagged with it: failed (documented) or warning (inferred) when a test failed on
 * it, passed when a test tagged with it passed and none failed on it, skipped when every such test was skipped.
 */
export function ruleOutcomes(tests: readonly CertifiedTest[], rules: readonly CatalogueEntry[]): Map<string, RuleOutcome> {
  const provenance = new Map(rules.map((r) => [r.id, r.provenance]));
  const outcomes = new Map<string, RuleOutcome>();
  const failedOn = new Set<string>();
  for (const test of tests) {
    if (test.outcome !== 'failed') continue;
    const rule = failedRuleOf(test);
    if (rule) failedOn.add(rule);
  }
  for (const test of tests) {
    for (const rule of test.rules) {
      if (failedOn.has(rule)) outcomes.set(rule, provenance.get(rule) === 'inferred' ? 'warning' : 'failed');
      else if (test.outcome === 'passed') outcomes.set(rule, 'passed');
      else if (!outcomes.has(rule)) outcomes.set(rule, 'skipped');
    }
  }
  for (const rule of failedOn) if (!outcomes.has(rule)) outcomes.set(rule, provenance.get(rule) === 'inferred' ? 'warning' : 'failed');
  return outcomes;
}

/**
 * One row per API of the D1 API summary, and the verdict: READY only when every mandatory API, and every
 * conditional API declared applicable, has at least one rule that passed and no documented rule that failed.
 */
export function summarise(input: {
  readonly tests: readonly CertifiedTest[];
  readonly apis: readonly ApiRow[];
  readonly rules: readonly CatalogueEntry[];
  readonly applicableConditional: ReadonlySet<string>;
  readonly seed: number;
  readonly targets: { readonly d1: string; readonly issuer: string };
  readonly now?: Date;
}): ComplianceSummary {
  const outcomes = ruleOutcomes(input.tests, input.rules);
  const rows: ApiSummaryRow[] = input.apis.map((api) => {
    const ids = input.rules.filter((r) => r.api === api.id).map((r) => r.id);
    const of = (kind: RuleOutcome): string[] => ids.filter((id) => outcomes.get(id) === kind);
    const passed = of('passed');
    const failed = of('failed');
    const warnings = of('warning');
    const skipped = of('skipped');
    const verdict: ApiSummaryRow['verdict'] =
      failed.length > 0 ? 'FAIL' : passed.length + warnings.length === 0 ? 'NOT TESTED' : warnings.length > 0 ? 'PASS WITH WARNINGS' : 'PASS';
    return {
      id: api.id,
      name: api.name,
      category: api.category,
      applicable: api.category === 'mandatory' || (api.category === 'conditional' && input.applicableConditional.has(api.id)),
      rulesChecked: passed.length + failed.length + warnings.length,
      passed: passed.length,
      failed: failed.length,
      skipped: skipped.length,
      warnings: warnings.length,
      verdict,
      failedRules: failed,
      warningRules: warnings,
    };
  });
  const ready = rows.every((row) => !row.applicable || row.verdict === 'PASS' || row.verdict === 'PASS WITH WARNINGS');
  const count = (outcome: CertifiedTest['outcome']): number => input.tests.filter((t) => t.outcome === outcome).length;
  return {
    verdict: ready ? 'READY' : 'NOT READY',
    generatedAt: (input.now ?? new Date()).toISOString(),
    seed: input.seed,
    targets: input.targets,
    applicableConditionalApis: [...input.applicableConditional].sort(),
    totals: {
      tests: input.tests.length,
      passed: count('passed'),
      failed: input.tests.filter((t) => t.outcome === 'failed' && t.provenance === 'documented').length,
      skipped: count('skipped'),
      warnings: input.tests.filter((t) => t.outcome === 'failed' && t.provenance === 'inferred').length,
    },
    apis: rows,
  };
}

/** The summary as a Markdown table, also what the console prints at the end of a run. */
export function summaryMarkdown(summary: ComplianceSummary): string {
  const header = '| API | category | applies | rules checked | passed | failed | skipped | warnings | verdict |';
  const rows = summary.apis.map(
    (r) => `| ${r.name} (${r.id}) | ${r.category} | ${r.applicable ? 'yes' : 'no'} | ${r.rulesChecked} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.warnings} | ${r.verdict} |`,
  );
  const failures = summary.apis.flatMap((r) => r.failedRules.map((id) => `- ${r.name}: ${id}`));
  return [
    `# Compliance summary: ${summary.verdict}`,
    '',
    `D1: ${summary.targets.d1}; issuer: ${summary.targets.issuer}; seed ${summary.seed}; ${summary.generatedAt}`,
    '',
    header,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Tests: ${summary.totals.passed} passed, ${summary.totals.failed} failed on documented rules, ${summary.totals.warnings} warnings on inferred rules, ${summary.totals.skipped} skipped.`,
    ...(failures.length > 0 ? ['', 'Documented rules that failed:', ...failures] : []),
    '',
  ].join('\n');
}
