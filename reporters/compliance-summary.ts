import type { ApiRow, CatalogueEntry } from '../lib/catalogue/load.js';
import type { D1Cleanup } from '../lib/d1-cleanup.js';
import type { TargetNetwork } from '../lib/http/pacing.js';
import { failsGoLive, type CertifiedTest } from './certification.js';
import { comparisonMarkdown, type Comparison } from './comparison.js';

export type RuleOutcome = 'passed' | 'failed' | 'warning' | 'skipped' | 'unavailable';
export type Verdict = 'READY' | 'NOT READY' | 'INCONCLUSIVE';
export type RowVerdict = 'PASS' | 'PASS WITH WARNINGS' | 'FAIL' | 'NOT TESTED';
/** What judged a row: the suite playing D1 against the bank's endpoint, the bank's own calls observed, or nothing. */
export type Evidence = 'suite' | 'observation' | 'none';

/** The Playwright-like project name the observation's results carry. */
export const OBSERVE_PROJECT = 'observe';

/** One failed rule, with what the documents say and what was received (already redacted). */
export interface Finding {
  /** The rule, or `contract:<operationId>` for a contract departure no rule names. */
  readonly ruleId: string;
  readonly api: string | undefined;
  readonly apiName: string | undefined;
  readonly provenance: 'documented' | 'inferred';
  readonly security: boolean;
  /** For a documentation quirk: the standard the rule departs from, which makes its failure a warning. */
  readonly contradicts?: string;
  /** A documented recommendation (should), which makes its failure a warning. */
  readonly recommendation?: true;
  /** The test or observed result that found it. */
  readonly test: string;
  readonly where: string;
  readonly documented: string;
  readonly received: string;
}

export interface ApiSummaryRow {
  readonly id: string;
  readonly name: string;
  readonly category: 'mandatory' | 'conditional' | 'optional';
  /** Who hosts the API: the bank (the suite plays D1 against it) or D1 (the bank's calls are observed). */
  readonly hostedBy: 'bank' | 'd1';
  readonly applicable: boolean;
  readonly evidence: Evidence;
  /** Tests run (suite) or calls observed (observation) that judged the row. */
  readonly evidenceCount: number;
  readonly rulesChecked: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly warnings: number;
  /** Rules whose only tests could not reach their target: not run. */
  readonly unavailable: number;
  readonly verdict: RowVerdict;
  readonly failedRules: readonly string[];
  readonly warningRules: readonly string[];
}

/** What a rule came to in one run of a repeated certification; `absent`: no result of that run was tagged with it. */
export type RunOutcome = RuleOutcome | 'absent';

/** One run's outcome of an unstable rule, with documented against received when it failed or warned there. */
export interface UnstableRun {
  /** From 1, in the order the runs ran. */
  readonly run: number;
  readonly outcome: RunOutcome;
  /** The result that failed on the rule in that run. */
  readonly test?: string;
  readonly where?: string;
  readonly documented?: string;
  readonly received?: string;
}

/**
 * A rule whose judged outcome (passed, failed, warning) differed between runs with the same seed and targets
 * (`certify --repeat`). A run that could not judge it (skipped, its target unavailable) makes nothing unstable.
 */
export interface UnstableRule {
  readonly ruleId: string;
  readonly api: string | undefined;
  readonly apiName: string | undefined;
  /** Whose behaviour it judges: the bank's, or the D1 environment's (reported, never part of the verdict). */
  readonly subject: 'bank' | 'd1';
  readonly provenance: 'documented' | 'inferred';
  readonly security: boolean;
  /**
   * It failed in some run and counts as any failure does: a security rule always, a documented rule when its row counts
   * for the verdict (mandatory, or conditional and declared applicable). Unstable or not, it fails the go-live.
   */
  readonly failsGoLive: boolean;
  readonly runs: readonly UnstableRun[];
}

