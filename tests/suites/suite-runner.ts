import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { fromRoot } from '../../lib/paths.js';
import { SUITE_PROJECTS, type CertifiedTest } from '../../reporters/certification.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { spawnNpmScript } from '../mocks/cli-process.js';

export interface SuiteTestResult {
  readonly title: string;
  readonly project: string;
  readonly tags: readonly string[];
  readonly outcome: 'passed' | 'failed' | 'skipped';
}

export interface SuiteRun {
  readonly exitCode: number | null;
  readonly results: readonly SuiteTestResult[];
  readonly stderr: string;
  /** With `certification`: what the certification reporter wrote, failures as data and departures counted. */
  readonly certified?: readonly CertifiedTest[];
}

interface JsonSuite {
  readonly title: string;
  readonly specs?: readonly {
    readonly title: string;
    readonly tags?: readonly string[];
    readonly tests: readonly { readonly projectName: string; readonly status: string }[];
  }[];
  readonly suites?: readonly JsonSuite[];
}

function collect(suite: JsonSuite, trail: readonly string[], into: SuiteTestResult[]): void {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests) {
      into.push({
        title: [...trail, spec.title].filter(Boolean).join(' › '),
        project: test.projectName,
        tags: (spec.tags ?? []).map((t) => (t.startsWith('@') ? t.slice(1) : t)),
        outcome: test.status === 'skipped' ? 'skipped' : test.status === 'expected' || test.status === 'flaky' ? 'passed' : 'failed',
      });
    }
  }
  for (const child of suite.suites ?? []) collect(child, [...trail, child.title], into);
}

function readCertified(file: string): readonly CertifiedTest[] | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { tests: CertifiedTest[] }).tests;
  } catch {
    return undefined;
  }
}

/** Variables that point the suites at external systems; a nested run starts from none of them. */
export const TARGET_VARIABLES =
  /^(D1_|ISSUER_|NOTIFY_SINK_|CERTIFY_|MOCK_D1_FAULTS|MOCK_ISSUER_FAULTS|MOCK_D1_VARIANTS|MOCK_ISSUER_VARIANTS|SEED$|NUM_RUNS$)/;

