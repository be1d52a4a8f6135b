import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules } from '../gen/catalogue.js';
import { ConfigurationError } from '../lib/config/errors.js';
import { EMBEDDED_ISSUER_LABEL } from '../lib/config/targets.js';
import type { TargetNetwork } from '../lib/http/pacing.js';
import { readCleanup } from '../lib/d1-cleanup.js';
import { dependencyFile, fromRoot } from '../lib/paths.js';
import { keepOnlyObservationResults, readObservation } from '../observer/evidence.js';
import type { CertifiedTest } from './certification.js';
import { contractsHash, productVersion, writeCertificate } from './certificate.js';
import { verdictHtml } from './verdict-html.js';
import { historyFileOf, writeRowResults } from './allure-rows.js';
import { writeVerdictJUnit } from './junit-verdict.js';
import { appendStepSummary } from './step-summary.js';
import {
  OBSERVE_PROJECT,
  summarise,
  unstableRunsLine,
  unstableStanding,
  summaryMarkdown,
  type CertificationSubject,
  type ComplianceSummary,
  type RunVersions,
  type UnstableRule,
} from './compliance-summary.js';
import {
  compareSummaries,
  comparisonLine,
  comparisonMarkdown,
  notComparable,
  type ComparableSummary,
  type Comparison,
} from './comparison.js';

/** What a certification run was: the same for every shard of one run, which is what a merge checks. */
export interface RunDescription {
  readonly seed: number;
  readonly targets: { readonly d1: string; readonly issuer: string };
  readonly applicableConditionalApis: readonly string[];
  /** Whose integration the run certifies; where its calls were seen is known only once the observation is in. */
  readonly subject: Omit<CertificationSubject, 'calls'>;
  /** Present when the run was one shard of several. */
  readonly shard?: { readonly current: number; readonly total: number };
}

export const RUN_FILE = path.join('certification', 'run.json');
export const TESTS_FILE = path.join('certification', 'tests.json');
/** How the network behaved, written by the run's pacing service (fixtures/run-setup.ts). */
export const NETWORK_FILE = path.join('certification', 'network.json');

/** The exit code of each verdict: a CI job can run an inconclusive certification again. */
export const EXIT_CODES = { READY: 0, 'NOT READY': 1, INCONCLUSIVE: 3 } as const satisfies Record<ComplianceSummary['verdict'], number>;

/** How the network behaved during the run, when the run's pacing service wrote it. */
function readNetwork(reportsDir: string): TargetNetwork[] | undefined {
  try {
    const { targets } = JSON.parse(readFileSync(path.join(reportsDir, NETWORK_FILE), 'utf8')) as { targets?: TargetNetwork[] };
    return Array.isArray(targets) ? targets : undefined;
  } catch {
    return undefined;
  }
}

/** A certification to compare (with) a run: its summary and where it was read from. */
export interface Baseline {
  readonly summary: ComparableSummary;
  /** The path as given. */
  readonly source: string;
}

/**
 * The compliance summary at `given`: a reports directory holding compliance-summary.json, or such a file. Anything else
 * is a ConfigurationError naming `what` (the option or argument that gave the path).
 */