/** Which runs an unstable rule passed, failed or warned in, as `failed in run 1, passed in runs 2 and 3`. */
export function unstableRunsLine(rule: Pick<UnstableRule, 'runs'>): string {
  const byOutcome = new Map<RunOutcome, number[]>();
  for (const { run, outcome } of rule.runs) byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), run]);
  const said: Record<RunOutcome, string> = {
    failed: 'failed',
    warning: 'warned',
    passed: 'passed',
    skipped: 'skipped',
    unavailable: 'not run (target unavailable)',
    absent: 'not tested',
  };
  return [...byOutcome]
    .map(([outcome, runs]) => {
      const list = runs.length === 1 ? `run ${runs[0] ?? ''}` : `runs ${runs.slice(0, -1).join(', ')} and ${runs.at(-1) ?? ''}`;
      return `${said[outcome]} in ${list}`;
    })
    .join(', ');
}

/** Whether an unstable rule counts, in a few words. */
export function unstableStanding(rule: Pick<UnstableRule, 'subject' | 'failsGoLive' | 'security' | 'runs'>): string {
  if (rule.subject === 'd1') return 'D1 environment, never part of the verdict';
  if (!rule.failsGoLive && rule.runs.some((r) => r.outcome === 'failed')) return 'its row does not count for the verdict';
  if (!rule.failsGoLive) return 'a warning, it does not fail the go-live';
  return rule.security ? 'fails the go-live (security rule)' : 'fails the go-live (documented rule)';
}

/** The subject of a certification: a bank's integration, or the embedded reference pair when no bank was given. */
export interface CertificationSubject {
  readonly kind: 'bank' | 'reference-pair';
  readonly issuerId: string;
  /** Where the bank's endpoints were reached. */
  readonly hosted: string;
  /** Where the bank's calls to D1 were observed, or that they were not. */
  readonly calls: string;
}

export interface EnvironmentGroup {
  readonly name: string;
  /** What a failure here says about D1 or the tenant's set-up. */
  readonly meaning: string;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
  readonly status: 'PASS' | 'PASS WITH WARNINGS' | 'FAIL' | 'NOT RUN';
  readonly failedRules: readonly string[];
}

/** Whether the D1 the run used behaves as documented and the tenant is set up: shown apart, never part of the verdict. */
export interface D1Environment {
  readonly d1: string;
  readonly status: 'PASS' | 'PASS WITH WARNINGS' | 'FAIL' | 'NOT RUN';
  readonly groups: readonly EnvironmentGroup[];
}

/** The tests a target could not answer, per target: why a run is inconclusive. */
export interface UnavailableTarget {
  readonly target: string;
  /** Tests that were not run to their end (each after all its attempts). */
  readonly tests: number;
  /** The faults of the requests given up, as `503 (Retry-After 1 s)` or `refused (ECONNREFUSED)`, with how often. */
  readonly faults: Readonly<Record<string, number>>;
}

/** What judged a run: the product's version (package.json) and the contracts' (sha256, as on the certificate). */
export interface RunVersions {
  readonly product: string;
  readonly contracts: string;
}

