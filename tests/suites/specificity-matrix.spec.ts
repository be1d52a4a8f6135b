/**
 * The other half of a conformance suite's worth: every conformant implementation passes. Each legitimate variant of
 * the mocks makes a choice the documents allow and that the default mocks do not make (a standard OAuth server's
 * answers, strict anchored identifiers, 415 for a wrong media type, optional fields absent, unknown fields present,
 * ...); the suites judging that party must find nothing that fails a go-live. Warnings on inferred rules and
 * documentation quirks are allowed: they never fail a go-live either. The specificity matrix is printed; it must be
 * 100 % READY.
 *
 * Each variant runs the whole command a bank runs, `npm run certify`, in a reports directory of its own: a variant
 * passes only when certify ends with exit code 0 and writes a summary that follows its schema, the certificate and
 * the Allure report, and when the warnings its choice earns show in all three. A D1 variant is judged from the D1
 * environment section (never part of the verdict), an issuer variant from the verdict and the rows.
 *
 * A D1 variant and an issuer variant share a run: the suites judge the two parties apart, so the pairing saves a run
 * without mixing their verdicts.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { d1Variants } from '../../mocks/d1/variants.js';
import { issuerVariants } from '../../mocks/issuer/variants.js';
import type { CertificationResults } from '../../reporters/certification.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { allureVerdictEntry, certificationEvidenceIn, certifyEndToEnd } from './suite-runner.js';

const SEED = '20261122';

/** The warnings a variant's choice must earn: rules the documents get wrong (quirks) or only recommend. */
const EXPECTED_WARNINGS: Readonly<Partial<Record<keyof typeof issuerVariants, readonly string[]>>> = {
  'standard-oauth-answers': ['ISSUER-TOKEN-EXPIRESIN-TYPE'],
};

interface VariantRow {
  readonly party: 'D1' | 'issuer';
  readonly variant: string;
  readonly judged: number;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  /** The D1 environment's status for a D1 variant, the go-live verdict for an issuer variant. */
  readonly verdict: string;
  /** Why the variant does not certify: empty when it does. */
  readonly problems: readonly string[];
  readonly details: string[];
}

/** What fails the run itself, whichever variant caused it: the exit code, and evidence missing or off its schema. */
function runProblems(
  run: { readonly code: number | null; readonly stderr: string },
  summary: ComplianceSummary | undefined,
  schemaErrors: string,
  missing: readonly string[],
): string[] {
  return [
    ...(run.code === 0 ? [] : [`certify exited ${String(run.code)}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`]),
    ...(summary ? [] : ['no compliance-summary.json']),
    ...(summary && schemaErrors ? [`compliance-summary.json breaks its schema: ${schemaErrors}`] : []),
    ...missing.map((file) => `no ${file}`),
  ];
}

/** A failure that fails the go-live, precisely: rule, test file and title, where, and what was received. */
function findingsText(summary: ComplianceSummary, reportsDir: string): string[] {
  const testsFile = path.join(reportsDir, 'certification', 'tests.json');
  const tests = existsSync(testsFile) ? (JSON.parse(readFileSync(testsFile, 'utf8')) as CertificationResults).tests : [];
  return summary.failures.map((f) => {
    const file = tests.find((t) => t.title === f.test)?.file ?? '?';
    return `${f.ruleId} in ${file} "${f.test}" at ${f.where}: received ${f.received}`;
  });
}

function d1Row(variant: string, summary: ComplianceSummary | undefined, common: readonly string[]): VariantRow {
  const environment = summary?.d1Environment;
  const groups = environment?.groups ?? [];
  const sum = (key: 'passed' | 'failed' | 'warnings' | 'skipped'): number => groups.reduce((total, g) => total + g[key], 0);
  const status = environment?.status ?? 'NO SUMMARY';
  const failedRules = groups.flatMap((g) => g.failedRules);
  return {
    party: 'D1',
    variant,
    judged: sum('passed') + sum('failed') + sum('warnings') + sum('skipped'),
    passed: sum('passed'),
    failed: sum('failed'),
    warnings: sum('warnings'),
    verdict: status,
    problems: [
      ...common,
      ...(status === 'PASS' || status === 'PASS WITH WARNINGS' ? [] : [`D1 environment ${status}: ${failedRules.join(', ')}`]),
    ],
    details: groups.filter((g) => g.warnings > 0).map((g) => `${g.name}: ${g.warnings} warnings`),
  };
}

