/**
 * A certification repeated with the same seed and targets (`certify --repeat N`): each run's results are kept in a
 * directory of their own (certification/run-K/), merged into the results of one run, and the rules whose outcome
 * differed between the runs are reported apart, with each run's evidence.
 *
 * The merge treats the runs as attempts of each test, as a run treats a test's own attempts (outcomeOver in
 * reporters/certification.ts): a test that failed a rule in any run failed, since a rule that holds only sometimes is
 * broken; else a pass in any run is a pass; a test its target could not answer in every other run is unavailable.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiRow, CatalogueEntry } from '../lib/catalogue/load.js';
import { CLEANUP_FILE, type D1Cleanup, type D1CleanupRecord } from '../lib/d1-cleanup.js';
import { CREATED_LEDGER } from '../lib/d1-client.js';
import { mergeNetworks, type TargetNetwork } from '../lib/http/pacing.js';
import type { CertificationResults, CertifiedTest } from './certification.js';
import { NETWORK_FILE, TESTS_FILE } from './certification-evidence.js';
import { bankRuleOutcomes, ruleOutcomes, type RunOutcome, type UnstableRule, type UnstableRun } from './compliance-summary.js';

/** Where the K-th run of a repeated certification keeps what the next run would overwrite. */
export const runDirectory = (reportsDir: string, run: number): string => path.join(reportsDir, 'certification', `run-${run}`);

/** What a run writes that the next one would overwrite: its results, how the network behaved, its D1 ledger and clean-up. */
const PER_RUN_FILES = [TESTS_FILE, NETWORK_FILE, CREATED_LEDGER, CLEANUP_FILE] as const;

/**
 * Before its D1 clean-up: a copy of how the network behaved during the run's suites (the clean-up adds its own requests
 * to that file, and they are counted once, over every run, when the runs are merged).
 */
export function keepSuitesNetwork(reportsDir: string, run: number): void {
  const from = path.join(reportsDir, NETWORK_FILE);
  if (!existsSync(from)) return;
  mkdirSync(runDirectory(reportsDir, run), { recursive: true });
  copyFileSync(from, path.join(runDirectory(reportsDir, run), path.basename(NETWORK_FILE)));
}

/** Once a run has ended and D1 is cleaned up: its files moved into its own directory, so that the next run starts afresh. */
export function keepRunEvidence(reportsDir: string, run: number): void {
  const dir = runDirectory(reportsDir, run);
  mkdirSync(dir, { recursive: true });
  for (const file of PER_RUN_FILES) {
    const from = path.join(reportsDir, file);
    if (!existsSync(from)) continue;
    // The network's copy made before the clean-up is the run's own; this one has the clean-up's requests in it.
    if (file === NETWORK_FILE && existsSync(path.join(dir, path.basename(file)))) rmSync(from);
    else renameSync(from, path.join(dir, path.basename(file)));
  }
}

/** One run's results, as its certification reporter wrote them. */
export interface RunResults {
  readonly run: number;
  readonly tests: readonly CertifiedTest[];
}

/** The results of the runs that produced any, in their order. */
export function readRuns(reportsDir: string, count: number): RunResults[] {
  const runs: RunResults[] = [];
  for (let run = 1; run <= count; run += 1) {
    const file = path.join(runDirectory(reportsDir, run), path.basename(TESTS_FILE));
    if (existsSync(file)) runs.push({ run, tests: (JSON.parse(readFileSync(file, 'utf8')) as CertificationResults).tests });
  }
  return runs;
}

/** A test's outcome over the runs: failed in any, else passed in any, else unavailable in any (with every run's requests). */
function overRuns(results: readonly CertifiedTest[]): CertifiedTest {
  const failed = results.find((t) => t.outcome === 'failed');
  if (failed) return failed;
  const passed = results.find((t) => t.outcome === 'passed');
  if (passed) return passed;
  const unavailable = results.filter((t) => t.outcome === 'unavailable');
  const [first] = unavailable;
  if (first) return { ...first, unavailable: unavailable.flatMap((t) => t.unavailable ?? []) };
  const [only] = results;
  if (!only) throw new Error('a test with no result in any run');
  return only;
}

/** The runs' results as one run's: each test (by project, file and title) once, with its outcome over the runs. */
export function mergeRuns(runs: readonly RunResults[]): CertifiedTest[] {
  const byTest = new Map<string, CertifiedTest[]>();
  for (const { tests } of runs) {
    // Two results with one title in one file (which Playwright allows) are told apart by their order.
    const seen = new Map<string, number>();
    for (const test of tests) {
      const name = `${test.project}\u0000${test.file}\u0000${test.title}`;
      const nth = seen.get(name) ?? 0;
      seen.set(name, nth + 1);
      const key = `${name}\u0000${nth}`;
      byTest.set(key, [...(byTest.get(key) ?? []), test]);
    }
  }
  return [...byTest.values()].map(overRuns);
}

type Rule = Pick<CatalogueEntry, 'id' | 'api' | 'provenance' | 'security'>;

const JUDGED: ReadonlySet<RunOutcome> = new Set(['passed', 'failed', 'warning']);