export interface ComplianceSummary {
  /** INCONCLUSIVE: nothing failed, but a target could not answer some tests; never READY, and worth running again. */
  readonly verdict: Verdict;
  /** Why, in one line each: security findings, failed rows, rows nothing judged, targets that could not answer. */
  readonly reasons: readonly string[];
  readonly subject: CertificationSubject;
  readonly generatedAt: string;
  readonly seed: number;
  readonly targets: { readonly d1: string; readonly issuer: string };
  readonly applicableConditionalApis: readonly string[];
  /** Over the results that judge the bank. */
  readonly totals: {
    readonly tests: number;
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly warnings: number;
    /** Not run to their end: their target could not answer. */
    readonly unavailable: number;
  };
  /** Security findings fail a go-live whatever their provenance; listed first everywhere. */
  readonly securityFindings: readonly Finding[];
  readonly apis: readonly ApiSummaryRow[];
  /** Every failure that counts against the go-live (documented or security), one per rule. */
  readonly failures: readonly Finding[];
  /** Failures of inferred rules, and contract departures no rule names: warnings, one per rule. */
  readonly warnings: readonly Finding[];
  readonly d1Environment: D1Environment;
  /** What the run created in an external D1 and its clean-up removed; present when it created anything there. */
  readonly d1Cleanup?: D1Cleanup;
  /** The targets that could not answer some tests, over the bank's and the D1 environment's tests alike. */
  readonly unavailableTargets: readonly UnavailableTarget[];
  /** How the network to each target behaved: requests, peak rate, faults absorbed, retries, latency, waits. */
  readonly network?: readonly TargetNetwork[];
  /** The product's and contracts' versions; absent from a summary written before summaries carried them. */
  readonly versions?: RunVersions;
  /** The ids of the catalogue's rules the run judged by, sorted; absent from a summary written before summaries carried them. */
  readonly catalogueRules?: readonly string[];
  /** What changed since a previous certification, when the run was compared with one (`certify --compare`). */
  readonly comparison?: Comparison;
  /** With `certify --repeat N`: how many runs, with the same seed and targets, this summary judges together. */
  readonly repetitions?: number;
  /** With `certify --repeat N`: the rules whose outcome differed between the runs; empty when every rule held steady. */
  readonly unstable?: readonly UnstableRule[];
}

type Rule = Pick<CatalogueEntry, 'id' | 'api' | 'provenance' | 'security'>;

/**
 * Each rule's outcome over the given results: failed when a result failed on it and the rule is documented or a
 * security rule, warning when it is inferred, passed when a result tagged with it passed and none failed on it,
 * skipped when every such result was skipped.
 */
export function ruleOutcomes(tests: readonly CertifiedTest[]): Map<string, RuleOutcome> {
  const outcomes = new Map<string, RuleOutcome>();
  const failedOn = new Map<string, RuleOutcome>();
  for (const test of tests) {
    const failure = test.outcome === 'failed' ? test.failure : undefined;
    if (failure?.ruleId && failedOn.get(failure.ruleId) !== 'failed')
      failedOn.set(failure.ruleId, failsGoLive(failure) ? 'failed' : 'warning');
  }
  for (const test of tests) {
    for (const rule of test.rules) {
      const failed = failedOn.get(rule);
      if (failed) outcomes.set(rule, failed);
      else if (test.outcome === 'passed') outcomes.set(rule, 'passed');
      else if (test.outcome === 'unavailable' && outcomes.get(rule) !== 'passed') outcomes.set(rule, 'unavailable');
      else if (!outcomes.has(rule)) outcomes.set(rule, 'skipped');
    }
  }
  for (const [rule, outcome] of failedOn) outcomes.set(rule, outcome);
  return outcomes;
}