function issuerRow(
  variant: keyof typeof issuerVariants,
  summary: ComplianceSummary | undefined,
  common: readonly string[],
  reportsDir: string,
): VariantRow {
  if (!summary)
    return { party: 'issuer', variant, judged: 0, passed: 0, failed: 0, warnings: 0, verdict: '-', problems: common, details: [] };
  const failedRows = summary.apis.filter((row) => row.verdict === 'FAIL').map((row) => `row ${row.id} FAIL: ${row.failedRules.join(', ')}`);
  const hostedUnjudged = summary.apis
    .filter((row) => row.hostedBy === 'bank' && row.applicable && row.verdict === 'NOT TESTED')
    .map((row) => `row ${row.id} NOT TESTED`);
  // A quirk or a recommendation warns: the summary, the certificate and the report's verdict entry must all say so.
  const certificateFile = path.join(reportsDir, 'certificate.html');
  const certificate = existsSync(certificateFile) ? readFileSync(certificateFile, 'utf8') : '';
  const entry = allureVerdictEntry(reportsDir);
  const quirks = summary.warnings.filter((w) => w.contradicts !== undefined || w.recommendation === true).map((w) => w.ruleId);
  const expected = EXPECTED_WARNINGS[variant] ?? [];
  const unseen = [
    ...expected.filter((rule) => !quirks.includes(rule)).map((rule) => `${rule} is not among the summary's warnings`),
    ...[...new Set([...expected, ...quirks])].flatMap((rule) => [
      ...(certificate.includes(rule) ? [] : [`${rule} is not in certificate.html`]),
      ...(entry?.descriptionHtml.includes(rule) ? [] : [`${rule} is not in the Allure verdict entry`]),
      ...(entry?.summary?.warnings.some((w) => w.ruleId === rule) ? [] : [`${rule} is not in the Allure entry's attached summary`]),
    ]),
  ];
  return {
    party: 'issuer',
    variant,
    judged: summary.totals.tests,
    passed: summary.totals.passed,
    failed: summary.totals.failed,
    warnings: summary.totals.warnings,
    verdict: summary.verdict,
    problems: [
      ...common,
      ...(summary.verdict === 'READY' ? [] : [`${summary.verdict}: ${summary.reasons.join('; ')}`, ...findingsText(summary, reportsDir)]),
      ...failedRows,
      ...hostedUnjudged,
      ...(entry?.name === `Go-live verdict: ${summary.verdict}`
        ? []
        : [`the Allure report has no verdict entry "Go-live verdict: ${summary.verdict}"`]),
      ...unseen,
    ],
    details: summary.warnings.map((w) => `warning ${w.ruleId}${w.contradicts ? ` (departs from ${w.contradicts})` : ''}`),
  };
}

test('the specificity matrix: every legitimate variant of either mock certifies READY through npm run certify', async () => {
  test.setTimeout(1_800_000);
  const d1Names = Object.keys(d1Variants).sort();
  const issuerNames = (Object.keys(issuerVariants) as (keyof typeof issuerVariants)[]).sort();
  const pairs = Array.from({ length: Math.max(d1Names.length, issuerNames.length) }, (_, i) => ({
    d1: d1Names[i],
    issuer: issuerNames[i],
  }));
  const rows: VariantRow[] = [];
  // Two runs at a time: the machine has two cores.
  const queue = [...pairs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { d1, issuer } = next;
        const run = await certifyEndToEnd(
          { SEED, ...(d1 ? { MOCK_D1_VARIANTS: d1 } : {}), ...(issuer ? { MOCK_ISSUER_VARIANTS: issuer } : {}) },
          // Without a D1 variant the D1 suites would judge only the default mock D1, which the other runs already do.
          d1 ? [] : ['--skip-d1-environment'],
          'specificity-',
        );
        const { summary, schemaErrors, missing } = certificationEvidenceIn(run.reportsDir);
        const common = runProblems(run, summary, schemaErrors, missing);
        const judged = [
          ...(d1 ? [d1Row(d1, summary, common)] : []),
          ...(issuer ? [issuerRow(issuer, summary, common, run.reportsDir)] : []),
        ];
        rows.push(...judged);
        // A run's reports weigh tens of megabytes: those of a run that certified go, those of one that did not stay to be read.
        if (judged.every((r) => r.problems.length === 0)) rmSync(run.reportsDir, { recursive: true, force: true });
        else for (const r of judged) r.details.push(`reports kept in ${run.reportsDir}`);
      }
    }),
  );
  rows.sort((a, b) => `${a.party}${a.variant}`.localeCompare(`${b.party}${b.variant}`));
  const ready = rows.filter((r) => r.problems.length === 0).length;
  const described = (r: VariantRow): string =>
    (r.party === 'D1' ? d1Variants[r.variant as keyof typeof d1Variants] : issuerVariants[r.variant as keyof typeof issuerVariants])
      ?.description ?? '';
  const table = [
    'party  | variant                              | judged | passed | failed | warnings | verdict            | certifies | choice',
    ...rows.map(
      (r) =>
        `${r.party.padEnd(6)} | ${r.variant.padEnd(36)} | ${String(r.judged).padStart(6)} | ${String(r.passed).padStart(6)} | ` +
        `${String(r.failed).padStart(6)} | ${String(r.warnings).padStart(8)} | ${r.verdict.padEnd(18)} | ` +
        `${(r.problems.length === 0 ? 'READY' : 'NO').padEnd(9)} | ${described(r)}`,
    ),
    `specificity: ${ready}/${rows.length} READY (${rows.length === 0 ? 0 : Math.round((ready / rows.length) * 100)} %); ` +
      'verdict: the D1 environment for a D1 variant, the go-live verdict for an issuer variant',
  ].join('\n');
  console.log(`\n${table}\n`);
  const details = rows.flatMap((r) => [
    ...r.problems.map((p) => `${r.party} ${r.variant} FAILED ${p}`),
    ...r.details.map((d) => `${r.party} ${r.variant} ${d}`),
  ]);
  await test.info().attach('specificity-matrix.txt', { body: `${table}\n\n${details.join('\n')}\n`, contentType: 'text/plain' });
  expect(rows.filter((r) => r.party === 'D1').map((r) => r.variant)).toEqual(d1Names);
  expect(rows.filter((r) => r.party === 'issuer').map((r) => r.variant)).toEqual(issuerNames);
  expect(rows.map((r) => `${r.party}:${r.variant}`)).toContain('issuer:oauth-server-oidc-provider');
  expect(rows.filter((r) => r.problems.length > 0).map((r) => `${r.party}:${r.variant}: ${r.problems.join('; ')}`)).toEqual([]);
  // A run that judged nothing proves nothing.
  expect(rows.filter((r) => r.passed === 0).map((r) => `${r.party}:${r.variant}`)).toEqual([]);
});