/** The evidence of a run in which the rule failed or warned: the first result of that run that failed on it. */
function evidenceIn(tests: readonly CertifiedTest[], ruleId: string): Omit<UnstableRun, 'run' | 'outcome'> {
  const found = tests.find((t) => t.outcome === 'failed' && t.failure?.ruleId === ruleId);
  if (!found?.failure) return {};
  const { pointer, documented, received } = found.failure;
  return { test: found.title, where: pointer || '/', documented, received };
}

/**
 * The rules whose judged outcome (passed, failed or warning) differed between the runs, the bank's first. A run in which
 * a rule was skipped, not run (its target unavailable: a transport fault, counted apart) or not tested at all judged
 * nothing, and makes nothing unstable.
 */
export function unstableRules(
  runs: readonly RunResults[],
  catalogue: { readonly apis: readonly ApiRow[]; readonly rules: readonly Rule[]; readonly applicableConditional: ReadonlySet<string> },
): UnstableRule[] {
  const { apis, rules, applicableConditional } = catalogue;
  const ruleById = new Map(rules.map((r) => [r.id, r]));
  const counts = (api: ApiRow | undefined): boolean =>
    api?.category === 'mandatory' || (api?.category === 'conditional' && applicableConditional.has(api.id));
  const unstable: UnstableRule[] = [];
  for (const subject of ['bank', 'd1'] as const) {
    const ofSubject = runs.map(({ run, tests }) => ({ run, tests: tests.filter((t) => t.subject === subject) }));
    const outcomes = ofSubject.map(({ tests }) => (subject === 'bank' ? bankRuleOutcomes(tests, apis, rules) : ruleOutcomes(tests)));
    const ids = [...new Set(outcomes.flatMap((o) => [...o.keys()]))].filter((id) => ruleById.has(id)).sort();
    for (const ruleId of ids) {
      const perRun = outcomes.map((o) => o.get(ruleId) ?? 'absent');
      if (new Set(perRun.filter((o) => JUDGED.has(o))).size < 2) continue;
      const rule = ruleById.get(ruleId);
      const api = apis.find((a) => a.id === rule?.api);
      const security = rule?.security === true;
      const failed = perRun.includes('failed');
      unstable.push({
        ruleId,
        api: api?.id,
        apiName: api?.name,
        subject,
        provenance: rule?.provenance ?? 'documented',
        security,
        failsGoLive: subject === 'bank' && failed && (security || counts(api)),
        runs: ofSubject.map(({ run, tests }, index) => {
          const outcome = perRun[index] ?? 'absent';
          return { run, outcome, ...(outcome === 'failed' || outcome === 'warning' ? evidenceIn(tests, ruleId) : {}) };
        }),
      });
    }
  }
  return unstable;
}

/** The D1 clean-ups of the runs as one: counts added, what was left behind listed from every run. */
function mergeCleanups(records: readonly D1CleanupRecord[]): D1CleanupRecord | undefined {
  const [first] = records;
  const last = records.at(-1);
  if (!first || !last) return undefined;
  const sum = (pick: (c: D1Cleanup) => { consumers: number; cards: number }): { consumers: number; cards: number } => ({
    consumers: records.reduce((n, r) => n + pick(r).consumers, 0),
    cards: records.reduce((n, r) => n + pick(r).cards, 0),
  });
  return {
    d1: first.d1,
    ledger: path.join('certification', 'run-*', path.basename(CREATED_LEDGER)),
    startedAt: first.startedAt,
    endedAt: last.endedAt,
    created: sum((r) => r.created),
    removed: sum((r) => r.removed),
    alreadyGone: sum((r) => r.alreadyGone),
    notRemoved: records.flatMap((r) => r.notRemoved),
  };
}

/**
 * Writes the runs' merged evidence where one run's goes: the results (certification/tests.json), how the network
 * behaved (every run's suites, and `cleanupNetwork`, the requests of certify's own clean-ups), and the D1 clean-ups.
 */
export function writeMergedRuns(
  reportsDir: string,
  runs: readonly RunResults[],
  merged: CertificationResults,
  cleanupNetwork: readonly TargetNetwork[],
): void {
  const read = <T>(run: number, file: string): T[] => {
    const at = path.join(runDirectory(reportsDir, run), path.basename(file));
    return existsSync(at) ? [JSON.parse(readFileSync(at, 'utf8')) as T] : [];
  };
  mkdirSync(path.join(reportsDir, 'certification'), { recursive: true });
  writeFileSync(path.join(reportsDir, TESTS_FILE), `${JSON.stringify(merged, null, 2)}\n`);
  const networks = runs.flatMap(({ run }) => read<{ targets: TargetNetwork[] }>(run, NETWORK_FILE).map((n) => n.targets));
  if (cleanupNetwork.length > 0) networks.push([...cleanupNetwork]);
  if (networks.length > 0)
    writeFileSync(path.join(reportsDir, NETWORK_FILE), `${JSON.stringify({ targets: mergeNetworks(networks) }, null, 2)}\n`);
  const cleanup = mergeCleanups(runs.flatMap(({ run }) => read<D1CleanupRecord>(run, CLEANUP_FILE)));
  if (cleanup) writeFileSync(path.join(reportsDir, CLEANUP_FILE), `${JSON.stringify(cleanup, null, 2)}\n`);
}