/** The findings of failed results, one per rule (the first result that failed on it). */
function findingsOf(tests: readonly CertifiedTest[], rules: readonly Rule[], apis: readonly ApiRow[]): Finding[] {
  const ruleById = new Map<string, Rule>(rules.map((r) => [r.id, r]));
  const apiOfOperation = new Map(apis.flatMap((a) => a.operations.map((o) => [o, a] as const)));
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const test of tests) {
    const failure = test.outcome === 'failed' ? test.failure : undefined;
    if (!failure) continue;
    const key = failure.ruleId ?? `contract:${failure.operationId ?? test.title}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const api = failure.ruleId
      ? apis.find((a) => a.id === ruleById.get(failure.ruleId ?? '')?.api)
      : apiOfOperation.get(failure.operationId ?? '');
    findings.push({
      ruleId: key,
      api: api?.id,
      apiName: api?.name,
      provenance: failure.provenance,
      security: failure.security,
      ...(failure.contradicts ? { contradicts: failure.contradicts } : {}),
      ...(failure.recommendation ? { recommendation: failure.recommendation } : {}),
      test: test.title,
      where: failure.pointer || '/',
      documented: failure.documented,
      received: failure.received,
    });
  }
  return findings;
}

const rowVerdict = (passed: number, failed: number, warnings: number): RowVerdict =>
  failed > 0 ? 'FAIL' : passed + warnings === 0 ? 'NOT TESTED' : warnings > 0 ? 'PASS WITH WARNINGS' : 'PASS';

/** The results that may judge a row: the suite's for an API the bank hosts, the observation's for one it calls. */
function evidenceFor(api: ApiRow, bankTests: readonly CertifiedTest[]): { evidence: Exclude<Evidence, 'none'>; tests: CertifiedTest[] } {
  return api.direction === 'd1-to-issuer'
    ? { evidence: 'suite', tests: bankTests.filter((t) => t.project !== OBSERVE_PROJECT) }
    : { evidence: 'observation', tests: bankTests.filter((t) => t.project === OBSERVE_PROJECT) };
}

/**
 * Each rule's outcome over the results that judge the bank, each rule from the evidence of its row (the suite's
 * results for an API the bank hosts, the observation's for one it calls), as the rows of a summary judge them.
 */
export function bankRuleOutcomes(
  bankTests: readonly CertifiedTest[],
  apis: readonly ApiRow[],
  rules: readonly Rule[],
): Map<string, RuleOutcome> {
  const outcomes = new Map<string, RuleOutcome>();
  for (const api of apis) {
    const judged = ruleOutcomes(evidenceFor(api, bankTests).tests);
    for (const rule of rules) {
      const outcome = rule.api === api.id ? judged.get(rule.id) : undefined;
      if (outcome) outcomes.set(rule.id, outcome);
    }
  }
  return outcomes;
}

const ENVIRONMENT_GROUPS: readonly { readonly group: string; readonly name: string; readonly meaning: string }[] = [
  {
    group: 'D1 OAuth2',
    name: 'D1 token endpoint',
    meaning: "D1 grants tokens for the issuer's key: the key and its kid are registered for the tenant",
  },
  { group: 'D1 Consumer', name: 'D1 consumers', meaning: 'D1 registers, updates and deletes consumers as documented' },
  { group: 'D1 Card', name: 'D1 cards', meaning: 'D1 creates and registers cards: the card product and the card-data key are set up' },
  { group: 'D1 Click to Pay', name: 'D1 Click to Pay', meaning: 'D1 enrols, updates and opts out as documented' },
  {
    group: 'Issuer backend',
    name: "D1's calls to the bank",
    meaning: "D1 sends notifications and consumer-information calls to the bank's URLs with its credentials: the routing is set up",
  },
];

/** The D1 environment: the D1-facing results, by API group. */
function environmentOf(d1Tests: readonly CertifiedTest[], rules: readonly Rule[], apis: readonly ApiRow[], d1: string): D1Environment {
  const groupOfApi = new Map(apis.map((a) => [a.id, a.direction === 'd1-to-issuer' ? 'Issuer backend' : a.group]));
  const apiOfRule = new Map<string, string>(rules.map((r) => [r.id, r.api]));
  const groupOf = (test: CertifiedTest): string | undefined =>
    groupOfApi.get(apiOfRule.get(test.failure?.ruleId ?? test.rules[0] ?? '') ?? '');
  const groups = ENVIRONMENT_GROUPS.map(({ group, name, meaning }): EnvironmentGroup => {
    const tests = d1Tests.filter((t) => groupOf(t) === group);
    const failedTests = tests.filter((t) => t.outcome === 'failed');
    const failed = failedTests.filter((t) => t.failure && failsGoLive(t.failure));
    const warnings = failedTests.length - failed.length;
    const passed = tests.filter((t) => t.outcome === 'passed').length;
    const status =
      tests.length - tests.filter((t) => t.outcome === 'skipped').length === 0
        ? 'NOT RUN'
        : failed.length > 0
          ? 'FAIL'
          : warnings > 0
            ? 'PASS WITH WARNINGS'
            : 'PASS';
    return {
      name,
      meaning,
      passed,
      failed: failed.length,
      warnings,
      skipped: tests.filter((t) => t.outcome === 'skipped').length,
      status,
      failedRules: [...new Set(failed.map((t) => t.failure?.ruleId ?? t.title))],
    };
  });
  const run = groups.filter((g) => g.status !== 'NOT RUN');
  const status =
    run.length === 0
      ? 'NOT RUN'
      : run.some((g) => g.status === 'FAIL')
        ? 'FAIL'
        : run.some((g) => g.status === 'PASS WITH WARNINGS')
          ? 'PASS WITH WARNINGS'
          : 'PASS';
  return { d1, status, groups };
}

/**
 * One row per API of the D1 API summary, each judged from the evidence that concerns the bank for it, and the
 * verdict: READY only when there is no security finding and every mandatory API, and every conditional API declared
 * applicable, passed its documented rules on that evidence. The D1-facing results make the D1 environment section,
 * which never passes or fails a row.
 */
export function summarise(input: {
  readonly tests: readonly CertifiedTest[];
  readonly apis: readonly ApiRow[];
  readonly rules: readonly Rule[];
  readonly applicableConditional: ReadonlySet<string>;
  readonly seed: number;
  readonly targets: { readonly d1: string; readonly issuer: string };
  readonly subject: CertificationSubject;
  readonly network?: readonly TargetNetwork[];
  readonly now?: Date;
  readonly d1Cleanup?: D1Cleanup;
  /** The versions that judged, for a later comparison to show; a certification always gives them. */
  readonly versions?: RunVersions;
  /** With `certify --repeat`: how many runs `tests` merges (each test failed if it failed in any), and the unstable rules. */
  readonly repetition?: { readonly runs: number; readonly unstable: readonly UnstableRule[] };
}): ComplianceSummary {
  const bankTests = input.tests.filter((t) => t.subject === 'bank');
  const rows: ApiSummaryRow[] = input.apis.map((api) => {
    const { evidence, tests } = evidenceFor(api, bankTests);
    const outcomes = ruleOutcomes(tests);
    const ids = input.rules.filter((r) => r.api === api.id).map((r) => r.id);
    const of = (kind: RuleOutcome): string[] => ids.filter((id) => outcomes.get(id) === kind);
    const passed = of('passed');
    const failed = of('failed');
    const warnings = of('warning');
    const unavailable = of('unavailable');
    const judging = tests.filter((t) => t.outcome !== 'skipped' && t.outcome !== 'unavailable' && t.rules.some((r) => ids.includes(r)));
    const verdict = rowVerdict(passed.length, failed.length, warnings.length);
    return {
      id: api.id,
      name: api.name,
      category: api.category,
      hostedBy: api.direction === 'd1-to-issuer' ? 'bank' : 'd1',
      applicable: api.category === 'mandatory' || (api.category === 'conditional' && input.applicableConditional.has(api.id)),
      evidence: verdict === 'NOT TESTED' ? 'none' : evidence,
      evidenceCount: evidence === 'observation' ? judging.reduce((sum, t) => sum + (t.calls ?? 0), 0) : judging.length,
      rulesChecked: passed.length + failed.length + warnings.length,
      passed: passed.length,
      failed: failed.length,
      skipped: of('skipped').length,
      warnings: warnings.length,
      unavailable: unavailable.length,
      verdict,
      failedRules: failed,
      warningRules: warnings,
    };
  });
  const findings = findingsOf(bankTests, input.rules, input.apis);
  const securityFindings = findings.filter((f) => f.security);
  const failures = findings.filter(failsGoLive);
  const warnings = findings.filter((f) => !failsGoLive(f));

  const applicable = rows.filter((r) => r.applicable);
  const failedRows = applicable.filter((r) => r.verdict === 'FAIL');
  // A row nothing judged because its target could not answer makes the run inconclusive, not NOT READY.
  const untested = applicable.filter((r) => r.verdict === 'NOT TESTED' && r.unavailable === 0);
  const unavailableTargets = unavailableByTarget(input.tests);
  const unstableFailing = (input.repetition?.unstable ?? []).filter((u) => u.failsGoLive);
  const reasons = [
    ...(securityFindings.length > 0 ? [`security findings: ${securityFindings.map((f) => f.ruleId).join(', ')}`] : []),
    ...(unstableFailing.length > 0
      ? [
          `unstable between the ${input.repetition?.runs ?? 0} runs with the same seed and targets, and failing the go-live ` +
            `(a rule that holds only sometimes is broken): ` +
            unstableFailing.map((u) => `${u.ruleId} (${unstableRunsLine(u)})`).join(', '),
        ]
      : []),
    ...(failedRows.length > 0 ? [`documented rules failed in: ${failedRows.map((r) => r.name).join(', ')}`] : []),
    ...(untested.filter((r) => r.hostedBy === 'd1').length > 0
      ? [
          `no observed call of the bank's for: ${untested
            .filter((r) => r.hostedBy === 'd1')
            .map((r) => r.name)
            .join(', ')} (run the certification plan against the observer)`,
        ]
      : []),
    ...(untested.filter((r) => r.hostedBy === 'bank').length > 0
      ? [
          `not tested on the bank's endpoints: ${untested
            .filter((r) => r.hostedBy === 'bank')
            .map((r) => r.name)
            .join(', ')}`,
        ]
      : []),
  ];
  const inconclusive = unavailableTargets.map(
    (u) =>
      `inconclusive: ${u.target} could not answer ${u.tests} test${u.tests === 1 ? '' : 's'} (${Object.entries(u.faults)
        .map(([fault, times]) => `${fault} ×${times}`)
        .join(', ')}); run the certification again`,
  );
  const count = (outcome: CertifiedTest['outcome']): number => bankTests.filter((t) => t.outcome === outcome).length;
  const failedBank = bankTests.filter((t) => t.outcome === 'failed');
  return {
    verdict: reasons.length > 0 ? 'NOT READY' : inconclusive.length > 0 ? 'INCONCLUSIVE' : 'READY',
    reasons: [...reasons, ...inconclusive],
    subject: input.subject,
    generatedAt: (input.now ?? new Date()).toISOString(),
    seed: input.seed,
    targets: input.targets,
    applicableConditionalApis: [...input.applicableConditional].sort(),
    totals: {
      tests: bankTests.length,
      passed: count('passed'),
      failed: failedBank.filter((t) => t.failure && failsGoLive(t.failure)).length,
      skipped: count('skipped'),
      warnings: failedBank.filter((t) => !t.failure || !failsGoLive(t.failure)).length,
      unavailable: count('unavailable'),
    },
    securityFindings,
    apis: rows,
    failures,
    warnings,
    d1Environment: environmentOf(
      input.tests.filter((t) => t.subject === 'd1'),
      input.rules,
      input.apis,
      input.targets.d1,
    ),
    ...(input.d1Cleanup ? { d1Cleanup: input.d1Cleanup } : {}),
    unavailableTargets,
    ...(input.network && input.network.length > 0 ? { network: input.network } : {}),
    ...(input.versions ? { versions: input.versions } : {}),
    catalogueRules: input.rules.map((r) => r.id).sort(),
    ...(input.repetition ? { repetitions: input.repetition.runs, unstable: input.repetition.unstable } : {}),
  };
}

/** The tests each target could not answer, with the faults of the requests given up. */
function unavailableByTarget(tests: readonly CertifiedTest[]): UnavailableTarget[] {
  const byTarget = new Map<string, { tests: number; faults: Record<string, number> }>();
  for (const test of tests) {
    if (test.outcome !== 'unavailable') continue;
    const records = test.unavailable ?? [];
    for (const target of new Set(records.map((r) => r.target))) {
      const entry = byTarget.get(target) ?? { tests: 0, faults: {} };
      entry.tests += 1;
      byTarget.set(target, entry);
    }
    for (const record of records) {
      const entry = byTarget.get(record.target);
      const last = record.faults.at(-1) ?? record.why;
      if (entry) entry.faults[last] = (entry.faults[last] ?? 0) + 1;
    }
  }
  return [...byTarget.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([target, entry]) => ({ target, ...entry }));
}

/** What was certified, in one sentence: a bank, or plainly the embedded reference pair. */
export function subjectLine(subject: CertificationSubject): string {
  return subject.kind === 'reference-pair'
    ? `the embedded reference pair (reference issuer and its client, issuerId ${subject.issuerId}), not a bank: ` +
        "point ISSUER_BASE_URL at a bank's backend to certify it"
    : `the bank ${subject.issuerId}: its endpoints ${subject.hosted}; its calls to D1 ${subject.calls}`;
}

/** How the network behaved, in one line: per target, requests, peak rate, faults absorbed, retries, latency, waits. */
export function networkLine(network: readonly TargetNetwork[]): string {
  return network
    .map((n) => {
      const faults = Object.entries(n.faults)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${count} ${kind}`);
      const limit =
        n.limit.rate === 'adaptive'
          ? n.limit.finalRate !== undefined
            ? `adapted to ${n.limit.finalRate}/s`
            : 'no limit met'
          : `limit ${n.limit.rate}/s`;
      return (
        `${n.target}: ${n.requests} requests, peak ${n.peakRate}/s (${limit}), ` +
        `${faults.length > 0 ? `absorbed ${faults.join(', ')}` : 'no fault'}, ${n.retries} retries, ` +
        `${n.gaveUp > 0 ? `${n.gaveUp} given up, ` : ''}${n.notTried > 0 ? `${n.notTried} not tried (target down), ` : ''}` +
        `${n.answered > 0 ? `p50 ${n.latencyMs.p50} ms, p95 ${n.latencyMs.p95} ms` : 'no answer'}, ` +
        `waited ${(n.waitedMs / 1000).toFixed(1)} s`
      );
    })
    .join('; ');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The summary as Markdown, also what the console prints at the end of a run. */
