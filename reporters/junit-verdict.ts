/**
 * The go-live verdict in the run's JUnit XML, so that a CI's test view shows the certification as it is judged: beside
 * Playwright's tests, a `<testsuite name="go-live verdict">` with
 *
 * - one test case for the verdict: failed when NOT READY, in error when INCONCLUSIVE (nothing failed, but it could not
 *   be judged), passed when READY; its message gives the reasons;
 * - one per applicable row of the D1 API summary (classname `go-live verdict.API rows`): failed when FAIL, its message
 *   naming the failed rules and its text giving each one's documented against received; skipped when NOT TESTED;
 *   passed otherwise, the warned rules of a PASS WITH WARNINGS row in its `<system-out>`;
 * - one per finding the summary lists (classname `go-live verdict.findings`), a rule or a contract departure: failed
 *   when it fails the go-live (a documented or security rule), passed when it only warns, the warning in its
 *   `<system-out>`. A rule unstable between the runs of a repeated certification (`certify --repeat`) says so in its
 *   message and gives each run's outcome in its text.
 *
 * Test case names are stable across runs (an API's name and id, a rule's id), so that a CI follows each one's history.
 * The file keeps to reporters/junit.xsd.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unstableRunsLine, type ApiSummaryRow, type ComplianceSummary, type Finding, type UnstableRule } from './compliance-summary.js';
import {
  findingKind,
  findingLine,
  findingName,
  findingText,
  rowEvidenceLine,
  rowFailuresText,
  rowMessage,
  rowWarningsText,
  unstableOf,
  unstableText,
} from './verdict-text.js';

export const VERDICT_SUITE = 'go-live verdict';
export const ROWS_CLASS = `${VERDICT_SUITE}.API rows`;
export const FINDINGS_CLASS = `${VERDICT_SUITE}.findings`;
/** Where Playwright's junit reporter writes the run's JUnit XML, under the reports directory (playwright.config.ts). */
export const JUNIT_FILE = path.join('junit', 'results.xml');

/**
 * Characters XML 1.0 cannot carry even as references (C0 controls but tab and line breaks, unpaired surrogates, U+FFFE
 * and U+FFFF), and the C1 controls it discourages: each is written as `\uXXXX`, so that the value stays readable.
 */
const UNWRITABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const visible = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
// In an attribute a parser turns tabs and line breaks into spaces unless they are references.
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = { ...TEXT_ESCAPES, '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;' };

/** Text as element content. */
export const xmlText = (text: string): string => text.replace(UNWRITABLE, visible).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
/** Text as a double-quoted attribute's value. */
export const xmlAttribute = (text: string): string =>
  text.replace(UNWRITABLE, visible).replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);

const attributes = (values: Readonly<Record<string, string | number>>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttribute(String(value))}"`)
    .join('');

interface Outcome {
  readonly element: 'failure' | 'error';
  readonly type: string;
  readonly message: string;
  readonly text: string;
}

interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly outcome?: Outcome;
  /** Why it was skipped, when it was. */
  readonly skipped?: string;
  readonly out?: string;
}

function verdictCase(summary: ComplianceSummary): TestCase {
  const base = { name: VERDICT_SUITE, classname: VERDICT_SUITE };
  const subject =
    summary.subject.kind === 'reference-pair' ? 'the embedded reference pair, not a bank' : `the bank ${summary.subject.issuerId}`;
  const out = [
    `${summary.verdict}`,
    `subject: ${subject}`,
    `D1: ${summary.targets.d1}; issuer: ${summary.targets.issuer}; seed ${summary.seed}; ${summary.generatedAt}`,
  ].join('\n');
  if (summary.verdict === 'READY') return { ...base, out };
  const outcome: Outcome = {
    element: summary.verdict === 'INCONCLUSIVE' ? 'error' : 'failure',
    type: summary.verdict,
    message: `${summary.verdict}: ${summary.reasons.join('; ')}`,
    text: summary.reasons.map((r) => `- ${r}`).join('\n'),
  };
  return { ...base, outcome, out };
}

function rowCase(summary: ComplianceSummary, row: ApiSummaryRow): TestCase {
  const base = { name: `${row.name} (${row.id})`, classname: ROWS_CLASS };
  const evidence = rowEvidenceLine(row);
  switch (row.verdict) {
    case 'FAIL':
      return {
        ...base,
        outcome: { element: 'failure', type: 'FAIL', message: rowMessage(row), text: rowFailuresText(summary, row) },
        out: evidence,
      };
    case 'NOT TESTED':
      return { ...base, skipped: rowMessage(row), out: evidence };
    case 'PASS WITH WARNINGS':
      return { ...base, out: `${rowMessage(row)}\n${evidence}\n\n${rowWarningsText(summary, row)}` };
    case 'PASS':
      return { ...base, out: `${rowMessage(row)}\n${evidence}` };
  }
}

function findingCase(finding: Finding, failsGoLive: boolean, summary: ComplianceSummary): TestCase {
  const base = { name: findingName(finding), classname: FINDINGS_CLASS };
  const unstable: UnstableRule | undefined = unstableOf(summary).get(finding.ruleId);
  const text = unstable ? `${findingText(finding)}\n\n${unstableText(unstable, summary.repetitions ?? 0)}` : findingText(finding);
  if (!failsGoLive) return { ...base, out: `warning, it does not fail the go-live:\n${text}` };
  return {
    ...base,
    outcome: {
      element: 'failure',
      type: findingKind(finding),
      message:
        `${findingLine(finding)}${unstable ? ` (unstable: ${unstableRunsLine(unstable)})` : ''}: ` +
        `documented ${finding.documented}; received ${finding.received}`,
      text,
    },
  };
}

