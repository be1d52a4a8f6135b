import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { LabelName, Stage, Status, type Label, type Link, type Parameter } from 'allure-js-commons';
import { FileSystemWriter, ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import { apis, rules } from '../gen/catalogue.js';
import type { RuleId } from '../gen/catalogue.js';
import { parseRuleFailure, provenanceOf, ruleStanding, type RuleFailure } from '../lib/checks/rule-failure.js';
import { exchangeText, exchangeTitle, type ExchangeRecord } from '../lib/evidence/exchange.js';
import { fromRoot } from '../lib/paths.js';
import { CONDITIONAL_APIS } from '../lib/config/conditional-apis.js';
import { certificationResults, type CertificationResults, type CertifiedTest } from '../reporters/certification.js';
import { OBSERVE_PROJECT, summarise, summaryMarkdown, type ComplianceSummary } from '../reporters/compliance-summary.js';

export { OBSERVE_PROJECT };
/** Where the observation's results go under the reports directory. */
export const OBSERVATION_DIR = 'observation';

const ruleById = new Map<string, (typeof rules)[number]>(rules.map((r) => [r.id, r]));
const apiById = new Map(apis.map((a) => [a.id, a]));
const SEVERITY = { mandatory: 'critical', conditional: 'normal', optional: 'minor' } as const;

/** One observed operation or usage rule, as it goes to every report: outcome, failure text and redacted exchanges. */
export interface ObservedResult {
  readonly kind: 'operation' | 'usage' | 'outside';
  readonly title: string;
  /** The operationId for an operation, the rule id for a usage rule. */
  readonly subject: string;
  /** The catalogue row the result belongs to, when it belongs to one. */
  readonly api: string | undefined;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** The rules checked; the first failure of each failed rule is in `failures`. */
  readonly rules: readonly RuleId[];
  readonly failures: readonly ObservedFailure[];
  /** The issuer's calls the result stands for (an operation's); 0 for usage rules. */
  readonly callCount: number;
  /** What was seen, for a result that passed or was skipped. */
  readonly note: string;
  readonly exchanges: readonly ExchangeRecord[];
  readonly start: number;
  readonly stop: number;
}

/** The first departure from one rule, as data, with its text for people. */
export interface ObservedFailure extends RuleFailure {
  readonly message: string;
}

export interface ObservationEvidence {
  readonly mode: 'recording' | 'proxy';
  /** What stood behind the observer: the embedded mock D1, or the upstream's banking URL. */
  readonly d1: string;
  readonly issuerId: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly exchangeCount: number;
  /** How many observers' journals were merged into this observation, when more than one. */
  readonly instances?: number;
  readonly results: readonly ObservedResult[];
  /** The results in the certification's format (reporters/certification.ts), project `observe`. */
  readonly certification: CertificationResults;
}

/** The results in the certification's format: per result the rules that held, and one failed entry per broken rule. */
export function certifiedTests(results: readonly ObservedResult[]): CertifiedTest[] {
  const file = (result: ObservedResult): string => (result.kind === 'usage' ? 'observer/usage-rules.ts' : 'observer/contract-checks.ts');
  const categoryOf = (result: ObservedResult): string | undefined => (result.api ? apiById.get(result.api)?.category : undefined);
  return results.flatMap((result): CertifiedTest[] => {
    const failedRules = new Set(result.failures.flatMap((f) => (f.ruleId ? [f.ruleId] : [])));
    const held = result.rules.filter((r) => !failedRules.has(r));
    const base = { project: OBSERVE_PROJECT, subject: 'bank' as const, file: file(result), category: categoryOf(result) };
    // The calls an operation result stands for are counted once, on its first entry.
    let calls = result.kind === 'operation' ? result.callCount : 0;
    const takeCalls = (): { calls?: number } => {
      const taken = calls;
      calls = 0;
      return taken > 0 ? { calls: taken } : {};
    };
    const entries: CertifiedTest[] = [];
    if (result.kind === 'outside' || held.length > 0 || result.failures.length === 0) {
      entries.push({
        ...base,
        title: result.title,
        rules: held,
        provenance: provenanceOf(held[0]),
        outcome: result.outcome === 'skipped' ? 'skipped' : 'passed',
        failure: undefined,
        ...takeCalls(),
        error: undefined,
      });
    }
    for (const failure of result.failures) {
      entries.push({
        ...base,
        title: `${result.title} › ${failure.ruleId ?? 'a departure no catalogue rule names'}`,
        rules: failure.ruleId ? [failure.ruleId] : [],
        provenance: failure.provenance,
        outcome: 'failed',
        failure: {
          ruleId: failure.ruleId,
          operationId: failure.operationId,
          ...ruleStanding(failure.ruleId),
          pointer: failure.pointer,
          documented: failure.documented,
          received: failure.received,
        },
        ...takeCalls(),
        error: failure.message,
      });
    }
    return entries;
  });
}

export { certificationResults };

// --- writing --------------------------------------------------------------------------------------------------------

const OBSERVE_TAG = 'observe';

function labelsOf(result: ObservedResult): Label[] {
  const api = result.api ? apiById.get(result.api) : undefined;
  const first = ruleById.get(result.rules[0] ?? '');
  const category = api?.category ?? first?.category;
  // An operation exercises many rules; its tags name only those it broke, a usage result its own rule.
  const taggedRules = result.kind === 'usage' ? result.rules : result.failures.flatMap((f) => (f.ruleId ? [f.ruleId] : []));
  return [
    { name: LabelName.SUITE, value: "issuer's calls to D1 (observed)" },
    ...(api
      ? [
          { name: LabelName.EPIC, value: api.group },
          { name: LabelName.FEATURE, value: api.name },
        ]
      : []),
    ...(category ? [{ name: LabelName.SEVERITY, value: SEVERITY[category] }] : []),
    ...result.rules.map((id) => ({ name: LabelName.STORY, value: `${id}: ${ruleById.get(id)?.statement ?? ''}` })),
    ...[OBSERVE_TAG, ...taggedRules, ...(category ? [category] : []), ...(first ? [first.provenance] : [])].map((value) => ({
      name: LabelName.TAG,
      value,
    })),
  ];
}

const linksOf = (result: ObservedResult): Link[] =>
  [...new Set(result.rules.map((id) => ruleById.get(id)?.source).filter((s): s is string => Boolean(s)))].map((url) => ({
    url,
    name: 'D1 documentation',
    type: 'link',
  }));

/** The Allure results in a directory, each with whether it is an observation's and the attachment files it names. */
function allureResultsIn(resultsDir: string): { file: string; observation: boolean; attachments: string[] }[] {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .flatMap((file) => {
      try {
        const result = JSON.parse(readFileSync(path.join(resultsDir, file), 'utf8')) as {
          labels?: Label[];
          attachments?: { source?: string }[];
        };
        const observation = result.labels?.some((l) => l.name === 'tag' && l.value === OBSERVE_TAG) === true;
        return [{ file, observation, attachments: (result.attachments ?? []).flatMap((a) => (a.source ? [path.basename(a.source)] : [])) }];
      } catch {
        // A file another tool is still writing, or not an Allure result: left alone.
        return [];
      }
    });
}

/** Observation results of an earlier run in the same results directory, with their attachments: replaced, not mixed. */
function removeEarlierObservation(resultsDir: string): void {
  for (const result of allureResultsIn(resultsDir).filter((r) => r.observation)) {
    for (const name of [result.file, ...result.attachments]) rmSync(path.join(resultsDir, name), { force: true });
  }
}

/**
 * Empties an Allure results directory but for an observation's results and their attachments: what a certification
 * run clears before it starts, so that the observation made before it stays in its report.
 */
export function keepOnlyObservationResults(resultsDir: string): void {
  if (!existsSync(resultsDir)) return;
  const kept = new Set(
    allureResultsIn(resultsDir)
      .filter((r) => r.observation)
      .flatMap((r) => [r.file, ...r.attachments]),
  );
  for (const name of readdirSync(resultsDir)) if (!kept.has(name)) rmSync(path.join(resultsDir, name), { recursive: true, force: true });
}

/** One Allure result per observed operation and per usage rule, with the redacted exchanges attached. */
export function writeAllureResults(evidence: ObservationEvidence, resultsDir: string): void {
  mkdirSync(resultsDir, { recursive: true });
  removeEarlierObservation(resultsDir);
  const runtime = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir }) });
  const parameters: Parameter[] = [
    { name: 'D1', value: evidence.d1 },
    { name: 'mode', value: evidence.mode },
    { name: 'issuerId', value: evidence.issuerId },
  ];
  const status = { passed: Status.PASSED, failed: Status.FAILED, skipped: Status.SKIPPED } as const;
  for (const result of evidence.results) {
    const uuid = runtime.startTest(
      {
        name: result.title,
        fullName: `observe:${result.kind}:${result.subject}`,
        status: status[result.outcome],
        stage: Stage.FINISHED,
        statusDetails: { message: result.failures.length > 0 ? result.failures.map((f) => f.message).join('\n\n') : result.note },
        labels: labelsOf(result),
        links: linksOf(result),
        parameters,
        start: result.start,
      },
      [],
    );
    for (const record of result.exchanges) {
      runtime.writeAttachment(uuid, undefined, exchangeTitle(record), Buffer.from(exchangeText(record), 'utf8'), {
        contentType: 'text/plain',
        fileExtension: '.txt',
      });
    }
    runtime.stopTest(uuid, { stop: result.stop });
    runtime.writeTest(uuid);
  }
}