export function summaryMarkdown(summary: ComplianceSummary): string {
  const rows = summary.apis.map((r) =>
    [
      `${r.name} (${r.id})`,
      r.category,
      r.applicable ? 'yes' : 'no',
      r.hostedBy === 'bank' ? 'bank hosts' : 'bank calls',
      r.evidence === 'none'
        ? 'none'
        : `${r.evidence}: ${r.evidenceCount} ${r.evidence === 'suite' ? 'test' : 'call'}${r.evidenceCount === 1 ? '' : 's'}`,
      `${r.passed}/${r.failed}/${r.warnings}`,
      r.verdict,
    ]
      .map(cell)
      .join(' | '),
  );
  const unstable = new Map((summary.unstable ?? []).filter((u) => u.subject === 'bank').map((u) => [u.ruleId, u]));
  const unstableNote = (ruleId: string): string => {
    const rule = unstable.get(ruleId);
    return rule ? `, unstable (${unstableRunsLine(rule)})` : '';
  };
  const findingLine = (f: Finding): string =>
    `- ${f.ruleId}${f.apiName ? ` (${f.apiName})` : ''} at ${f.where}${unstableNote(f.ruleId)}: documented ${cell(f.documented)}; ` +
    `received ${cell(f.received)}`;
  const env = summary.d1Environment;
  return [
    `# Go-live verdict: ${summary.verdict}`,
    '',
    `Certified: ${subjectLine(summary.subject)}.`,
    `D1: ${summary.targets.d1}; seed ${summary.seed}; ${summary.generatedAt}`,
    ...(summary.reasons.length > 0 ? ['', `Why ${summary.verdict}:`, ...summary.reasons.map((r) => `- ${r}`)] : []),
    ...(summary.securityFindings.length > 0
      ? ['', 'Security findings (each fails the go-live):', ...summary.securityFindings.map(findingLine)]
      : []),
    '',
    '| API | category | applies | side | evidence | rules passed/failed/warned | verdict |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
    `Results judging the bank: ${summary.totals.passed} passed, ${summary.totals.failed} failed on documented or security rules, ` +
      `${summary.totals.warnings} warnings (inferred rules, recommendations, documentation quirks), ${summary.totals.skipped} skipped` +
      `${summary.totals.unavailable > 0 ? `, ${summary.totals.unavailable} not run (target unavailable)` : ''}.`,
    ...(summary.network ? ['', `Network: ${networkLine(summary.network)}.`] : []),
    ...(summary.failures.length > 0 ? ['', 'Failed rules:', ...summary.failures.map(findingLine)] : []),
    ...(summary.warnings.length > 0
      ? [
          '',
          'Warnings (inferred rules, recommendations and documentation quirks; they do not fail the go-live): ' +
            summary.warnings
              .map((w) => (w.contradicts ? `${w.ruleId} (the documents depart from ${w.contradicts.split(':')[0] ?? ''})` : w.ruleId))
              .join(', '),
        ]
      : []),
    ...(summary.repetitions !== undefined ? ['', ...unstableMarkdown(summary.repetitions, summary.unstable ?? [])] : []),
    ...(summary.comparison ? ['', comparisonMarkdown(summary.comparison).trimEnd()] : []),
    '',
    `## D1 environment: ${env.status} (${env.d1}; reported apart, never part of the verdict)`,
    '',
    ...env.groups.map(
      (g) =>
        `- ${g.name}: ${g.status} (${g.passed} passed, ${g.failed} failed, ${g.warnings} warnings)` +
        (g.failedRules.length > 0 ? `; failed: ${g.failedRules.join(', ')}` : '') +
        `. ${g.meaning}.`,
    ),
    '',
    ...(summary.d1Cleanup ? cleanupMarkdown(summary.d1Cleanup) : []),
  ].join('\n');
}