function testCaseXml(c: TestCase): string {
  const children = [
    ...(c.outcome
      ? [
          `<${c.outcome.element}${attributes({ message: c.outcome.message, type: c.outcome.type })}>` +
            `${xmlText(c.outcome.text)}</${c.outcome.element}>`,
        ]
      : []),
    ...(c.skipped !== undefined ? [`<skipped${attributes({ message: c.skipped })}/>`] : []),
    ...(c.out ? [`<system-out>${xmlText(c.out)}</system-out>`] : []),
  ];
  return `<testcase${attributes({ name: c.name, classname: c.classname, time: 0 })}>\n${children.map((x) => `${x}\n`).join('')}</testcase>`;
}

/** How many test cases of each kind a verdict suite holds, as its attributes (and the root's) count them. */
interface Counts {
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
}

function casesOf(summary: ComplianceSummary): TestCase[] {
  return [
    verdictCase(summary),
    ...summary.apis.filter((row) => row.applicable).map((row) => rowCase(summary, row)),
    ...summary.failures.map((f) => findingCase(f, true, summary)),
    ...summary.warnings.map((f) => findingCase(f, false, summary)),
  ];
}

function countsOf(cases: readonly TestCase[]): Counts {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome?.element === 'failure').length,
    errors: cases.filter((c) => c.outcome?.element === 'error').length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
  };
}

/** The verdict of a compliance summary as one JUnit `<testsuite>` element. */
export const verdictTestSuite = (summary: ComplianceSummary): string => verdictSuite(summary).xml;

function verdictSuite(summary: ComplianceSummary): { xml: string; counts: Counts } {
  const cases = casesOf(summary);
  const counts = countsOf(cases);
  const properties = {
    verdict: summary.verdict,
    subject: summary.subject.kind,
    issuerId: summary.subject.issuerId,
    'D1 target': summary.targets.d1,
    'issuer target': summary.targets.issuer,
    seed: String(summary.seed),
    'applicable conditional APIs': summary.applicableConditionalApis.join(', '),
    ...(summary.repetitions !== undefined ? { 'runs with the same seed and targets': String(summary.repetitions) } : {}),
  };
  const xml = [
    `<testsuite${attributes({ name: VERDICT_SUITE, timestamp: summary.generatedAt, ...counts, time: 0 })}>`,
    '<properties>',
    ...Object.entries(properties).map(([name, value]) => `<property${attributes({ name, value })}/>`),
    '</properties>',
    ...cases.map(testCaseXml),
    '</testsuite>',
  ].join('\n');
  return { xml, counts };
}

const EMPTY_REPORT = '<testsuites id="" name="" tests="0" failures="0" skipped="0" errors="0" time="0">\n</testsuites>';
const COUNTED = ['tests', 'failures', 'errors', 'skipped'] as const;

/** A start tag's whole-number attribute, 0 when it has none. */
const countIn = (tag: string, name: string): number => Number(new RegExp(`\\s${name}="(\\d+)"`).exec(tag)?.[1] ?? 0);

/** A start tag with the given attributes set (added at its end when it had none). */
function withCounts(tag: string, counts: Readonly<Record<string, number>>): string {
  let result = tag;
  for (const [name, value] of Object.entries(counts)) {
    const pattern = new RegExp(`(\\s${name}=")[^"]*(")`);
    result = pattern.test(result) ? result.replace(pattern, `$1${value}$2`) : result.replace(/\s*>$/, ` ${name}="${value}">`);
  }
  return result;
}

/**
 * A JUnit XML report (Playwright's, or none) with the verdict's suite as its last `<testsuite>`, in place of one an
 * earlier conclusion put there, and the root's counts including it.
 */
export function withVerdictSuite(junit: string | undefined, summary: ComplianceSummary): string {
  let report = junit !== undefined && /<testsuites\b[^>]*>/.test(junit) && junit.includes('</testsuites>') ? junit : EMPTY_REPORT;
  // Attribute values are escaped, so a `>` ends the tag; a suite's text cannot hold `</testsuite>` (its `<` is escaped).
  const earlier = new RegExp(`<testsuite name="${VERDICT_SUITE}"[^>]*>[\\s\\S]*?</testsuite>\\n?`).exec(report);
  const removed = Object.fromEntries(COUNTED.map((name) => [name, earlier ? countIn(earlier[0], name) : 0]));
  if (earlier) report = report.slice(0, earlier.index) + report.slice(earlier.index + earlier[0].length);
  const suite = verdictSuite(summary);
  const close = report.lastIndexOf('</testsuites>');
  report = `${report.slice(0, close)}${suite.xml}\n${report.slice(close)}`;
  return report.replace(/<testsuites\b[^>]*>/, (root) =>
    withCounts(root, Object.fromEntries(COUNTED.map((name) => [name, countIn(root, name) - (removed[name] ?? 0) + suite.counts[name]]))),
  );
}

/** Adds the verdict's suite to the run's JUnit XML under the reports directory (writing one if the run left none). */
export function writeVerdictJUnit(reportsDir: string, summary: ComplianceSummary): string {
  const file = path.join(reportsDir, JUNIT_FILE);
  const junit = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, withVerdictSuite(junit, summary));
  return file;
}
