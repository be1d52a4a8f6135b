/**
 * The other half of a conformance suite's worth: every conformant implementation passes. Each legitimate variant of
 * the mocks makes a choice the documents allow and that the default mocks do not make (a standard OAuth server's
 * answers, strict anchored identifiers, 415 for a wrong media type, optional fields absent, unknown fields present,
 * ...); the suites judging that party must find nothing that fails a go-live. Warnings on inferred rules and
 * documentation quirks are allowed: they never fail a go-live either. The specificity matrix is printed; it must be
 * 100 % READY.
 *
 * A D1 variant and an issuer variant share a run: the suites judge the two parties apart, so the pairing saves a run
 * without mixing their verdicts.
 */
import { test, expect } from '@playwright/test';
import { d1Variants } from '../../mocks/d1/variants.js';
import { issuerVariants } from '../../mocks/issuer/variants.js';
import { failsGoLive, type CertifiedTest, type Subject } from '../../reporters/certification.js';
import { runSuites } from './suite-runner.js';

const BANK_PROJECTS = ['issuer', 'issuer-properties'];
const D1_PROJECTS = ['d1', 'flows', 'properties'];

interface VariantRow {
  readonly party: 'D1' | 'issuer';
  readonly variant: string;
  readonly judged: number;
  readonly passed: number;
  /** Failed tests that fail a go-live: documented rules (not quirks) and security rules. */
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  readonly verdict: 'READY' | 'NOT READY';
}

function rowOf(party: VariantRow['party'], variant: string, subject: Subject, certified: readonly CertifiedTest[]): VariantRow {
  const judged = certified.filter((t) => t.subject === subject);
  const failed = judged.filter((t) => t.outcome === 'failed');
  const failures = failed
    .filter((t) => t.failure !== undefined && failsGoLive(t.failure))
    .map((t) => `${t.failure?.ruleId ?? '?'}: ${t.title}`);
  const warnings = failed.filter((t) => t.failure === undefined || !failsGoLive(t.failure)).map((t) => t.failure?.ruleId ?? t.title);
  const passed = judged.filter((t) => t.outcome === 'passed').length;
  // A run that judged nothing proves nothing: READY needs passed tests as well as no failure.
  return {
    party,
    variant,
    judged: judged.length,
    passed,
    failures,
    warnings,
    verdict: passed > 0 && failures.length === 0 ? 'READY' : 'NOT READY',
  };
}

test('the specificity matrix: every legitimate variant of either mock certifies READY', async () => {
  test.setTimeout(1_200_000);
  const d1Names = Object.keys(d1Variants).sort();
  const issuerNames = Object.keys(issuerVariants).sort();
  const runs = Array.from({ length: Math.max(d1Names.length, issuerNames.length) }, (_, i) => ({ d1: d1Names[i], issuer: issuerNames[i] }));
  const rows: VariantRow[] = [];
  const broken: string[] = [];
  // Two nested runs at a time: the machine has two cores.
  const queue = [...runs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { d1, issuer } = next;
        const run = await runSuites({
          env: { ...(d1 ? { MOCK_D1_VARIANTS: d1 } : {}), ...(issuer ? { MOCK_ISSUER_VARIANTS: issuer } : {}) },
          projects: [...(d1 ? D1_PROJECTS : []), ...(issuer ? BANK_PROJECTS : [])],
          certification: true,
        });
        if (!run.certified) {
          broken.push(
            `${d1 ?? '-'} + ${issuer ?? '-'}: no certification results (exit ${String(run.exitCode)}; ${run.stderr.slice(0, 300)})`,
          );
          continue;
        }
        if (d1) rows.push(rowOf('D1', d1, 'd1', run.certified));
        if (issuer) rows.push(rowOf('issuer', issuer, 'bank', run.certified));
      }
    }),
  );
  rows.sort((a, b) => `${a.party}${a.variant}`.localeCompare(`${b.party}${b.variant}`));
  const ready = rows.filter((r) => r.verdict === 'READY').length;
  const described = (r: VariantRow): string =>
    (r.party === 'D1' ? d1Variants[r.variant as keyof typeof d1Variants] : issuerVariants[r.variant as keyof typeof issuerVariants])
      ?.description ?? '';
  const table = [
    'party  | variant                              | judged | passed | failed | warnings | verdict   | choice',
    ...rows.map(
      (r) =>
        `${r.party.padEnd(6)} | ${r.variant.padEnd(36)} | ${String(r.judged).padStart(6)} | ${String(r.passed).padStart(6)} | ` +
        `${String(r.failures.length).padStart(6)} | ` +
        `${String(r.warnings.length).padStart(8)} | ${r.verdict.padEnd(9)} | ${described(r)}`,
    ),
    `specificity: ${ready}/${rows.length} READY (${rows.length === 0 ? 0 : Math.round((ready / rows.length) * 100)} %)`,
  ].join('\n');
  console.log(`\n${table}\n`);
  const details = rows.flatMap((r) => [
    ...r.failures.map((f) => `${r.party} ${r.variant} FAILED ${f}`),
    ...r.warnings.map((w) => `${r.party} ${r.variant} warning ${w}`),
  ]);
  await test.info().attach('specificity-matrix.txt', { body: `${table}\n\n${details.join('\n')}\n`, contentType: 'text/plain' });
  expect(broken).toEqual([]);
  expect(
    rows.filter((r) => r.party === 'D1').length + rows.filter((r) => r.party === 'issuer').length,
    'variants of both parties',
  ).toBeGreaterThanOrEqual(12);
  expect(rows.map((r) => r.party)).toContain('D1');
  expect(rows.map((r) => `${r.party}:${r.variant}`)).toContain('issuer:oauth-server-oidc-provider');
  expect(
    rows.filter((r) => r.verdict !== 'READY').map((r) => `${r.party}:${r.variant} ${r.failures.join('; ') || 'nothing judged'}`),
  ).toEqual([]);
});