/** The rules that flipped between the runs of a repeated certification, each with every failing run's evidence. */
function unstableMarkdown(runs: number, unstable: readonly UnstableRule[]): string[] {
  if (runs < 2) return ['Repeated, but only one run produced results (the others were stopped or broke): nothing to compare.'];
  if (unstable.length === 0) return [`Repeated ${runs} times with the same seed and targets: every rule held steady.`];
  return [
    `Unstable rules: their outcome differed between the ${runs} runs with the same seed and targets (each run's evidence below):`,
    ...unstable.flatMap((u) => [
      `- ${u.ruleId}${u.apiName ? ` (${u.apiName})` : ''}: ${unstableRunsLine(u)}; ${unstableStanding(u)}`,
      ...u.runs.flatMap((r) =>
        r.documented !== undefined
          ? [`  - run ${r.run}, at ${r.where ?? '/'}: documented ${cell(r.documented)}; received ${cell(r.received ?? '')}`]
          : [],
      ),
    ]),
  ];
}

/** The clean-up of D1 as a short section: counts, then each object left behind with why. */
function cleanupMarkdown(cleanup: D1Cleanup): string[] {
  const { created, removed, alreadyGone, notRemoved } = cleanup;
  return [
    `## D1 clean-up: ${notRemoved.length === 0 ? 'nothing left behind' : `${notRemoved.length} left behind`}`,
    '',
    `Created ${created.consumers} consumers and ${created.cards} cards; removed ${removed.consumers} consumers and ` +
      `${removed.cards} cards; already gone during the run ${alreadyGone.consumers} consumers and ${alreadyGone.cards} cards.`,
    ...(notRemoved.length > 0 ? ['', 'Not removed:', ...notRemoved.map((o) => `- ${o.kind} ${o.id}: ${cell(o.reason)}`)] : []),
    '',
  ];
}
