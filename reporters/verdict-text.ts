/**
 * The go-live verdict's rows and findings as plain text, for the places that show results as text: the JUnit XML's
 * verdict suite (reporters/junit-verdict.ts) and the rows' entries in the Allure report (reporters/allure-rows.ts).
 * Every value comes from the compliance summary, already redacted.
 */
import { unstableRunsLine, type ApiSummaryRow, type ComplianceSummary, type Finding, type UnstableRule } from './compliance-summary.js';

/** What kind of finding it is, which says why it fails the go-live or only warns. */
export function findingKind(finding: Finding): string {
  if (finding.security) return 'security finding';
  if (finding.ruleId.startsWith('contract:')) return 'contract departure';
  if (finding.contradicts) return `documentation quirk (the documents depart from ${finding.contradicts.split(':')[0] ?? ''})`;
  if (finding.recommendation) return 'recommendation';
  return `${finding.provenance} rule`;
}

/** A finding's name: its rule (or contract departure) and the API it concerns. */
export const findingName = (finding: Finding): string => `${finding.ruleId}${finding.apiName ? ` (${finding.apiName})` : ''}`;

/** One line: which rule, where. */
export const findingLine = (finding: Finding): string => `${finding.ruleId} at ${finding.where}`;

/** A finding in a few lines: where, documented against received, and the result that found it. */
export function findingText(finding: Finding): string {
  return [
    `${findingLine(finding)} (${findingKind(finding)})`,
    `  documented: ${finding.documented}`,
    `  received:   ${finding.received}`,
    `  found by:   ${finding.test}`,
  ].join('\n');
}

/** The row's evidence in one line: side, what judged it, and its rules' counts. */
export function rowEvidenceLine(row: ApiSummaryRow): string {
  const side = row.hostedBy === 'bank' ? 'the bank hosts it' : 'the bank calls it';
  const evidence =
    row.evidence === 'none'
      ? 'no evidence'
      : `${row.evidence}: ${row.evidenceCount} ${row.evidence === 'suite' ? 'test' : 'call'}${row.evidenceCount === 1 ? '' : 's'}`;
  return `${row.category}, ${side}; ${evidence}; rules passed ${row.passed}, failed ${row.failed}, warned ${row.warnings}`;
}

/** Why a row nothing judged is NOT TESTED. */
export function notTestedReason(row: ApiSummaryRow): string {
  if (row.unavailable > 0) return `its target could not answer the tests of ${row.unavailable} rule${row.unavailable === 1 ? '' : 's'}`;
  return row.hostedBy === 'd1' ? "no call of the bank's to this API was observed" : "no test judged the bank's endpoint";
}

/** The row's verdict in one line, naming the rules that decided it. */
export function rowMessage(row: ApiSummaryRow): string {
  switch (row.verdict) {
    case 'FAIL':
      return `FAIL: ${row.failedRules.join(', ')}`;
    case 'PASS WITH WARNINGS':
      return `PASS WITH WARNINGS: ${row.warningRules.join(', ')}`;
    case 'NOT TESTED':
      return `NOT TESTED: ${notTestedReason(row)}`;
    case 'PASS':
      return `PASS: ${row.passed} rule${row.passed === 1 ? '' : 's'} passed`;
  }
}

/** The findings of some rules, in the summary's order; a rule with no finding recorded says so. */
function findingsText(rules: readonly string[], findings: readonly Finding[]): string[] {
  return rules.map((rule) => {
    const finding = findings.find((f) => f.ruleId === rule);
    return finding ? findingText(finding) : `${rule}: no finding recorded`;
  });
}

/** Each failed rule of a row, documented against received. */
export const rowFailuresText = (summary: ComplianceSummary, row: ApiSummaryRow): string =>
  findingsText(row.failedRules, summary.failures).join('\n\n');

/** Each warned rule of a row, documented against received. */
export const rowWarningsText = (summary: ComplianceSummary, row: ApiSummaryRow): string =>
  findingsText(row.warningRules, summary.warnings).join('\n\n');

/** The bank's unstable rules of a repeated certification, by rule id. */
export const unstableOf = (summary: ComplianceSummary): ReadonlyMap<string, UnstableRule> =>
  new Map((summary.unstable ?? []).filter((u) => u.subject === 'bank').map((u) => [u.ruleId, u]));

/** An unstable rule in a few lines: which runs it passed and failed in, and each failing run's documented against received. */
export function unstableText(rule: UnstableRule, runs: number): string {
  return [
    `${rule.ruleId} unstable between the ${runs} runs with the same seed and targets: ${unstableRunsLine(rule)}`,
    ...rule.runs.flatMap((r) =>
      r.documented !== undefined ? [`  run ${r.run} at ${r.where ?? '/'}: documented ${r.documented}; received ${r.received ?? ''}`] : [],
    ),
  ].join('\n');
}