/** Where the bank's calls were seen, as the summary's subject says it. */
export const observedThrough = (evidence: Pick<ObservationEvidence, 'mode' | 'd1' | 'exchangeCount' | 'instances'>): string =>
  `observed (${evidence.exchangeCount} calls${evidence.instances ? ` from ${evidence.instances} backend instances` : ''}) through ` +
  (evidence.mode === 'proxy' ? `the validating proxy in front of ${evidence.d1}` : 'the recording mock D1');

export interface WrittenEvidence {
  readonly summary: ComplianceSummary;
  readonly markdown: string;
  readonly resultsFile: string;
  readonly summaryFile: string;
}

/**
 * Writes the evidence of an observation under the reports directory: Allure results in `allure-results/`, the
 * certification-format results in `observation/tests.json`, and the compliance summary of the issuer's client side
 * in `observation/compliance-summary.json` (checked against its schema) and `.md`.
 */
export function writeObservationEvidence(
  evidence: ObservationEvidence,
  reportsDir: string,
  applicableConditional: ReadonlySet<string> = new Set(CONDITIONAL_APIS),
): WrittenEvidence {
  writeAllureResults(evidence, path.join(reportsDir, 'allure-results'));
  const dir = path.join(reportsDir, OBSERVATION_DIR);
  mkdirSync(dir, { recursive: true });
  const resultsFile = path.join(dir, 'tests.json');
  writeFileSync(resultsFile, `${JSON.stringify(evidence.certification, null, 2)}\n`);
  const summary = summarise({
    tests: evidence.certification.tests,
    apis,
    rules,
    applicableConditional,
    seed: 0,
    targets: {
      d1: evidence.d1,
      issuer: `the issuer's backend, observed through the ${evidence.mode === 'proxy' ? 'proxy' : 'recording mock D1'}`,
    },
    subject: {
      kind: 'bank',
      issuerId: evidence.issuerId,
      hosted: 'not tested by an observation (npm run certify tests them)',
      calls: observedThrough(evidence),
    },
    now: new Date(evidence.endedAt),
  });
  const ajv = new Ajv({ allErrors: true });
  ajvFormats.default(ajv);
  if (!ajv.validate(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object, summary)) {
    throw new Error(`the observation's compliance summary breaks its schema: ${ajv.errorsText()}`);
  }
  const markdown = summaryMarkdown(summary);
  const summaryFile = path.join(dir, 'compliance-summary.json');
  writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(dir, 'compliance-summary.md'), markdown);
  return { summary, markdown, resultsFile, summaryFile };
}