export function readComparedSummary(given: string, what: string): Baseline {
  const resolved = path.resolve(given);
  let file = resolved;
  try {
    if (statSync(resolved).isDirectory()) file = path.join(resolved, 'compliance-summary.json');
  } catch {
    throw new ConfigurationError(`${what} ${given}: no such file or directory`);
  }
  if (!existsSync(file)) throw new ConfigurationError(`${what} ${given}: holds no compliance summary (no compliance-summary.json)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`${what} ${given}: not a compliance summary (${error instanceof Error ? error.message : String(error)})`);
  }
  const why = notComparable(value);
  if (why !== undefined) throw new ConfigurationError(`${what} ${given}: not a compliance summary (${why})`);
  return { summary: value as ComparableSummary, source: given };
}

/** The comparison with a previous certification as an entry of the Allure report, beside the verdict's. */
function writeComparisonResult(resultsDir: string, comparison: Comparison, generatedAt: string): void {
  mkdirSync(resultsDir, { recursive: true });
  const uuid = randomUUID();
  const jsonSource = `${uuid}-attachment.json`;
  writeFileSync(path.join(resultsDir, jsonSource), `${JSON.stringify(comparison, null, 2)}\n`);
  const now = Date.parse(generatedAt);
  const result = {
    uuid,
    historyId: 'changes-since-baseline',
    testCaseId: 'changes-since-baseline',
    name: 'Changes since the baseline certification',
    fullName: 'certification: changes since the baseline certification',
    // Failed when something got worse, as certify:compare's exit code says.
    status: comparison.worse ? 'failed' : 'passed',
    statusDetails: comparison.worse ? { message: comparisonLine(comparison) } : {},
    stage: 'finished',
    start: now,
    stop: now,
    description: comparisonMarkdown(comparison),
    labels: [
      { name: 'epic', value: 'Certification' },
      { name: 'feature', value: 'Comparison with a previous certification' },
      { name: 'severity', value: 'critical' },
    ],
    // Shown, not part of the entry's identity: its history follows it whatever baseline each run compared with.
    parameters: [{ name: 'baseline', value: comparison.baseline.source ?? comparison.baseline.generatedAt, excluded: true }],
    links: [],
    steps: [],
    attachments: [{ name: 'comparison (JSON)', source: jsonSource, type: 'application/json' }],
  };
  writeFileSync(path.join(resultsDir, `${uuid}-result.json`), `${JSON.stringify(result)}\n`);
}

/** The verdict as an entry of the Allure report, so that the HTML report opens on the same verdict as the summary. */
function writeVerdictResult(resultsDir: string, summary: ComplianceSummary, markdown: string): void {
  mkdirSync(resultsDir, { recursive: true });
  const uuid = randomUUID();
  const markdownSource = `${uuid}-attachment.md`;
  const jsonSource = `${uuid}-attachment.json`;
  writeFileSync(path.join(resultsDir, markdownSource), markdown);
  writeFileSync(path.join(resultsDir, jsonSource), `${JSON.stringify(summary, null, 2)}\n`);
  const networkSource = `${uuid}-network-attachment.json`;
  if (summary.network) writeFileSync(path.join(resultsDir, networkSource), `${JSON.stringify(summary.network, null, 2)}\n`);
  const now = Date.parse(summary.generatedAt);
  const result = {
    uuid,
    historyId: 'go-live-verdict',
    testCaseId: 'go-live-verdict',
    name: `Go-live verdict: ${summary.verdict}`,
    fullName: 'certification: go-live verdict',
    // An inconclusive run is broken, in Allure's words: the environment, not the subject, kept it from a verdict.
    status: summary.verdict === 'READY' ? 'passed' : summary.verdict === 'INCONCLUSIVE' ? 'broken' : 'failed',
    statusDetails: summary.verdict === 'READY' ? {} : { message: `${summary.verdict}: ${summary.reasons.join('; ')}` },
    stage: 'finished',
    start: now,
    stop: now,
    descriptionHtml: verdictHtml(summary),
    labels: [
      { name: 'epic', value: 'Certification' },
      { name: 'feature', value: 'Compliance summary' },
      { name: 'severity', value: 'blocker' },
    ],
    // Shown, but not part of the entry's identity, which its history in the report follows from run to run.
    parameters: [{ name: 'seed', value: String(summary.seed), excluded: true }],
    links: [],
    steps: [],
    attachments: [
      { name: 'compliance summary (Markdown)', source: markdownSource, type: 'text/markdown' },
      { name: 'compliance summary (JSON)', source: jsonSource, type: 'application/json' },
      ...(summary.network ? [{ name: 'network', source: networkSource, type: 'application/json' }] : []),
    ],
  };
  writeFileSync(path.join(resultsDir, `${uuid}-result.json`), `${JSON.stringify(result)}\n`);
}

/**
 * Generates the Allure 3 HTML report in a process of its own, so that the certificate is printed meanwhile; resolves to
 * a line saying why when it could not.
 */
async function generateHtmlReport(resultsDir: string, reportDir: string, verdict: string): Promise<string | undefined> {
  const generator = spawn(
    process.execPath,
    [dependencyFile('allure', 'cli.js'), 'generate', resultsDir, '--config', fromRoot('allurerc.mjs'), '--output', reportDir],
    {
      // The caller's directory, not the package's, as for the rest of the run (allurerc.mjs resolves against it).
      cwd: process.cwd(),
      env: {
        ...process.env,
        CERTIFY_REPORT_NAME: `D1 Click to Pay issuer certification: ${verdict}`,
        // The history of earlier reports, which allurerc.mjs hands to Allure; the report appends this run's to it.
        CERTIFY_HISTORY_FILE: historyFileOf(path.dirname(reportDir)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    // The last line says why a generation failed; the rest is progress.
    output = (output + chunk.toString('utf8')).slice(-10_000);
  };
  generator.stdout.on('data', keep);
  generator.stderr.on('data', keep);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    generator.on('error', (error) => {
      output += `\n${error.message}`;
      resolve([null, null]);
    });
    generator.on('close', (code, killedBy) => resolve([code, killedBy]));
  });
  if (status === 0 && existsSync(path.join(reportDir, 'index.html'))) return undefined;
  const lastLine = output.trim().split('\n').slice(-1)[0] ?? '';
  return `the Allure report could not be generated (exit ${status ?? signal ?? '?'}): ${lastLine}`;
}

/** Where the bank's calls to D1 were seen, from the observation's results merged into the run. */
function callsSeen(tests: readonly CertifiedTest[]): string {
  const observed = tests.filter((t) => t.project === OBSERVE_PROJECT);
  if (observed.length === 0) return 'not observed: no call of the bank to D1 was seen';
  return `observed: ${observed.reduce((sum, t) => sum + (t.calls ?? 0), 0)} calls (details in observation/)`;
}

interface Evidence {
  readonly summary: ComplianceSummary;
  readonly markdown: string;
  /** The HTML report being generated: resolves to why it is missing, when it is. */
  readonly reportProblem: Promise<string | undefined>;
}

/**
 * Turns a run's test outcomes into the evidence: the compliance summary (JSON checked against its schema, and
 * Markdown) and the verdict entry in the Allure results, and starts the generation of the Allure HTML report.
 */
function writeEvidence(
  reportsDir: string,
  tests: readonly CertifiedTest[],
  run: RunDescription,
  versions: RunVersions,
  baseline: Baseline | undefined,
  repetition: Repetition | undefined,
): Evidence {
  // What the run created in an external D1 and removed again (certify's clean-up), when it created anything there.
  const d1Cleanup = readCleanup(reportsDir);
  const judged = summarise({
    tests,
    apis,
    rules,
    applicableConditional: new Set(run.applicableConditionalApis),
    seed: run.seed,
    targets: run.targets,
    subject: { ...run.subject, calls: callsSeen(tests) },
    ...(d1Cleanup ? { d1Cleanup } : {}),
    network: readNetwork(reportsDir),
    versions,
    ...(repetition ? { repetition } : {}),
  });
  const summary: ComplianceSummary = baseline
    ? { ...judged, comparison: compareSummaries(baseline.summary, judged, { baseline: baseline.source }) }
    : judged;
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const schema = JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object;
  if (!validate.validate(schema, summary)) throw new Error(`the compliance summary breaks its schema: ${validate.errorsText()}`);
  const markdown = summaryMarkdown(summary);
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(path.join(reportsDir, 'compliance-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(reportsDir, 'compliance-summary.md'), markdown);
  const resultsDir = path.join(reportsDir, 'allure-results');
  writeVerdictResult(resultsDir, summary, markdown);
  writeRowResults(resultsDir, summary);
  if (summary.comparison) writeComparisonResult(resultsDir, summary.comparison, summary.generatedAt);
  const reportProblem = generateHtmlReport(resultsDir, path.join(reportsDir, 'allure-report'), summary.verdict);
  return { summary, markdown, reportProblem };
}

/** A certification run N times with the same seed and targets (`certify --repeat N`): the runs, and the rules that flipped. */
export interface Repetition {
  readonly runs: number;
  readonly unstable: readonly UnstableRule[];
}

/**
 * Clears what an earlier run left in a reports directory, whose results would mix with this one's; an observation of
 * the issuer's own calls (npm run observe) made there stays, since it is part of the evidence.
 */
export function clearEarlierEvidence(reportsDir: string): void {
  for (const stale of [
    TESTS_FILE,
    RUN_FILE,
    NETWORK_FILE,
    'allure-report',
    'blob-report',
    'junit',
    'compliance-summary.json',
    'compliance-summary.md',
    'certificate.html',
    'certificate.pdf',
  ]) {
    rmSync(path.join(reportsDir, stale), { recursive: true, force: true });
  }
  // The runs of an earlier repeated certification (certify --repeat), each in its own certification/run-K/.
  const certification = path.join(reportsDir, 'certification');
  if (existsSync(certification))
    for (const entry of readdirSync(certification))
      if (/^run-\d+$/.test(entry)) rmSync(path.join(certification, entry), { recursive: true, force: true });
  keepOnlyObservationResults(path.join(reportsDir, 'allure-results'));
}

/**
 * The end of a certification (`certify`, or `certify:merge` for a sharded one): merges an observation found in the
 * reports directory, writes the evidence, prints the summary and where everything is, and returns the exit code:
 * 0 READY, 1 NOT READY or no HTML report, 3 INCONCLUSIVE (a target could not answer some tests). With a baseline, the
 * evidence also says what changed since it; the exit code stays the verdict's.
 */
export async function concludeCertification(
  reportsDir: string,
  tests: readonly CertifiedTest[],
  run: RunDescription,
  command: string,
  outcome = '',
  baseline?: Baseline,
  repetition?: Repetition,
): Promise<number> {
  const observed = readObservation(reportsDir) ?? [];
  // A bank certified without its endpoints configured: the reference issuer's results are not the bank's evidence.
  if (run.subject.kind === 'bank' && run.targets.issuer === EMBEDDED_ISSUER_LABEL) tests = tests.filter((t) => t.subject !== 'bank');
  if (observed.length > 0)
    process.stdout.write(`${command}: merging ${observed.length} results of the observation of the issuer's calls to D1\n`);
  const versions: RunVersions = { product: productVersion(), contracts: contractsHash() };
  const {
    summary,
    markdown,
    reportProblem: htmlReport,
  } = writeEvidence(reportsDir, [...tests, ...observed], run, versions, baseline, repetition);
  writeVerdictJUnit(reportsDir, summary);
  const shown = path.relative(process.cwd(), reportsDir) || '.';
  process.stdout.write(`\n${markdown}\n`);
  const stepSummary = appendStepSummary(markdown);
  if (stepSummary && 'problem' in stepSummary) process.stderr.write(`${command}: ${stepSummary.problem}\n`);
  const [reportProblem, certificate] = await Promise.all([
    htmlReport,
    writeCertificate(reportsDir, summary, { productVersion: versions.product, contractsHash: versions.contracts }),
  ]);
  if (reportProblem) process.stderr.write(`${command}: ${reportProblem}\n`);
  if (certificate.problem) process.stderr.write(`${command}: the certificate's PDF could not be printed: ${certificate.problem}\n`);
  if (repetition) {
    const unstable = summary.unstable ?? [];
    process.stdout.write(
      `${command}: ${repetition.runs} run${repetition.runs === 1 ? '' : 's'} with the same seed and targets; ` +
        (unstable.length === 0
          ? 'every rule held steady\n'
          : `${unstable.length} unstable rule${unstable.length === 1 ? '' : 's'}: ` +
            `${unstable.map((u) => `${u.ruleId}, ${unstableRunsLine(u)}: ${unstableStanding(u)}`).join('; ')}\n`),
    );
  }
  if (summary.comparison)
    process.stdout.write(
      `${command}: changes since ${summary.comparison.baseline.source ?? 'the baseline'}: ${comparisonLine(summary.comparison)}\n`,
    );
  process.stdout.write(
    `${command}: ${outcome}${summary.verdict}; summary in ${path.join(shown, 'compliance-summary.json')} and .md; ` +
      `HTML report in ${path.join(shown, 'allure-report')}; ` +
      `certificate in ${path.join(shown, 'certificate.html')}${certificate.pdfFile ? ' and .pdf' : ''}\n`,
  );
  if (reportProblem) return 1;
  return EXIT_CODES[summary.verdict];
}