/** Runs conformance suites in a child Playwright process and returns each test's outcome and tags. */
export async function runSuites(options: {
  env?: Readonly<Record<string, string>>;
  projects?: readonly string[];
  grep?: string;
  workers?: number;
  /** Also run the certification reporter, whose results say which failures fail a go-live. */
  certification?: boolean;
}): Promise<SuiteRun> {
  const work = mkdtempSync(path.join(tmpdir(), 'suite-run-'));
  const jsonFile = path.join(work, 'results.json');
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !TARGET_VARIABLES.test(key)));
  const args = [
    fromRoot('node_modules', '@playwright', 'test', 'cli.js'),
    'test',
    ...(options.projects ?? SUITE_PROJECTS).map((p) => `--project=${p}`),
    options.certification ? `--reporter=json,${fromRoot('reporters', 'certification.ts')}` : '--reporter=json',
    `--output=${path.join(work, 'output')}`,
    `--workers=${options.workers ?? 1}`,
    ...(options.grep ? ['--grep', options.grep] : []),
  ];
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: fromRoot(),
        env: {
          ...env,
          SEED: '20261122',
          ...options.env,
          PLAYWRIGHT_JSON_OUTPUT_FILE: jsonFile,
          ...(options.certification ? { CERTIFY_REPORTS_DIR: work } : {}),
        },
      });
      let errors = '';
      child.stdout.resume();
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.once('exit', (exitCode) => resolve({ code: exitCode, stderr: errors }));
    });
    const results: SuiteTestResult[] = [];
    try {
      collect({ title: '', suites: (JSON.parse(readFileSync(jsonFile, 'utf8')) as { suites: JsonSuite[] }).suites }, [], results);
    } catch {
      // No report: the run broke before its tests; the exit code and stderr say why.
    }
    const certified = options.certification ? readCertified(path.join(work, 'certification', 'tests.json')) : undefined;
    return { exitCode: code, results, stderr, ...(certified ? { certified } : {}) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The environment without any target variable, so that a nested run starts from the embedded mocks. */
export const environmentWithoutTargets = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !TARGET_VARIABLES.test(entry[0])),
  );

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one of the product's commands (`scripts/<name>.ts`) to its end, from a clean environment plus `env`. */
export function runScript(name: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, cwd = fromRoot()): ScriptRun {
  const run = spawnSync(
    process.execPath,
    [fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs'), fromRoot('scripts', `${name}.ts`), ...args],
    {
      cwd,
      env: { ...environmentWithoutTargets(), ...env },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 480_000,
    },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

export interface CertifyCommandRun extends ScriptRun {
  /** The run's own reports directory (a new temporary one). */
  readonly reportsDir: string;
}

/**
 * Runs `npm run certify` to its end as a bank's CI would, in a new reports directory of its own, from an environment
 * without target variables plus `env`; several may run at once.
 */
export async function certifyEndToEnd(
  env: Readonly<Record<string, string>>,
  args: readonly string[] = [],
  prefix = 'certify-run-',
): Promise<CertifyCommandRun> {
  const reportsDir = mkdtempSync(path.join(tmpdir(), prefix));
  // npm's child gets this process's environment under `env`: a target variable set here is blanked, which reads as unset.
  const blanked = Object.fromEntries(Object.keys(process.env).flatMap((key) => (TARGET_VARIABLES.test(key) ? [[key, '']] : [])));
  const { npm, output } = spawnNpmScript('certify', args, {
    ...blanked,
    ...environmentWithoutTargets(),
    CERTIFY_REPORTS_DIR: reportsDir,
    ...env,
  });
  let stderr = '';
  // Read as it comes: an unread pipe that fills up would stall the run.
  npm.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': the output is complete only once the pipes have ended.
  const [code] = (await once(npm, 'close')) as [number | null];
  return { code, stdout: output(), stderr, reportsDir };
}

/** The files every complete certification leaves in its reports directory, beside compliance-summary.json. */
export const CERTIFICATION_OUTPUTS = [
  'compliance-summary.md',
  'certificate.html',
  'certificate.pdf',
  path.join('allure-report', 'index.html'),
] as const;

export interface CertificationEvidence {
  /** The compliance summary, when the run wrote one. */
  readonly summary: ComplianceSummary | undefined;
  /** Why the summary breaks reporters/compliance-summary.schema.json; empty when it follows it. */
  readonly schemaErrors: string;
  /** Which of CERTIFICATION_OUTPUTS are missing. */
  readonly missing: readonly string[];
}

/** What a certification left in its reports directory, its summary checked against the published schema. */
export function certificationEvidenceIn(reportsDir: string): CertificationEvidence {
  const missing = CERTIFICATION_OUTPUTS.filter((file) => !existsSync(path.join(reportsDir, file)));
  const summaryFile = path.join(reportsDir, 'compliance-summary.json');
  if (!existsSync(summaryFile)) return { summary: undefined, schemaErrors: 'no compliance-summary.json', missing };
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as ComplianceSummary;
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const schema = JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object;
  const schemaErrors = validate.validate(schema, summary) ? '' : validate.errorsText();
  return { summary, schemaErrors, missing };
}

/** The go-live verdict entry of a generated Allure 3 report, as the report's data files hold it. */
export interface AllureVerdictEntry {
  readonly name: string;
  readonly status: string;
  /** The verdict's HTML, which the report shows as the entry's description. */
  readonly descriptionHtml: string;
  /** The compliance summary attached to the entry. */
  readonly summary: ComplianceSummary | undefined;
}

interface AllureReportResult {
  readonly name: string;
  readonly fullName?: string;
  readonly status: string;
  readonly descriptionHtml?: string;
  readonly attachments?: readonly { readonly link?: { readonly id: string; readonly ext?: string; readonly name?: string } }[];
}

/**
 * Reads the verdict entry (reporters/certification-evidence.ts writes it into the Allure results) back from the
 * report: the awesome plugin keeps each result in data/test-results/ and its attachments in data/attachments/.
 */
export function allureVerdictEntry(reportsDir: string): AllureVerdictEntry | undefined {
  const data = path.join(reportsDir, 'allure-report', 'data');
  const resultsDir = path.join(data, 'test-results');
  if (!existsSync(resultsDir)) return undefined;
  for (const file of readdirSync(resultsDir)) {
    const result = JSON.parse(readFileSync(path.join(resultsDir, file), 'utf8')) as AllureReportResult;
    if (result.fullName !== 'certification: go-live verdict') continue;
    const attached = result.attachments?.find((a) => a.link?.name === 'compliance summary (JSON)')?.link;
    const attachedFile = attached ? path.join(data, 'attachments', `${attached.id}${attached.ext ?? ''}`) : undefined;
    const summary =
      attachedFile && existsSync(attachedFile) ? (JSON.parse(readFileSync(attachedFile, 'utf8')) as ComplianceSummary) : undefined;
    return { name: result.name, status: result.status, descriptionHtml: result.descriptionHtml ?? '', summary };
  }
  return undefined;
}