const isCertifiedTest = (value: unknown): value is CertifiedTest => {
  const test = value as Partial<CertifiedTest> | null;
  return (
    typeof test === 'object' &&
    test !== null &&
    typeof test.title === 'string' &&
    Array.isArray(test.rules) &&
    (test.outcome === 'passed' || test.outcome === 'failed' || test.outcome === 'skipped')
  );
};

/**
 * The observation's results written under a reports directory (`observation/tests.json`), for `npm run certify` to
 * merge into its compliance summary; undefined when no observation was written there or the file is not one.
 */
export function readObservation(reportsDir: string): CertifiedTest[] | undefined {
  const file = path.join(reportsDir, OBSERVATION_DIR, 'tests.json');
  if (!existsSync(file)) return undefined;
  try {
    const results = JSON.parse(readFileSync(file, 'utf8')) as Partial<CertificationResults>;
    const tests = results.tests;
    if (!Array.isArray(tests) || !tests.every(isCertifiedTest)) return undefined;
    // Provenance and security come from the catalogue as it is now, never from the file.
    return tests.map((t) => {
      const failure = t.failure ? parseRuleFailure(JSON.stringify(t.failure)) : undefined;
      return { ...t, subject: 'bank', failure, provenance: failure?.provenance ?? provenanceOf(t.rules[0]) };
    });
  } catch {
    return undefined;
  }
}
